"""The record: who said what (Claim), who they are (Source), where it was reported
(Article), what it is about (Topic), how claims bear on each other (ClaimLink) and
what editors concluded (Review).

Every foreign key that would delete a record's history is PROTECT: removing a
source, article, topic, user or a claim that others link to or that has been
reviewed is refused, never cascaded. The only cascade is a claim's own topic
assignments (ClaimTopic), which mean nothing without the claim.

Every editable record is versioned (see `claims.versioning`) and keeps its
revision history (django-simple-history; see docs/history-and-editing.md).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from claims import anchoring
from claims.db import without_statement_timeout
from claims.history import RecordedHistory
from claims.versioning import VersionedModel

# The largest value of a BigAutoField: a number past it would reach SQLite as an OverflowError.
MAX_ID = 2**63 - 1


def is_id(value) -> bool:
    """Whether `value` (as submitted, often a string) can be a record id."""
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


class FullMatchValidator(RegexValidator):
    """A RegexValidator the whole value must match: RegexValidator searches, so '^en$' also takes 'en\\n'.

    The pattern (with ^ and $) is also the API schema's, so clients and fuzzers know the rule.
    """

    def __call__(self, value):
        if not self.regex.fullmatch(str(value)):
            raise ValidationError(self.message, code=self.code, params={"value": value})


language_code = FullMatchValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
    "Enter a BCP 47 language code such as 'en', 'ar' or 'en-GB'.",
)
country_code = FullMatchValidator(r"^[A-Z]{2}$", "Enter an ISO 3166-1 alpha-2 country code such as 'SY' or 'IQ'.")
# Spaces and control characters, spelled out: `\s` means different things in Python and in the
# JavaScript regexes of the API schema (U+0085 is a space to one and not the other).
_SPACES = r"\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
# Addresses are http(s) with a host and no spaces. Django's URLValidator is stricter in ways no schema
# states (DNS label lengths, TLD rules), so a client following the schema would be refused.
# The host takes no brackets: an IPv6 literal is no news source, and a stray one makes the address
# unreadable to URL parsers (Python's urlsplit raises on "http://[x").
web_url = FullMatchValidator(
    rf"^https?://[^/?#\[\]{_SPACES}]+([/?#][^{_SPACES}]*)?$", "Enter an http:// or https:// address without spaces."
)
# Some visible character, and no NUL (which PostgreSQL cannot store). The leading run takes only spaces
# other than NUL, so the match cannot backtrack: `[^\x00]*` there took seconds on a long text ending in NUL.
_SPACES_BUT_NUL = r"\x01" + _SPACES.removeprefix(r"\x00")
not_blank = FullMatchValidator(rf"^[{_SPACES_BUT_NUL}]*[^{_SPACES}][^\x00]*$", "Enter some text, not only spaces.")


# Dates as the API and the import format write them: YYYY-MM-DD, ASCII digits (no 2017-1-8, no 11/08/2017).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def validate_aliases(value):
    """Aliases are a list of distinct, non-blank strings (other spellings of a name).

    Distinct as written: 'ISIS' and 'Isis' may both be listed. The API's schema says
    exactly this (uniqueItems), so a rule it cannot state would refuse valid input.
    """
    if not isinstance(value, list) or not all(isinstance(a, str) and not_blank.regex.fullmatch(a) for a in value):
        raise ValidationError("Enter a list of non-blank names.")
    if any(len(a) > 200 for a in value):
        raise ValidationError("Each alias must be at most 200 characters.")
    if len(set(value)) != len(value):
        raise ValidationError("Aliases must be distinct.")


# A Wikidata item id: the key other datasets (Wikidata itself, ClaimsKG, researchers' own) share for
# people and organisations. Only the id is stored; its address is https://www.wikidata.org/wiki/<id>.
wikidata_id = FullMatchValidator(r"^Q[1-9][0-9]{0,11}$", "Enter a Wikidata item id such as 'Q42'.")
WIKIDATA_MAX = 13


class TranslationKind(models.TextChoices):
    HUMAN = "human", "Human"
    MACHINE = "machine", "Machine"


# What a translation may hold, by key: a claim's text and quote, in another language, and who made it.
TRANSLATION_KEYS = ("language", "text", "quote", "kind", "by")
TRANSLATIONS_MAX = 20
TRANSLATION_BY_MAX = 200


# A translation is held to the limits of the claim's own columns.
TEXT_MAX = 2000
QUOTE_MAX = 5000
LANGUAGE_MAX = 35
# What a client must give; `quote` and `by` may be left out (then empty): a claim need not have a quote,
# and who translated it may not be known.
REQUIRED_KEYS = ("language", "text", "kind")

# The code of a refusal by a rule between values that no schema can state (claims.api.exceptions).
CONFLICT = "conflict"


def own_language_message(language: str) -> str:
    return f"The claim itself is in '{language}': a translation is into another language."


def check_translations(value, *, claim_language: str | None = None) -> tuple[list[dict], dict[str, tuple[str, str]]]:
    """`value` (as submitted) as a list of complete translations, and what is wrong with it.

    `quote` and `by` default to empty. A translation given twice is refused; two into one language
    are not (the outlet's and ours, a person's and a machine's). With `claim_language`, a
    translation into the claim's own language is refused (the original is the text itself).

    The errors are keyed by where they are: "" for the list itself, "2" for an item, "2.language"
    for an item's field. Each is (message, code): CONFLICT for those two rules between values, which
    no schema can state (a 409 in the API, as a link from a claim to itself is), "invalid" otherwise.
    """
    if not isinstance(value, list):
        return [], {"": (f"Must be a list of translations, not a {type(value).__name__}.", "invalid")}
    if len(value) > TRANSLATIONS_MAX:
        return [], {"": (f"A claim has at most {TRANSLATIONS_MAX} translations; this has {len(value)}.", "invalid")}
    cleaned, errors, seen = [], {}, {}
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            message = f"Must be an object with {', '.join(TRANSLATION_KEYS)}, not a {type(item).__name__}."
            errors[str(index)] = (message, "invalid")
            continue
        for key in sorted(set(item) - set(TRANSLATION_KEYS), key=str):
            errors[f"{index}.{key}"] = (f"Unknown field (known: {', '.join(TRANSLATION_KEYS)}).", "invalid")
        item = {"quote": "", "by": "", **item}
        for key in TRANSLATION_KEYS:
            problem = _field_problem(key, item.get(key))
            if problem:
                errors[f"{index}.{key}"] = (problem, "invalid")
        item = {key: item.get(key) for key in TRANSLATION_KEYS}
        if claim_language is not None and item["language"] == claim_language and f"{index}.language" not in errors:
            errors[f"{index}.language"] = (own_language_message(claim_language), CONFLICT)
        if not any(path.startswith(f"{index}.") for path in errors):
            # Two translations may share a language (the outlet's and ours), not every word and name.
            same = tuple(item.values())
            if same in seen:
                errors[str(index)] = ("This translation is given twice (every field the same): remove one.", CONFLICT)
            seen.setdefault(same, index)
        cleaned.append(item)
    return ([] if errors else cleaned), errors


def _field_problem(key: str, value) -> str | None:
    if value is None and key in REQUIRED_KEYS:
        return "This field is required."
    if not isinstance(value, str):
        return f"Not a string: a {type(value).__name__}."
    if "\x00" in value:
        return "Must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A "\\ud800" escape in an imported file's JSON: a string no database can store.
        return "Contains an invalid character (a lone UTF-16 surrogate)."
    if key == "language":
        if len(value) > LANGUAGE_MAX or not language_code.regex.fullmatch(value):
            return language_code.message
    elif key == "text":
        if not not_blank.regex.fullmatch(value):
            return not_blank.message
        if len(value) > TEXT_MAX:
            return f"At most {TEXT_MAX} characters (this has {len(value)})."
    elif key == "quote":
        if len(value) > QUOTE_MAX:
            return f"At most {QUOTE_MAX} characters (this has {len(value)})."
    elif key == "kind":
        if value not in TranslationKind.values:
            return f"One of {', '.join(TranslationKind.values)}: who translated it, a person or a machine."
    elif key == "by" and len(value) > TRANSLATION_BY_MAX:
        return f"At most {TRANSLATION_BY_MAX} characters (this has {len(value)})."
    return None


def validate_translations(value):
    """A claim's translations as stored: `check_translations`' rules, every key present.

    The API, the admin and the import read what they are given with `check_translations` and report
    each fault by its place; this guards every other path, with the first fault.
    """
    cleaned, errors = check_translations(value)
    if errors:
        path, (message, _code) = next(iter(errors.items()))
        index, _, field = path.partition(".")
        where = f"Translation {int(index) + 1}" + (f", {field}" if field else "") if index else "Translations"
        raise ValidationError(f"{where}: {message}")
    if cleaned != value:
        raise ValidationError(f"Each translation must have exactly the keys {', '.join(TRANSLATION_KEYS)}.")


def unique_when_given(field: str, *, name: str, message: str) -> models.UniqueConstraint:
    """`field` unique among the records that have a value: empty means "not known", which many may share."""
    return models.UniqueConstraint(
        fields=[field],
        condition=~Q(**{field: ""}),
        name=name,
        violation_error_message=message,
        violation_error_code="unique",
    )


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Stores non-ASCII text as itself, so that searching aliases for 'داعش' works on SQLite too."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class SourceKind(models.TextChoices):
    PERSON = "person", "Person"
    MEDIA = "media", "Media"
    GOVERNMENT = "government", "Government"
    MILITARY = "military", "Military"
    ARMED_GROUP = "armed_group", "Armed group"
    NGO = "ngo", "NGO"
    INTERNATIONAL_ORG = "international_org", "International organisation"
    OTHER = "other", "Other"


class TopicKind(models.TextChoices):
    PLACE = "place", "Place"
    ORGANIZATION = "organization", "Organization"
    PERSON = "person", "Person"
    EVENT = "event", "Event"
    THEME = "theme", "Theme"


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    DISPUTED = "disputed", "Disputed"
    CONFIRMED = "confirmed", "Confirmed"
    REFUTED = "refuted", "Refuted"
    RETRACTED = "retracted", "Retracted"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class LinkRelation(models.TextChoices):
    DENIES = "denies", "denies"
    CONTRADICTS = "contradicts", "contradicts"
    SUPPORTS = "supports", "supports"
    RETRACTS = "retracts", "retracts"
    CLARIFIES = "clarifies", "clarifies"


class ReviewRating(models.TextChoices):
    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    UNPROVEN = "unproven", "Unproven"


class SlugManager(models.Manager):
    """Lets fixtures refer to sources and topics by slug instead of by id."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class NamedInClaims(VersionedModel):
    """A record whose name (or title) is part of its claims' search documents.

    Migration 0004's triggers recompute every such document in the same statement as the
    rename: for a source or topic used by tens of thousands of claims, longer than the
    statement timeout allows a request. That work is bounded and must finish, so these
    saves lift the timeout for their own transaction.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")), without_statement_timeout(kwargs.get("using")):
            super().save(*args, **kwargs)


class Source(NamedInClaims):
    """Who makes claims: a person, outlet, government, armed group, NGO..."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200, validators=[not_blank])
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    description = models.TextField(max_length=2000, blank=True)
    role = models.CharField(max_length=200, blank=True, help_text="e.g. 'spokesman'")
    affiliation = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="affiliates",
        help_text="The body this source speaks for or belongs to.",
    )
    country = models.CharField(max_length=2, blank=True, validators=[country_code])
    url = models.CharField(max_length=500, blank=True, validators=[web_url])
    aliases = models.JSONField(
        default=list,
        blank=True,
        encoder=UnicodeJSONEncoder,
        validators=[validate_aliases],
    )
    wikidata = models.CharField(
        max_length=WIKIDATA_MAX,
        blank=True,
        db_default="",
        validators=[wikidata_id],
        help_text="Wikidata item id, e.g. 'Q42'.",
    )

    objects = SlugManager()
    history = RecordedHistory()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(affiliation=F("id")), name="source_not_own_affiliation"),
            # One record per Wikidata item, so a join on the id finds one source; empty means "not known".
            unique_when_given(
                "wikidata", name="source_wikidata_unique", message="A source with this Wikidata id already exists."
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        # A chain of affiliations must end: A -> B -> A would make "who speaks for whom" meaningless.
        seen = {self.pk} if self.pk else set()
        parent = self.affiliation
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError(
                    {"affiliation": ValidationError("This affiliation would make a loop of sources.", code="conflict")}
                )
            seen.add(parent.pk)
            parent = parent.affiliation


# An article's text, as published: a long report is ~10,000 characters; this leaves room for a
# transcript while bounding what one save (and one extraction) costs.
ARTICLE_BODY_MAX = 100_000


class Article(NamedInClaims):
    """Where claims were reported, and (when an editor has given it) the text as published.

    Saving a changed `body` finds every anchor into it again (see `claims.anchoring`), in the
    same transaction, and records each moved or orphaned anchor in its appearance's history.
    """

    title = models.CharField(max_length=500, validators=[not_blank])
    url = models.CharField(max_length=500, blank=True, validators=[web_url])
    publisher = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_articles",
    )
    published_on = models.DateField(null=True, blank=True)
    dateline = models.CharField(max_length=200, blank=True, help_text="e.g. 'BEIRUT/BAGHDAD'")
    language = models.CharField(max_length=LANGUAGE_MAX, default="en", validators=[language_code])
    body = models.TextField(
        max_length=ARTICLE_BODY_MAX,
        # A TextField's max_length reaches forms and the API only: the validator holds it for every path.
        validators=[MaxLengthValidator(ARTICLE_BODY_MAX)],
        blank=True,
        default="",
        # Also in the database: bulk loads (the generator's COPY) name the columns they fill, not this one.
        db_default="",
        help_text="The article's text as published, plain. Claims are anchored in it.",
    )

    history = RecordedHistory()

    class Meta:
        ordering = ["-published_on", "id"]
        indexes = [
            # The ordering, read in order (the admin's list, newest first), and the language filter's values.
            models.Index(fields=["-published_on", "id"], name="claims_article_published"),
            models.Index(fields=["language"], name="claims_article_language"),
        ]
        constraints = [
            unique_when_given(
                "url", name="article_url_unique_when_given", message="An article with this URL already exists."
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        body_may_change = (
            self.pk is not None and not self._state.adding and (update_fields is None or "body" in update_fields)
        )
        with transaction.atomic(using=kwargs.get("using")):
            old_body = None
            if body_may_change:
                old_body = Article._base_manager.filter(pk=self.pk).values_list("body", flat=True).first()
            super().save(*args, **kwargs)
            if old_body is not None and old_body != self.body:
                self.reanchor()

    def reanchor(self) -> None:
        """Find every anchor into this article's body again; record each one that moved or was lost."""
        for appearance in self.appearances.select_for_update().order_by("id"):
            found = anchoring.relocate(self.body, appearance.selector())
            if found == appearance.selector():
                continue
            appearance.set_selector(found)
            appearance._change_reason = f"Re-anchored: article #{self.pk}'s text changed ({found.status})"
            appearance.save()


class Topic(NamedInClaims):
    """What claims are about: a place, organisation, person, event or theme."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200, validators=[not_blank])
    kind = models.CharField(max_length=20, choices=TopicKind.choices)
    aliases = models.JSONField(
        default=list,
        blank=True,
        encoder=UnicodeJSONEncoder,
        validators=[validate_aliases],
    )
    wikidata = models.CharField(
        max_length=WIKIDATA_MAX,
        blank=True,
        db_default="",
        validators=[wikidata_id],
        help_text="Wikidata item id, e.g. 'Q42'.",
    )

    objects = SlugManager()
    history = RecordedHistory()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            unique_when_given(
                "wikidata", name="topic_wikidata_unique", message="A topic with this Wikidata id already exists."
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class ClaimTopicManager(models.Manager):
    def get_by_natural_key(self, claim_id, topic_slug):
        return self.get(claim_id=claim_id, topic__slug=topic_slug)


class ClaimTopic(models.Model):
    """A claim's topic. Explicit so that deleting a topic still in use is refused."""

    claim = models.ForeignKey("Claim", on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT)

    objects = ClaimTopicManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["claim", "topic"], name="claimtopic_unique")]

    def __str__(self):
        return f"{self.claim_id} → {self.topic}"

    def natural_key(self):
        return (self.claim_id, self.topic.slug)


class Claim(VersionedModel):
    """A statement attributed to a source, as reported somewhere, on some date."""

    text = models.TextField(max_length=TEXT_MAX, validators=[not_blank], help_text="The statement in neutral words.")
    quote = models.TextField(max_length=QUOTE_MAX, blank=True, help_text="The source's words, verbatim.")
    language = models.CharField(max_length=LANGUAGE_MAX, default="en", validators=[language_code])
    # Kept on the claim, not in a table of their own: they are part of what the claim says, so they share
    # its version (no lost update), its revisions and its search document, and a page of claims needs no
    # extra query to show them.
    translations = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        encoder=UnicodeJSONEncoder,
        validators=[validate_translations],
        help_text="The text and quote in other languages: language, text, quote, kind (human/machine), by.",
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    speaker = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spoken_claims",
        help_text="The person who said it on the source's behalf.",
    )
    via = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relayed_claims",
        help_text="The outlet the claim was relayed through.",
    )
    article = models.ForeignKey(Article, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    claimed_on = models.DateField(help_text="When the source made the claim.")
    claimed_on_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED)
    topics = models.ManyToManyField(Topic, through=ClaimTopic, related_name="claims", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims_created",
    )

    # Topic changes are recorded as changes of the claim (a snapshot of its topics per revision).
    history = RecordedHistory(m2m_fields=["topics"])

    class Meta:
        ordering = ["-claimed_on", "-id"]
        permissions = [
            ("set_final_status", "Can set a claim's status to confirmed or refuted, or change it from those")
        ]
        indexes = [
            models.Index(fields=["claimed_on", "id"]),
            models.Index(fields=["status", "claimed_on", "id"]),
            models.Index(fields=["language", "claimed_on", "id"], name="claims_claim_language"),
        ]

    def clean(self):
        # The original is the text itself: a "translation" into its own language would be a second original.
        for index, item in enumerate(self.translations if isinstance(self.translations, list) else []):
            if isinstance(item, dict) and item.get("language") == self.language:
                message = f"Translation {index + 1} is into '{self.language}', the claim's own language."
                raise ValidationError({"translations": message})
        if self.pk is None or self.source_id is None:
            return
        # A retraction links two claims of one source: changing the source must not break that.
        retraction = ClaimLink.objects.filter(relation=LinkRelation.RETRACTS)
        broken = retraction.filter(from_claim_id=self.pk).exclude(
            to_claim__source_id=self.source_id
        ) | retraction.filter(to_claim_id=self.pk).exclude(from_claim__source_id=self.source_id)
        link = broken.first()
        if link is not None:
            other = link.to_claim_id if link.from_claim_id == self.pk else link.from_claim_id
            message = f"This claim and claim #{other} are linked by a retraction, which needs one source."
            raise ValidationError({"source": ValidationError(message, code="conflict")})

    def __str__(self):
        short = self.text if len(self.text) <= 80 else self.text[:77] + "..."
        return f"{self.source.name if self.source_id else '?'}: {short}"


class ClaimLink(VersionedModel):
    """How one claim bears on another: `from_claim` denies / supports / ... `to_claim`."""

    from_claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="links_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="links_in")
    relation = models.CharField(max_length=20, choices=LinkRelation.choices)
    note = models.TextField(max_length=2000, blank=True)

    history = RecordedHistory()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")),
                name="claimlink_not_to_itself",
                violation_error_message="A claim cannot be linked to itself.",
            ),
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "relation"],
                name="claimlink_unique",
                violation_error_message="These two claims are already linked with this relation.",
                violation_error_code="unique",
            ),
        ]

    def __str__(self):
        return f"#{self.from_claim_id} {self.relation} #{self.to_claim_id}"

    def clean(self):
        # The ends may be claims not saved yet (a link added on a new claim's page): compare objects.
        from_claim = self.from_claim if self.from_claim_id or ClaimLink.from_claim.is_cached(self) else None
        to_claim = self.to_claim if self.to_claim_id or ClaimLink.to_claim.is_cached(self) else None
        if from_claim is None or to_claim is None:
            return  # the missing end is reported as a required field
        if from_claim is to_claim or (from_claim.pk is not None and from_claim.pk == to_claim.pk):
            # A rule between two fields that no schema can state: a conflict, like the other link rules.
            raise ValidationError({"to_claim": ValidationError("A claim cannot be linked to itself.", code="conflict")})
        if self.relation == LinkRelation.RETRACTS and from_claim.source_id != to_claim.source_id:
            raise ValidationError(
                {"relation": ValidationError("Only a claim by the same source can retract a claim.", code="conflict")}
            )


class AnchorStatus(models.TextChoices):
    """How an anchor was last found in its article's text."""

    ANCHORED = "anchored", "Anchored"
    MOVED = "moved", "Moved (the same words elsewhere)"
    FUZZY = "fuzzy", "Found approximately"
    ORPHANED = "orphaned", "Orphaned (not found in the text)"


class Appearance(VersionedModel):
    """A claim's appearance in an article, like schema.org's `appearance`, and where in its text.

    The claim's `article` is its first report; appearances add the others, and anchor the
    claim in any article that has a body. The anchor keeps both W3C Web Annotation selectors:
    a TextPositionSelector (`start`, `end`) and a TextQuoteSelector (`exact`, `prefix`,
    `suffix`), so it can be found again when the text changes (docs/articles-and-anchors.md).
    An appearance without a body to point into has no anchor (`start` is null).
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="appearances")
    start = models.PositiveIntegerField(null=True, blank=True, help_text="Where the passage starts in the text.")
    end = models.PositiveIntegerField(null=True, blank=True, help_text="Where it ends (exclusive).")
    exact = models.TextField(max_length=ARTICLE_BODY_MAX, blank=True, help_text="The passage, as written.")
    prefix = models.CharField(max_length=anchoring.CONTEXT, blank=True, help_text="The text just before it.")
    suffix = models.CharField(max_length=anchoring.CONTEXT, blank=True, help_text="The text just after it.")
    status = models.CharField(max_length=10, choices=AnchorStatus.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = RecordedHistory()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["article", "start", "id"], name="claims_appearance_article")]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "article"],
                name="appearance_unique",
                violation_error_message="This claim already has an appearance in this article.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True) | Q(start__lte=F("end")),
                name="appearance_start_before_end",
                violation_error_message="An anchor's start comes before its end.",
            ),
        ]

    def __str__(self):
        return f"claim #{self.claim_id} in article #{self.article_id}"

    def selector(self) -> "anchoring.Anchor":
        return anchoring.Anchor(**{name: getattr(self, name) for name in anchoring.FIELDS})

    def set_selector(self, anchor: "anchoring.Anchor") -> None:
        for name, value in anchor.as_fields().items():
            setattr(self, name, value)


class Review(VersionedModel):
    """An editor's verdict on a claim, with the evidence."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="reviews")
    rating = models.CharField(max_length=20, choices=ReviewRating.choices)
    summary = models.TextField(max_length=5000, blank=True)
    url = models.CharField(max_length=500, blank=True, validators=[web_url], help_text="Evidence for the verdict.")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    reviewed_on = models.DateField(default=timezone.localdate)

    history = RecordedHistory()

    class Meta:
        ordering = ["-reviewed_on", "-id"]
        # The ordering, read backwards: the admin's list and the ClaimReview feed, newest first.
        indexes = [models.Index(fields=["reviewed_on", "id"], name="claims_review_reviewed")]

    def __str__(self):
        return f"{self.get_rating_display()} on claim #{self.claim_id}"


def editor_name(user_id: int, display_name: str | None) -> str:
    """What the public sees of an editor: their display name, or 'Editor #<id>' if they have none.

    Never the login name, which is half of a password guess (docs/security.md, "People").
    """
    return display_name or f"Editor #{user_id}"


class Profile(models.Model):
    """What an editor shows the public: a display name, in place of the login name.

    One per user at most. A user without one (made by `createsuperuser`, or in the admin before
    their profile was saved) is shown as 'Editor #<id>' (`editor_name`). The profile goes with its
    user: it means nothing without one, and a user who authored anything cannot be deleted.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(
        max_length=100,
        validators=[not_blank],
        help_text="Shown to the public wherever your work is credited, instead of your login name.",
    )

    def __str__(self):
        return self.display_name

    def clean(self):
        username = self.user.get_username() if self.user_id else None
        if username and self.display_name.strip().casefold() == username.casefold():
            raise ValidationError(
                {"display_name": "Choose a name other than your login name: the login name is kept from the public."}
            )


class NamesVersion(models.Model):
    """How often the names people are shown by have changed: one row, counted by database triggers.

    Display names (Profile), login names and staff flags are not in the change record
    (claims.events), yet reads show them, so conditional reads (claims.api.conditional) must see
    them change. Reading them all on every read cost time and bytes in proportion to the number of
    users (3.4 to 4.6 ms and 166 KB a read at 5,000); this row costs one index seek. Triggers
    (claims.names, made after every migrate) add one to `value` in the writing transaction itself,
    whatever writes (the admin, a command, hand-written SQL), so that the new count becomes visible
    with the new name. A login (last_login) does not count. See docs/conditional-reads.md.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "names version"

    def __str__(self):
        return f"names changed {self.value} times"


def display_name_of(user) -> str:
    """`user`'s public name; reads the profile (one query unless `select_related("profile")` fetched it)."""
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        profile = None
    return editor_name(user.pk, profile.display_name if profile is not None else None)
