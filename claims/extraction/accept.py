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
    is_id,
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
    """Drafts that cannot be accepted: `errors` maps a draft's index (or "drafts") to {field: message}."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(errors)


@dataclass
class Accepted:
    claims: list[int] = field(default_factory=list)
    links: list[int] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)


class _Problem(Exception):
    def __init__(self, path: str, message: str):
        self.path, self.message = path, message


def _text(value, path: str, *, required: bool, max_length: int) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _Problem(path, "Enter text.")
    if required and not value.strip():
        raise _Problem(path, "This field may not be blank.")
    if len(value) > max_length:
        raise _Problem(path, f"Ensure this field has no more than {max_length} characters.")
    if "\x00" in value:
        raise _Problem(path, "Null characters are not allowed.")
    return value


def _party(value, path: str, *, required: bool, sources: dict[int, Source]):
    """A party as (existing Source) or (name, role, kind) of a new one; None when absent and optional."""
    if value is None:
        if required:
            raise _Problem(path, "This field is required.")
        return None
    if not isinstance(value, dict):
        raise _Problem(path, "Enter an object with name, role, kind and match.")
    unknown = set(value) - PARTY_FIELDS
    if unknown:
        raise _Problem(f"{path}.{sorted(unknown)[0]}", "Unknown field.")
    match = value.get("match")
    if match is not None:
        pk = match.get("id") if isinstance(match, dict) else None
        if not is_id(pk) or isinstance(pk, bool):
            raise _Problem(f"{path}.match.id", "Enter the id of an existing source, or a null match.")
        if int(pk) not in sources:
            raise _Problem(f"{path}.match.id", f"No source has the id {pk}.")
        return sources[int(pk)]
    name = _text(value.get("name"), f"{path}.name", required=True, max_length=200).strip()
    role = _text(value.get("role"), f"{path}.role", required=False, max_length=200).strip()
    kind = value.get("kind")
    if kind not in SourceKind.values:
        raise _Problem(f"{path}.kind", f"Choose one of: {', '.join(SourceKind.values)}.")
    return (name, role, kind)


def _date(value, path: str) -> datetime.date:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise _Problem(path, "Enter a date as YYYY-MM-DD.")
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


def _check(index: int, draft, article: Article, user, lookups: dict) -> _Checked | None:
    """One draft, checked; None when it is not to be included."""
    if not isinstance(draft, dict):
        raise _Problem("", "Enter a draft object.")
    unknown = set(draft) - DRAFT_FIELDS
    if unknown:
        raise _Problem(sorted(unknown)[0], "Unknown field.")
    include = draft.get("include", True)
    if not isinstance(include, bool):
        raise _Problem("include", "Enter true or false.")
    if not include:
        return None
    text = _text(draft.get("text"), "text", required=True, max_length=2000)
    quote = _text(draft.get("quote"), "quote", required=False, max_length=5000)
    language = draft.get("language", article.language)
    try:
        language_code(language)
    except ValidationError as exc:
        raise _Problem("language", exc.messages[0]) from exc
    status = draft.get("status", ClaimStatus.UNVERIFIED)
    if status not in ClaimStatus.values:
        raise _Problem("status", f"Choose one of: {', '.join(ClaimStatus.values)}.")
    if not services.claim_status_change_allowed(user, None, status):
        raise _Problem("status", services.FINAL_STATUS_MESSAGE)
    parties = {
        role: _party(draft.get(role), role, required=role == "source", sources=lookups["sources"]) for role in ROLES
    }
    claimed_on = _date(draft.get("claimed_on"), "claimed_on")
    precision = draft.get("claimed_on_precision", DatePrecision.DAY)
    if precision not in DatePrecision.values:
        raise _Problem("claimed_on_precision", f"Choose one of: {', '.join(DatePrecision.values)}.")
    span = draft.get("span")
    if span is not None:
        if not isinstance(span, dict) or set(span) - {"start", "end"}:
            raise _Problem("span", "Enter {start, end}, or null.")
        start, end = span.get("start"), span.get("end")
        if any(isinstance(v, bool) or not isinstance(v, int) for v in (start, end)):
            raise _Problem("span", "Enter whole numbers for start and end.")
        if not article.body:
            raise _Problem("span", f"Article #{article.pk} has no text to anchor in.")
        if not 0 <= start < end <= len(article.body):
            raise _Problem("span", f"The passage must lie within the text (0 to {len(article.body)}).")
        span = (start, end)
    topics = draft.get("topics", [])
    if not isinstance(topics, list) or any(not is_id(t) or isinstance(t, bool) for t in topics):
        raise _Problem("topics", "Enter a list of topic ids.")
    if len(set(map(int, topics))) != len(topics):
        raise _Problem("topics", "A topic is listed twice.")
    missing = [t for t in topics if int(t) not in lookups["topics"]]
    if missing:
        raise _Problem("topics", f"No topic has the id {missing[0]}.")
    links = draft.get("links", [])
    if not isinstance(links, list):
        raise _Problem("links", "Enter a list of {relation, draft}.")
    checked_links = []
    for n, link in enumerate(links):
        if not isinstance(link, dict) or set(link) - {"relation", "draft"}:
            raise _Problem(f"links.{n}", "Enter {relation, draft}.")
        if link.get("relation") not in LinkRelation.values:
            raise _Problem(f"links.{n}.relation", f"Choose one of: {', '.join(LinkRelation.values)}.")
        target = link.get("draft")
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < lookups["count"]:
            raise _Problem(f"links.{n}.draft", f"Enter the index of another draft (0 to {lookups['count'] - 1}).")
        if target == index:
            raise _Problem(f"links.{n}.draft", "A claim cannot be linked to itself.")
        checked_links.append((link["relation"], target))
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
        topics=[lookups["topics"][int(t)] for t in topics],
        links=checked_links,
    )


def _ids_in(drafts: list, role_key: str) -> set[int]:
    """The ids a field of the drafts names, to look them all up in one query."""
    ids = set()
    for draft in drafts:
        if not isinstance(draft, dict):
            continue
        values = [draft.get(role) for role in ROLES] if role_key == "sources" else [draft.get("topics")]
        for value in values:
            if role_key == "sources" and isinstance(value, dict) and isinstance(value.get("match"), dict):
                pk = value["match"].get("id")
                if is_id(pk) and not isinstance(pk, bool):
                    ids.add(int(pk))
            elif role_key == "topics" and isinstance(value, list):
                ids |= {int(t) for t in value if is_id(t) and not isinstance(t, bool)}
    return ids


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
        raise DraftsInvalid({"drafts": {"": "Enter a non-empty list of drafts."}})
    if len(drafts) > MAX_DRAFTS:
        raise DraftsInvalid({"drafts": {"": f"Send at most {MAX_DRAFTS} drafts at a time."}})
    lookups = {
        "sources": Source.objects.in_bulk(_ids_in(drafts, "sources")),
        "topics": Topic.objects.in_bulk(_ids_in(drafts, "topics")),
        "count": len(drafts),
    }
    checked, errors = {}, {}
    for index, draft in enumerate(drafts):
        try:
            result = _check(index, draft, article, user, lookups)
        except _Problem as problem:
            errors[index] = {problem.path or "draft": problem.message}
            continue
        if result is not None:
            checked[index] = result
    for index, result in checked.items():
        for n, (_, target) in enumerate(result.links):
            if target not in checked and target not in errors:
                errors.setdefault(index, {})[f"links.{n}.draft"] = f"Draft {target} is not included."
    if not checked and not errors:
        errors["drafts"] = {"": "No draft is included."}
    if errors:
        raise DraftsInvalid(errors)
    reason = f"Extracted from article #{article.pk}"
    with transaction.atomic():
        return _create(article, checked, user, reason)


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
            raise DraftsInvalid({index: {name: " ".join(m) for name, m in exc.message_dict.items()}}) from exc
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
                raise DraftsInvalid({index: {"links": " ".join(exc.messages)}}) from exc
            link._change_reason = reason
            link.save()
            accepted.links.append(link.pk)
    return accepted
