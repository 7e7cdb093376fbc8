"""Accepting drafts: the claims an editor confirmed, written with their sources, anchors and links at once.

Drafts come as extraction returned them (claims.extraction.extract), possibly edited by the
editor, from the API (`POST /api/articles/{id}/accept/`) or the admin's review page. Every
draft is checked before anything is written; then every source, claim, anchor and link is
created in one transaction, each revision marked "Extracted from article #N". If one draft is
wrong nothing is written, and the error names the draft's index and the field.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from claims import services
from claims.models import (
    ISO_DATE,
    MAX_ID,
    Appearance,
    Article,
    Claim,
    ClaimLink,
    ClaimStatus,
    DatePrecision,
    LinkRelation,
    Source,
    SourceKind,
    Topic,
    language_code,
)

MAX_DRAFTS = 500
DRAFT_FIELDS = {
    "text",
    "quote",
    "cue",
    "span",
    "source",
    "speaker",
    "via",
    "claimed_on",
    "claimed_on_precision",
    "links",
    "include",
    "topics",
    "language",
    "status",
}
PARTY_FIELDS = {"name", "role", "kind", "match"}
# Accepting adds claims, sources, anchors and links: it takes the right to add each (API and admin alike).
PERMISSIONS = ["claims.add_claim", "claims.add_source", "claims.add_appearance", "claims.add_claimlink"]
ROLES = ("source", "speaker", "via")


class DraftsInvalid(Exception):
    """Drafts that cannot be accepted: `errors` maps a draft's index (or "drafts") to {field path: (message,
    code)}; the code is "invalid" for a malformed draft, "does_not_exist" or "conflict" for one that clashes
    with the record (an unknown id, a span past the article's text), "permission" for a status not allowed."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(errors)

    def messages(self) -> dict:
        """The errors without their codes: {index (or "drafts"): {field path: message}}."""
        return {
            index: {path: message for path, (message, _) in fields.items()} for index, fields in self.errors.items()
        }


@dataclass
class Accepted:
    claims: list[int] = field(default_factory=list)
    links: list[int] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)


class _Problem(Exception):
    """What is wrong with one draft: the field's path, the message, and whether it is the request's fault
    ("invalid": a 400) or a clash with the record's state ("conflict": a 409, as elsewhere in the API)."""

    def __init__(self, path: str, message: str, code: str = "invalid"):
        self.path, self.message, self.code = path, message, code


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value, path: str, *, required: bool, max_length: int) -> str:
    """A JSON string (present unless not `required`): the schema's types, held exactly."""
    if value is _MISSING and not required:
        return ""
    if not isinstance(value, str):
        raise _Problem(path, "This field is required." if value is _MISSING else "Enter text.")
    if required and not value.strip():
        raise _Problem(path, "This field may not be blank.")
    if len(value) > max_length:
        raise _Problem(path, f"Ensure this field has no more than {max_length} characters.")
    if "\x00" in value:
        raise _Problem(path, "Null characters are not allowed.")
    return value


def _choice(value, path: str, choices, default: str) -> str:
    if value is _MISSING:
        return default
    if not isinstance(value, str) or value not in choices:
        raise _Problem(path, f"Choose one of: {', '.join(choices)}.")
    return value


_MISSING = object()

# Each field's JSON type, as the schema has it (what a left-out draft is still held to).
_TYPES = {
    "text": str,
    "quote": str,
    "cue": str,
    "span": dict,
    "source": dict,
    "speaker": (dict, type(None)),
    "via": (dict, type(None)),
    "claimed_on": str,
    "claimed_on_precision": str,
    "links": list,
    "include": bool,
    "topics": list,
    "language": str,
    "status": str,
}


def _party(value, path: str, *, required: bool, sources: dict[int, Source]):
    """A party as an existing Source, or (name, role, kind) of a new one; None when null and optional.

    A party has all four fields, as extraction returns it: `name`, `role`, `kind` and `match`.
    """
    if value is None or value is _MISSING:
        if required:
            raise _Problem(path, "This field is required." if value is _MISSING else "This field may not be null.")
        return None
    if not isinstance(value, dict):
        raise _Problem(path, "Enter an object with name, role, kind and match.")
    unknown = set(value) - PARTY_FIELDS
    if unknown:
        raise _Problem(f"{path}.{sorted(unknown)[0]}", "Unknown field.")
    for name in sorted(PARTY_FIELDS - set(value)):
        raise _Problem(f"{path}.{name}", "This field is required.")
    name = _text(value["name"], f"{path}.name", required=True, max_length=200).strip()
    role = _text(value["role"], f"{path}.role", required=False, max_length=200).strip()
    kind = _choice(value["kind"], f"{path}.kind", SourceKind.values, "")
    match = value["match"]
    if match is None:
        return (name, role, kind)
    if not isinstance(match, dict) or set(match) != {"id", "slug", "name"}:
        raise _Problem(f"{path}.match", "Enter {id, slug, name} of an existing source, or null for a new one.")
    if not _is_int(match["id"]):
        raise _Problem(f"{path}.match.id", "Enter the id of an existing source.")
    for key in ("slug", "name"):
        _text(match[key], f"{path}.match.{key}", required=True, max_length=200)
    if match["id"] not in sources:
        raise _Problem(f"{path}.match.id", f"No source has the id {match['id']}.", "does_not_exist")
    return sources[match["id"]]


def _date(value, path: str) -> datetime.date:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise _Problem(path, "This field is required." if value is _MISSING else "Enter a date as YYYY-MM-DD.")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise _Problem(path, "Enter a real date.") from exc


@dataclass
class _Checked:
    index: int
    text: str
    quote: str
    language: str
    status: str
    parties: dict
    claimed_on: datetime.date
    precision: str
    span: tuple[int, int] | None
    topics: list[Topic]
    links: list[tuple[str, int]]


def _span(value, article: Article) -> tuple[int, int] | None:
    if value is _MISSING:
        return None
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        raise _Problem("span", "Enter {start, end}.")
    start, end = value["start"], value["end"]
    if not (_is_int(start) and _is_int(end) and start >= 0 and end >= 0):
        raise _Problem("span", "Enter whole numbers of at least 0 for start and end.")
    if start >= end:
        raise _Problem("span", "The passage's start must come before its end.")
    if not article.body:
        raise _Problem("span", f"Article #{article.pk} has no text to anchor in.", "conflict")
    if end > len(article.body):
        raise _Problem(
            "span", f"The passage must lie within the article's text (0 to {len(article.body)}).", "conflict"
        )
    return (start, end)


def _links(value, index: int, count: int) -> list[tuple[str, int]]:
    if value is _MISSING:
        return []
    if not isinstance(value, list):
        raise _Problem("links", "Enter a list of {relation, draft}.")
    checked = []
    for n, link in enumerate(value):
        if not isinstance(link, dict) or set(link) != {"relation", "draft"}:
            raise _Problem(f"links.{n}", "Enter {relation, draft}.")
        relation = _choice(link["relation"], f"links.{n}.relation", LinkRelation.values, "")
        target = link["draft"]
        if not _is_int(target) or not 0 <= target < count:
            raise _Problem(f"links.{n}.draft", f"Enter the index of another draft (0 to {count - 1}).")
        if target == index:
            raise _Problem(f"links.{n}.draft", "A claim cannot be linked to itself.")
        if (relation, target) not in checked:  # the same link twice is one link
            checked.append((relation, target))
    return checked


def _check(index: int, draft, article: Article, user, lookups: dict) -> _Checked | None:
    """One draft, checked; None when it is not to be included."""
    if not isinstance(draft, dict):
        raise _Problem("", "Enter a draft object.")
    unknown = set(draft) - DRAFT_FIELDS
    if unknown:
        raise _Problem(sorted(unknown)[0], "Unknown field.")
    get = lambda name: draft.get(name, _MISSING)  # noqa: E731
    include = get("include")
    if include is not _MISSING and not isinstance(include, bool):
        raise _Problem("include", "Enter true or false.")
    if include is False:
        # Left out: an editor unticks a draft rather than mend it. Only its fields' types are held.
        for name, value in draft.items():
            if not isinstance(value, _TYPES[name]):
                raise _Problem(name, "This field has the wrong type.")
        return None
    text = _text(get("text"), "text", required=True, max_length=2000)
    quote = _text(get("quote"), "quote", required=False, max_length=5000)
    _text(get("cue"), "cue", required=False, max_length=200)
    language = get("language")
    if language is _MISSING:
        language = article.language
    elif not isinstance(language, str) or not language_code.regex.fullmatch(language):
        raise _Problem("language", language_code.message)
    status = _choice(get("status"), "status", ClaimStatus.values, ClaimStatus.UNVERIFIED)
    parties = {role: _party(get(role), role, required=role == "source", sources=lookups["sources"]) for role in ROLES}
    claimed_on = _date(get("claimed_on"), "claimed_on")
    precision = _choice(get("claimed_on_precision"), "claimed_on_precision", DatePrecision.values, "day")
    topics = get("topics")
    topics = [] if topics is _MISSING else topics
    if not isinstance(topics, list) or not all(_is_int(t) for t in topics):
        raise _Problem("topics", "Enter a list of topic ids.")
    if len(set(topics)) != len(topics):
        raise _Problem("topics", "A topic is listed twice.")
    links = _links(get("links"), index, lookups["count"])
    span = _span(get("span"), article)
    missing = [t for t in topics if t not in lookups["topics"]]
    if missing:
        raise _Problem("topics", f"No topic has the id {missing[0]}.", "does_not_exist")
    if not services.claim_status_change_allowed(user, None, status):
        raise _Problem("status", services.FINAL_STATUS_MESSAGE, "permission")
    return _Checked(
        index=index,
        text=text,
        quote=quote,
        language=language,
        status=status,
        parties=parties,
        claimed_on=claimed_on,
        precision=precision,
        span=span,
        topics=[lookups["topics"][t] for t in topics],
        links=links,
    )


def _ids_named(drafts: list) -> tuple[set[int], set[int]]:
    """The source ids (the parties' matches) and the topic ids the drafts name: each kind looked up in one query.

    Only well-formed ids: anything else is refused, draft by draft, when it is checked.
    """
    sources, topics = [], []
    for draft in drafts:
        if not isinstance(draft, dict):
            continue
        for role in ROLES:
            party = draft.get(role)
            if isinstance(party, dict) and isinstance(party.get("match"), dict):
                sources.append(party["match"].get("id"))
        if isinstance(draft.get("topics"), list):
            topics += draft["topics"]

    def ids(values: list) -> set[int]:
        return {value for value in values if _is_int(value) and 0 < value <= MAX_ID}

    return ids(sources), ids(topics)


def _unique_slug(name: str, taken: set[str]) -> str:
    base = (slugify(name) or "source")[:90]
    slug, n = base, 2
    while slug in taken or Source.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def drafts_accept(*, article: Article, drafts, user) -> Accepted:
    """Create the included drafts' claims (and new sources, anchors, links) in one transaction.

    Raises DraftsInvalid, writing nothing, when any draft is wrong.
    """
    if not isinstance(drafts, list) or not drafts:
        raise DraftsInvalid({"drafts": {"": ("Enter a non-empty list of drafts.", "invalid")}})
    if len(drafts) > MAX_DRAFTS:
        raise DraftsInvalid({"drafts": {"": (f"Send at most {MAX_DRAFTS} drafts at a time.", "invalid")}})
    source_ids, topic_ids = _ids_named(drafts)
    lookups = {
        "sources": Source.objects.in_bulk(source_ids),
        "topics": Topic.objects.in_bulk(topic_ids),
        "count": len(drafts),
    }
    checked, errors = {}, {}
    for index, draft in enumerate(drafts):
        try:
            result = _check(index, draft, article, user, lookups)
        except _Problem as problem:
            errors[index] = {problem.path or "draft": (problem.message, problem.code)}
            continue
        if result is not None:
            checked[index] = result
    for index, result in checked.items():
        for n, (_, target) in enumerate(result.links):
            if target not in checked and target not in errors:
                errors.setdefault(index, {})[f"links.{n}.draft"] = (f"Draft {target} is not included.", "invalid")
    if not checked and not errors:
        errors["drafts"] = {"": ("No draft is included.", "invalid")}
    for index, message in _already_recorded(article, checked).items():
        errors.setdefault(index, {})["text"] = (message, "conflict")
    if errors:
        raise DraftsInvalid(errors)
    reason = f"Extracted from article #{article.pk}"
    with transaction.atomic():
        return _create(article, checked, user, reason)


def _already_recorded(article: Article, checked: dict[int, _Checked]) -> dict[int, str]:
    """Drafts this article's record already holds: the same statement, date and source's name.

    Accepting a page twice (a double click, a second editor) would otherwise record every claim, and
    every new source, twice. One query, whatever the number of drafts.
    """
    if not checked or article.pk is None:
        return {}
    existing = {
        (text, claimed_on, name.casefold()): pk
        for pk, text, claimed_on, name in Claim.objects.filter(
            article=article, text__in={draft.text for draft in checked.values()}
        ).values_list("pk", "text", "claimed_on", "source__name")
    }
    found = {}
    for index, draft in checked.items():
        party = draft.parties["source"]
        name = party.name if isinstance(party, Source) else party[0]
        pk = existing.get((draft.text, draft.claimed_on, name.casefold()))
        if pk is not None:
            found[index] = f"Claim #{pk} already records this statement by {name} in this article."
    return found


def _create(article: Article, checked: dict[int, _Checked], user, reason: str) -> Accepted:
    accepted = Accepted()
    new_sources: dict[tuple[str, str], Source] = {}
    taken: set[str] = set()

    def source_for(party, affiliation=None) -> Source | None:
        if party is None or isinstance(party, Source):
            return party
        name, role, kind = party
        key = (name.casefold(), kind)
        if key not in new_sources:
            source = Source(slug=_unique_slug(name, taken), name=name, role=role, kind=kind, affiliation=affiliation)
            source._change_reason = reason
            source.full_clean()
            source.save()
            new_sources[key] = source
            accepted.sources.append(source.pk)
        return new_sources[key]

    claims: dict[int, Claim] = {}
    for index, draft in checked.items():
        try:
            source = source_for(draft.parties["source"])
            speaker_affiliation = source if source.kind != SourceKind.PERSON else None
            claim = Claim(
                text=draft.text,
                quote=draft.quote,
                language=draft.language,
                status=draft.status,
                source=source,
                speaker=source_for(draft.parties["speaker"], affiliation=speaker_affiliation),
                via=source_for(draft.parties["via"]),
                article=article,
                claimed_on=draft.claimed_on,
                claimed_on_precision=draft.precision,
                created_by=user,
            )
            claim.full_clean()
        except ValidationError as exc:
            fields = {name: (" ".join(m), "invalid") for name, m in exc.message_dict.items()}
            raise DraftsInvalid({index: fields}) from exc
        claim._change_reason = reason
        claim.save()
        claim.topics.set(draft.topics)
        anchor = (
            services.appearance_anchor(article, start=draft.span[0], end=draft.span[1], exact="") if draft.span else {}
        )
        appearance = Appearance(claim=claim, article=article, **anchor)
        appearance._change_reason = reason
        appearance.save()
        claims[index] = claim
        accepted.claims.append(claim.pk)
    for index, draft in checked.items():
        for relation, target in draft.links:
            link = ClaimLink(from_claim=claims[index], to_claim=claims[target], relation=relation)
            try:
                link.full_clean()
            except ValidationError as exc:
                raise DraftsInvalid({index: {"links": (" ".join(exc.messages), "invalid")}}) from exc
            link._change_reason = reason
            link.save()
            accepted.links.append(link.pk)
    return accepted
