"""API representations.

Reads nest a brief form of each related object (so one request renders a claim);
writes take related objects by id. Every queryset that feeds these serializers is
shaped in `claims.selectors` to fetch exactly what they render.
"""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail

from claims import anchoring, services
from claims.api.exceptions import django_errors_to_drf
from claims.api.fields import (
    AliasesField,
    NestedPrimaryKeyRelatedField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictSlugField,
    TranslationsField,
    flatten_errors,
)
from claims.models import (
    ARTICLE_BODY_MAX,
    CONFLICT,
    ISO_DATE,
    MAX_ID,
    AnchorStatus,
    Appearance,
    Article,
    Claim,
    ClaimLink,
    ClaimStatus,
    Review,
    ReviewRating,
    Source,
    Topic,
    display_name_of,
    own_language_message,
)


class IsoDateField(serializers.DateField):
    """A date as YYYY-MM-DD only: DRF's ISO parser also takes '2017-1-8', which is not a JSON Schema date."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not ISO_DATE.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class RecordSerializerMixin:
    """What every record serializer does beyond DRF's ModelSerializer.

    It runs the model's own rules (`clean()` and database constraints) on API
    input: the admin runs them through its forms, so there is one set of rules
    whatever the entry point, and a 400 instead of an IntegrityError. And it does
    not save an update that changes nothing, which would otherwise record an
    empty revision and make every other client's ETag stale.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: IsoDateField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
    }
    serializer_choice_field = StrictChoiceField

    def update(self, instance, validated_data):
        if not self._changes_anything(instance, validated_data):
            return instance
        return super().update(instance, validated_data)

    @staticmethod
    def _changes_anything(instance, validated_data) -> bool:
        many_to_many = {field.name for field in instance._meta.many_to_many}
        for name, value in validated_data.items():
            if name in many_to_many:
                if {obj.pk for obj in value} != set(getattr(instance, name).values_list("pk", flat=True)):
                    return True
            elif getattr(instance, name) != value:
                return True
        return False

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        many_to_many = {field.name for field in model._meta.many_to_many}
        # A copy, so that a refused update leaves the instance as it was.
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(instance, name, value)
        try:
            instance.clean()
            instance.validate_constraints()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_errors_to_drf(exc)) from exc
        return attrs


# Brief forms, nested in other objects' representations.


class EditorSerializer(serializers.Serializer):
    """An editor as every client sees them: an id and the name they chose to be shown by, never their login name."""

    # The same for every client, staff included, so that a cached answer suits anyone (docs/security.md,
    # "People"). Querysets bring the profile with the user (`select_related("<user>__profile")`).

    id = serializers.IntegerField(read_only=True)
    display_name = serializers.SerializerMethodField(help_text="The name the editor chose to be shown by.")

    def get_display_name(self, user) -> str:
        return display_name_of(user)


class SourceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "slug", "name", "kind"]


class SourceBriefSerializer(serializers.ModelSerializer):
    """A source with the body it belongs to: 'Ahmed al-Asadi (PMF)'."""

    affiliation = SourceRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Source
        fields = ["id", "slug", "name", "kind", "role", "wikidata", "affiliation"]


class ArticleBriefSerializer(serializers.ModelSerializer):
    publisher = SourceRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Article
        fields = ["id", "title", "url", "publisher", "published_on"]


class AnchorSerializer(serializers.Serializer):
    """Where a claim's passage lies in its article's text (W3C Web Annotation selectors).

    `start` and `end` are character offsets into the article's `body` (TextPositionSelector);
    `exact` is the passage with some `prefix` and `suffix` context (TextQuoteSelector). `status`
    says how the anchor was last found: `orphaned` when an edit of the text removed the passage
    (then `start` and `end` are null).
    """

    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)
    exact = serializers.CharField()
    prefix = serializers.CharField()
    suffix = serializers.CharField()
    status = serializers.ChoiceField(choices=AnchorStatus.choices)


def anchor_data(appearance) -> dict | None:
    """An appearance's anchor as the API shows it, or None when it has none."""
    if not appearance.status:
        return None
    return {name: getattr(appearance, name) for name in anchoring.FIELDS}


class AppearanceBriefSerializer(serializers.ModelSerializer):
    """An article the claim appears in, and where in its text."""

    article = ArticleBriefSerializer(read_only=True)
    anchor = serializers.SerializerMethodField()

    class Meta:
        model = Appearance
        fields = ["id", "article", "anchor"]

    @extend_schema_field(AnchorSerializer(allow_null=True))
    def get_anchor(self, appearance) -> dict | None:
        return anchor_data(appearance)


class TopicBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "slug", "name", "kind", "wikidata"]


class ClaimBriefSerializer(serializers.ModelSerializer):
    source = SourceRefSerializer(read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "text", "source", "claimed_on", "status"]


class ReviewBriefSerializer(serializers.ModelSerializer):
    reviewer = EditorSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Review
        fields = ["id", "rating", "summary", "url", "reviewer", "reviewed_on"]


class LinkOutSerializer(serializers.ModelSerializer):
    """A link seen from its `from_claim`: 'this claim denies <claim>'."""

    claim = ClaimBriefSerializer(source="to_claim", read_only=True)

    class Meta:
        model = ClaimLink
        fields = ["id", "relation", "note", "claim"]


class LinkInSerializer(serializers.ModelSerializer):
    """A link seen from its `to_claim`: '<claim> denies this claim'."""

    claim = ClaimBriefSerializer(source="from_claim", read_only=True)

    class Meta:
        model = ClaimLink
        fields = ["id", "relation", "note", "claim"]


# Full forms, one per endpoint.


class SourceSerializer(RecordSerializerMixin, serializers.ModelSerializer):
    """Who makes claims. `affiliation` is written as a source id and read as a brief source."""

    affiliation = NestedPrimaryKeyRelatedField(
        SourceRefSerializer,
        queryset=Source.objects.all(),
        allow_null=True,
        required=False,
    )
    aliases = AliasesField(help_text="Other spellings of the name.")
    claim_count = serializers.IntegerField(read_only=True, help_text="Claims this source made.")

    class Meta:
        model = Source
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "description",
            "role",
            "affiliation",
            "country",
            "url",
            "aliases",
            "wikidata",
            "claim_count",
            "version",
        ]


class ArticleSerializer(RecordSerializerMixin, serializers.ModelSerializer):
    """Where claims were reported. `url` is unique when given."""

    publisher = NestedPrimaryKeyRelatedField(
        SourceRefSerializer,
        queryset=Source.objects.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "url",
            "publisher",
            "published_on",
            "dateline",
            "language",
            "body",
            "version",
        ]


class ArticleSummarySerializer(ArticleSerializer):
    """An article in a list: its text is left out (up to 100,000 characters each); `has_body` says if it has one."""

    has_body = serializers.BooleanField(read_only=True, help_text="Whether the article's text has been given.")

    class Meta(ArticleSerializer.Meta):
        fields = [name if name != "body" else "has_body" for name in ArticleSerializer.Meta.fields]


class TopicSerializer(RecordSerializerMixin, serializers.ModelSerializer):
    """What claims are about."""

    aliases = AliasesField(help_text="Other names: Daesh, ISIS...")
    claim_count = serializers.IntegerField(read_only=True, help_text="Claims about this topic.")

    class Meta:
        model = Topic
        fields = ["id", "slug", "name", "kind", "aliases", "wikidata", "claim_count", "version"]


class ClaimSerializer(RecordSerializerMixin, serializers.ModelSerializer):
    """A sourced claim with its attribution, topics, reviews and links in both directions.

    Related objects are written as ids and read as brief nested objects.
    """

    source = NestedPrimaryKeyRelatedField(SourceBriefSerializer, queryset=Source.objects.all())
    speaker = NestedPrimaryKeyRelatedField(
        SourceBriefSerializer,
        queryset=Source.objects.all(),
        allow_null=True,
        required=False,
    )
    via = NestedPrimaryKeyRelatedField(
        SourceBriefSerializer,
        queryset=Source.objects.all(),
        allow_null=True,
        required=False,
    )
    article = NestedPrimaryKeyRelatedField(
        ArticleBriefSerializer,
        queryset=Article.objects.all(),
        allow_null=True,
        required=False,
    )
    topics = NestedPrimaryKeyRelatedField(TopicBriefSerializer, queryset=Topic.objects.all(), many=True, required=False)
    translations = TranslationsField()
    reviews = ReviewBriefSerializer(many=True, read_only=True)
    links_out = LinkOutSerializer(many=True, read_only=True, help_text="Links from this claim to others.")
    links_in = LinkInSerializer(many=True, read_only=True, help_text="Links from other claims to this one.")
    denial_count = serializers.IntegerField(read_only=True, help_text="Claims that deny this one.")
    created_by = EditorSerializer(read_only=True, allow_null=True)
    anchor = serializers.SerializerMethodField(help_text="Where the claim lies in its `article`'s text, if anchored.")
    appearances = AppearanceBriefSerializer(
        many=True, read_only=True, help_text="Every article the claim is recorded in, with its anchor there."
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "quote",
            "language",
            "translations",
            "source",
            "speaker",
            "via",
            "article",
            "claimed_on",
            "claimed_on_precision",
            "status",
            "topics",
            "reviews",
            "links_out",
            "links_in",
            "denial_count",
            "anchor",
            "appearances",
            "created_at",
            "updated_at",
            "created_by",
            "version",
        ]
        read_only_fields = ["created_at", "updated_at", "version"]

    @extend_schema_field(AnchorSerializer(allow_null=True))
    def get_anchor(self, claim) -> dict | None:
        # From the prefetched appearances (selectors.claim_list): no query of its own.
        for appearance in claim.appearances.all():
            if appearance.article_id == claim.article_id:
                return anchor_data(appearance)
        return None

    def validate_status(self, value):
        request = self.context.get("request")
        old = self.instance.status if self.instance is not None else None
        if request is not None and not services.claim_status_change_allowed(request.user, old, value):
            raise exceptions.PermissionDenied(f"status: {services.FINAL_STATUS_MESSAGE}")
        return value

    def validate_topics(self, value):
        if len({topic.pk for topic in value}) != len(value):
            raise serializers.ValidationError("A topic is listed twice.")
        return value

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # A translation's fault is named by its place, as `translations.0.language`.
            raise serializers.ValidationError(flatten_errors(exc.detail, "translations")) from exc

    def validate(self, attrs):
        # A translation into the claim's own language would be a second original. Named by the item when the
        # translations were sent, by `language` when only the language was changed (to one translated into).
        default = self.instance.language if self.instance else Claim._meta.get_field("language").get_default()
        language = attrs.get("language", default)
        items = attrs.get("translations", self.instance.translations if self.instance else [])
        for index, item in enumerate(items):
            if item["language"] == language:
                name = f"translations.{index}.language" if "translations" in attrs else "language"
                message = (
                    own_language_message(language)
                    if "translations" in attrs
                    else f"Translation {index} is into '{language}': remove it or choose another language."
                )
                # A rule between two values that no schema states: a conflict (409), as a link to itself is.
                raise serializers.ValidationError({name: [ErrorDetail(message, CONFLICT)]})
        return super().validate(attrs)


class ClaimLinkSerializer(RecordSerializerMixin, serializers.ModelSerializer):
    """`from_claim` <relation> `to_claim`, e.g. a denial. No self-links, one link per
    (from, to, relation), and `retracts` only between claims of one source.
    """

    from_claim = NestedPrimaryKeyRelatedField(ClaimBriefSerializer, queryset=Claim.objects.select_related("source"))
    to_claim = NestedPrimaryKeyRelatedField(ClaimBriefSerializer, queryset=Claim.objects.select_related("source"))

    class Meta:
        model = ClaimLink
        fields = ["id", "from_claim", "to_claim", "relation", "note", "version"]
        # The (from, to, relation) rule is checked by RecordSerializerMixin with the model's own message.
        validators = []


class ReviewSerializer(RecordSerializerMixin, serializers.ModelSerializer):
    """An editor's verdict on a claim; `reviewer` is the user who saved it."""

    claim = NestedPrimaryKeyRelatedField(ClaimBriefSerializer, queryset=Claim.objects.select_related("source"))
    reviewer = EditorSerializer(read_only=True, allow_null=True, help_text="The user who saved the review.")

    class Meta:
        model = Review
        fields = ["id", "claim", "rating", "summary", "url", "reviewer", "reviewed_on", "version"]


class AppearanceSerializer(RecordSerializerMixin, serializers.ModelSerializer):
    """A claim's appearance in an article, anchored in its text when the article has one.

    Anchor it by position (`start` and `end`, offsets into the article's `body`; `exact`, if
    given too, must be the text there) or by `exact` alone (the passage, found in the text).
    The context (`prefix`, `suffix`) and `status` are the server's.
    """

    claim = NestedPrimaryKeyRelatedField(ClaimBriefSerializer, queryset=Claim.objects.select_related("source"))
    article = NestedPrimaryKeyRelatedField(ArticleBriefSerializer, queryset=Article.objects.select_related("publisher"))
    start = StrictIntegerField(min_value=0, max_value=2**31 - 1, allow_null=True, required=False)
    end = StrictIntegerField(min_value=0, max_value=2**31 - 1, allow_null=True, required=False)
    exact = StrictCharField(required=False, allow_blank=True, trim_whitespace=False, max_length=ARTICLE_BODY_MAX)

    status = serializers.ChoiceField(
        choices=AnchorStatus.choices,
        allow_null=True,
        read_only=True,
        help_text="How the anchor was last found; null for an appearance without one.",
    )

    class Meta:
        model = Appearance
        fields = ["id", "claim", "article", "start", "end", "exact", "prefix", "suffix", "status", "version"]
        read_only_fields = ["prefix", "suffix", "version"]
        # The (claim, article) rule is checked by RecordSerializerMixin with the model's own message.
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = data["status"] or None  # stored as "" when there is no anchor
        return data

    def validate(self, attrs):
        article = attrs.get("article", getattr(self.instance, "article", None))
        given = {name for name in ("start", "end", "exact") if name in attrs}
        if self.instance is not None and given & {"start", "end"} and "exact" not in given:
            # A change of one end keeps the other where it was.
            attrs.setdefault("start", self.instance.start)
            attrs.setdefault("end", self.instance.end)
        if given or "article" in attrs:
            try:
                attrs.update(
                    services.appearance_anchor(
                        article, start=attrs.get("start"), end=attrs.get("end"), exact=attrs.get("exact") or ""
                    )
                )
            except DjangoValidationError as exc:
                raise serializers.ValidationError(django_errors_to_drf(exc)) from exc
        return super().validate(attrs)


class ThreadLinkSerializer(serializers.ModelSerializer):
    """A link between two claims of a thread, by id."""

    class Meta:
        model = ClaimLink
        fields = ["id", "from_claim", "to_claim", "relation", "note"]


class ThreadClaimSerializer(serializers.ModelSerializer):
    """A claim of a thread with its attribution."""

    source = SourceBriefSerializer(read_only=True)
    speaker = SourceBriefSerializer(read_only=True, allow_null=True)
    via = SourceBriefSerializer(read_only=True, allow_null=True)
    article = ArticleBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "quote",
            "source",
            "speaker",
            "via",
            "article",
            "claimed_on",
            "claimed_on_precision",
            "status",
        ]


class ThreadSerializer(serializers.Serializer):
    """Every claim connected to `claim` through links, and those links."""

    claim = serializers.IntegerField(help_text="The claim the thread was asked for.")
    claims = ThreadClaimSerializer(many=True)
    links = ThreadLinkSerializer(many=True)
    truncated = serializers.BooleanField(help_text="True when the thread was cut at its size limit.")


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True, help_text="Value before; ids for relations.")
    new = serializers.JSONField(allow_null=True, help_text="Value after; ids for relations.")


class HistoryEntrySerializer(serializers.Serializer):
    """One revision: who made it, when, and what it changed."""

    id = serializers.IntegerField(help_text="The revision's id.")
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    at = serializers.DateTimeField()
    user = EditorSerializer(allow_null=True, help_text="Who made the change; null outside a request (commands).")
    reason = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)


class HistoryPageSerializer(serializers.Serializer):
    """A page of revisions, paginated like the lists."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEntrySerializer(many=True)


class MatchedViaSerializer(serializers.Serializer):
    """Which text of the similar claim matched: its own (`original`) or its translation, and in what language."""

    language = serializers.CharField(help_text="The language of the text that matched.")
    kind = serializers.ChoiceField(choices=["original", "translation"])


class SimilarClaimSerializer(ClaimBriefSerializer):
    """A claim whose text (or a translation of it) is like the one given, with how alike they are."""

    similarity = serializers.FloatField(help_text="Trigram similarity of the two texts, from 0 to 1.")
    matched_via = MatchedViaSerializer(
        read_only=True,
        help_text="The claim's text that matched: its own, or its translation into the language of the text "
        "it was compared with. A claim in another language is listed only through a translation (its own "
        "or that of the claim asked about, then `kind` is `original` and `language` that translation's).",
    )

    class Meta(ClaimBriefSerializer.Meta):
        fields = [*ClaimBriefSerializer.Meta.fields, "similarity", "matched_via"]


def counts_by(name: str, choices) -> type[serializers.Serializer]:
    """A serializer of one count per choice, so that a new status or rating is counted too."""
    return type(name, (serializers.Serializer,), {value: serializers.IntegerField() for value in choices.values})


CountsByStatusSerializer = counts_by("CountsByStatusSerializer", ClaimStatus)
CountsByRatingSerializer = counts_by("CountsByRatingSerializer", ReviewRating)


class SourceRecordSerializer(serializers.Serializer):
    """A source's track record: the basis for judging how far to trust it."""

    source = SourceBriefSerializer()
    claims_made = serializers.IntegerField(help_text="Claims the source made.")
    claims_by_status = CountsByStatusSerializer(help_text="Its claims by status.")
    claims_reviewed = serializers.IntegerField(help_text="Its claims that have at least one review.")
    claims_by_rating = CountsByRatingSerializer(help_text="Its reviewed claims by their latest review's rating.")
    claims_denied_by_others = serializers.IntegerField(help_text="Its claims that another source's claim denies.")
    claims_it_denied = serializers.IntegerField(help_text="Other sources' claims that a claim of this source denies.")


class SimilarQuerySerializer(serializers.Serializer):
    """Query parameters of /api/claims/similar/."""

    # 500 characters are enough to find a duplicate, and keep the URL within what servers accept.
    text = StrictCharField(max_length=500, help_text="The text (or its start) of the claim you are about to add.")
    exclude = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Id of a claim to leave out (the one being edited)."
    )
