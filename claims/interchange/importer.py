"""Import: check every row by the models' own rules, then keep all of the file or none of it.

`import_claims` runs in one transaction. It finds or creates what the rows name
(sources, then topics, then articles), then each row's claim, then the links
between them. Every record is checked with its model's `full_clean()`, so that
`Claim.clean`, `ClaimLink.clean` and the constraints decide, as in the admin and
the API. Problems are collected on their rows; if there is any, the transaction
is rolled back and `ImportFailed` lists every one of them.

Every record written gets a revision with the reason "import <file>". Updates of
existing claims are saved normally (version-checked, recorded by
django-simple-history). New claims and links are inserted in bulk, with their
first revisions written alongside, as our `loaddata` records what it writes: a
save per claim costs simple-history a dozen queries, minutes for a large file.

A row whose claim exists (same source, date and text) updates the fields that
differ and otherwise writes nothing: importing a file twice changes nothing the
second time.
"""

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from claims.db import without_statement_timeout
from claims.events.recording import record_created_in_bulk
from claims.interchange.format import (
    COLUMNS,
    PLAIN_FIELDS,
    Row,
    RowError,
    SourceMention,
    TopicMention,
    name_from_slug,
    read_rows,
)
from claims.models import Article, Claim, ClaimLink, ClaimTopic, Source, SourceKind, Topic, TopicKind
from claims.versioning import VersionConflict

BATCH = 300  # keys per query that looks for existing records (three lists of up to 300 parameters)
REASON_MAX_LENGTH = 100  # simple-history's history_change_reason column
RELATIONS = ("speaker", "via", "article")
ARTICLE_COLUMNS = {
    "url": "article_url",
    "title": "article_title",
    "publisher": "article_publisher",
    "published_on": "article_published_on",
}
_COLUMN_ORDER = {column: index for index, column in enumerate(COLUMNS)}

Progress = Callable[[Iterable, str, int], Iterable]


def no_progress(items: Iterable, description: str, total: int) -> Iterable:
    return items


@dataclass
class Summary:
    claims_created: int = 0
    claims_updated: int = 0
    claims_unchanged: int = 0
    sources: int = 0
    topics: int = 0
    articles: int = 0
    links: int = 0
    identified: int = 0  # existing sources and topics given their Wikidata id

    def __str__(self):
        text = (
            f"created {self.claims_created} claims, updated {self.claims_updated}, "
            f"unchanged {self.claims_unchanged}; created {self.sources} sources, {self.topics} topics, "
            f"{self.articles} articles, {self.links} links"
        )
        return text + (f"; gave {self.identified} sources and topics their Wikidata id" if self.identified else "")


class ImportFailed(Exception):
    """Nothing was written: `errors` are the problems with the file, by line."""

    def __init__(self, errors: Iterable[RowError] = (), message: str | None = None):
        self.errors = sorted(errors, key=lambda e: (e.line, _COLUMN_ORDER.get(e.column, -1)))
        super().__init__(message or "\n".join(str(error) for error in self.errors))


def import_claims(data: bytes, fmt: str, *, reason: str, progress: Progress = no_progress) -> Summary:
    """Import the file `data` (`fmt` "csv" or "jsonl"): all of it, or nothing and ImportFailed."""
    rows, errors = read_rows(data, fmt)
    if errors and not rows:
        raise ImportFailed(errors)
    try:
        with transaction.atomic(), without_statement_timeout():  # a large file is one long transaction
            summary = _Importer(rows, reason[:REASON_MAX_LENGTH], progress).run()
            errors += [RowError(row.line, column, message) for row in rows for column, message in row.errors]
            if errors:
                raise ImportFailed(errors)  # leaving the block with it rolls everything back
    except (IntegrityError, VersionConflict) as exc:
        raise ImportFailed(
            message=f"Someone else changed the records while they were imported ({exc}). "
            "Nothing was written: import the file again."
        ) from exc
    return summary


def _batched(values: Iterable, size: int = BATCH):
    """Lists of `size` values (itertools.batched is Python 3.12)."""
    iterator = iter(values)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _Importer:
    def __init__(self, rows: list[Row], reason: str, progress: Progress):
        self.rows = rows
        self.reason = reason
        self.progress = progress
        self.summary = Summary()
        self.sources: dict[str, Source] = {}  # by slug
        self.topics: dict[str, Topic] = {}  # by slug
        self.new_sources: set[int] = set()
        self.new_claims: set[int] = set()
        self.pending_claims: list[tuple[Row, Claim, list[Topic]]] = []  # checked, to be inserted in bulk
        self.claim_topics: dict[int, set[int]] = defaultdict(set)  # topic ids of existing claims

    def run(self) -> Summary:
        self._match_refs()
        self._find_or_create_sources()
        self._find_or_create_topics()
        self._find_or_create_articles()
        existing = self._find_claims()
        for row in self.progress(self.rows, "claims", len(self.rows)):
            self._write_claim(row, existing)
        self._create_claims()
        self._write_links()
        return self.summary

    def _save(self, obj, report: Callable[[str, str], None]) -> bool:
        """Check `obj` by its model's rules and save it; or report each problem (field, message)."""
        try:
            obj.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    report(field, message)
            return False
        obj._change_reason = self.reason
        obj.save()
        return True

    # Links name rows of this file, never claims in the database.

    def _match_refs(self) -> None:
        by_ref: dict[str, Row] = {}
        for row in self.rows:
            if row.ref is None:
                continue
            if row.ref in by_ref:
                row.error("ref", f"{row.ref!r} is also the ref of line {by_ref[row.ref].line}: refs name one row each")
            else:
                by_ref[row.ref] = row
        for row in self.rows:
            for link in row.links:
                link.target = by_ref.get(link.ref)
                if link.target is None:
                    row.error("links", f"{link.written!r}: no row in this file has the ref {link.ref!r}")

    # Sources, topics and articles: found, or created once however many rows name them.

    def _source(self, mention: SourceMention) -> Source | None:
        return self.sources.get(mention.written) or self.sources.get(mention.slug)

    def _topic(self, mention: TopicMention) -> Topic | None:
        return self.topics.get(mention.written) or self.topics.get(mention.slug)

    def _find_or_create_sources(self) -> None:
        mentions = [mention for row in self.rows for mention in row.source_mentions()]
        self.sources = _by_slug(Source, {value for m in mentions for value in (m.written, m.slug)})
        by_item = _by_wikidata(Source, mentions)
        missing: dict[str, list[SourceMention]] = defaultdict(list)
        for mention in mentions:
            if self._source(mention) is None:
                missing[mention.slug].append(mention)
        for slug, group in missing.items():
            # The first name and kind the file gives for it; a name made from the slug, kind "other", if none.
            named = next((m for m in group if m.name), None)
            kinded = next((m for m in group if m.kind), None)
            # A cell that held a name (not a slug) may name a source recorded under another slug; a slug the
            # file gives is the file's word for which source it means, even if a namesake exists.
            by_name = next((m for m in group if m.name and m.name_from == m.column), None)
            # A Wikidata id names one item whatever the slug: the source recorded with it is the one meant.
            item = next((m.wikidata for m in group if m.wikidata), "")
            known = by_item.get(item) or _one_named(Source, by_name.name if by_name else None)
            if known is not None:
                self.sources[slug] = known
                continue
            source = Source(
                slug=slug,
                name=named.name if named else name_from_slug(slug),
                kind=kinded.kind if kinded else SourceKind.OTHER,
                wikidata=item,
            )

            def report(field, message, group=group, named=named, kinded=kinded, slug=slug):
                mention, column = group[0], group[0].column
                if field == "name" and named is not None:
                    mention, column = named, named.name_from
                elif field == "kind" and kinded is not None:
                    mention, column = kinded, "source_kind"
                mention.row.error(column, f"cannot create the source {slug!r}: {message}")

            if self._save(source, report):
                self.sources[slug] = source
                self.new_sources.add(source.pk)
                self.summary.sources += 1
                if item:
                    by_item[item] = source
        self._identify(mentions, self._source, by_item, lambda mention: f"{mention.column}_wikidata")

    def _find_or_create_topics(self) -> None:
        mentions = [(row, topic) for row in self.rows for topic in row.values.get("topics", ())]
        self.topics = _by_slug(Topic, {value for _, t in mentions for value in (t.written, t.slug)})
        by_item = _by_wikidata(Topic, [topic for _, topic in mentions])
        missing: dict[str, tuple[Row, str | None, str]] = {}
        for row, topic in mentions:
            if self._topic(topic) is None:
                first_row, name, item = missing.get(topic.slug, (row, None, ""))
                missing[topic.slug] = (first_row, name or topic.name, item or topic.wikidata)
        for slug, (row, name, item) in missing.items():
            # By its Wikidata id first (one item, whatever the slug), then by name: a topic named so under
            # another slug (an en dash is dropped by slugify).
            known = by_item.get(item) or _one_named(Topic, name)
            if known is not None:
                self.topics[slug] = known
                continue
            topic = Topic(slug=slug, name=name or name_from_slug(slug), kind=TopicKind.THEME, wikidata=item)

            def report(field, message, row=row, slug=slug):
                row.error("topics", f"cannot create the topic {slug!r}: {message}")

            if self._save(topic, report):
                self.topics[slug] = topic
                self.summary.topics += 1
                if item:
                    by_item[item] = topic
        self._identify([topic for _, topic in mentions], self._topic, by_item, lambda mention: "topics_wikidata")

    def _identify(self, mentions, resolve, by_item: dict, column_of) -> None:
        """Give the sources (or topics) the rows name the Wikidata id the rows give them, where they have none.

        An id never replaces another: a record with a different one, or an id another record holds, or two
        ids for one record in the file, is an error on the row.
        """
        wanted: dict[int, tuple] = {}
        for mention in mentions:
            record = resolve(mention)
            if record is None or not mention.wikidata:
                continue
            item, column, kind = mention.wikidata, column_of(mention), record._meta.verbose_name
            holder = by_item.get(item)
            if record.wikidata and record.wikidata != item:
                mention.row.error(
                    column, f"the {kind} {record.slug!r} has the Wikidata id {record.wikidata}, not {item}"
                )
            elif holder is not None and holder.pk != record.pk:
                mention.row.error(
                    column, f"{item} is the Wikidata id of the {kind} {holder.slug!r}, not {record.slug!r}"
                )
            elif wanted.get(record.pk, (item,))[0] != item:
                mention.row.error(column, f"the file gives the {kind} {record.slug!r} two Wikidata ids")
            else:
                wanted[record.pk] = (item, record, mention, column)
        for item, record, mention, column in wanted.values():
            if record.wikidata == item:
                continue
            record.wikidata = item

            def report(field, message, mention=mention, column=column, record=record, item=item):
                mention.row.error(
                    column, f"cannot give the {record._meta.verbose_name} {record.slug!r} {item}: {message}"
                )

            if self._save(record, report):
                by_item[item] = record
                self.summary.identified += 1

    def _find_or_create_articles(self) -> None:
        mentions = [(row, row.values["article"]) for row in self.rows if row.values.get("article") is not None]
        by_url = {a.url: a for a in _where_in(Article.objects.all(), "url", {m.url for _, m in mentions if m.url})}
        by_title = defaultdict(list)
        titles = {m.title for _, m in mentions if not m.url}
        for article in _where_in(Article.objects.order_by("pk"), "title", titles):
            by_title[article.title, article.published_on].append(article)
        failed = set()
        # Those with a URL first, so that a row naming the same article by title alone finds it.
        for row, mention in sorted(mentions, key=lambda item: not item[1].url):
            key = mention.url or (mention.title, mention.published_on)
            found = ([by_url[mention.url]] if mention.url in by_url else []) if mention.url else by_title[key]
            if len(found) > 1:
                ids = ", ".join(f"#{article.pk}" for article in found)
                row.error("article_title", f"{len(found)} articles ({ids}) have this title and date: give article_url")
            elif found:
                row.resolved["article"] = found[0]
            elif key not in failed:
                publisher = self._source(mention.publisher) if mention.publisher else None
                if mention.publisher and publisher is None:
                    continue  # the publisher could not be created: reported where it is named first
                article = Article(
                    url=mention.url, title=mention.title, published_on=mention.published_on, publisher=publisher
                )

                def report(field, message, row=row):
                    column = ARTICLE_COLUMNS.get(field, "article_url")  # the one constraint: a unique URL
                    row.error(column, f"cannot create the article: {message}")

                if self._save(article, report):
                    if article.url:
                        by_url[article.url] = article
                    by_title[article.title, article.published_on].append(article)
                    row.resolved["article"] = article
                    self.summary.articles += 1
                else:
                    failed.add(key)

    # Claims: matched by (source, date, text); created, updated where they differ, or left alone.

    def _find_claims(self) -> dict[tuple, dict[int, Claim]]:
        first_row: dict[tuple, Row] = {}
        to_look_up = []
        for row in self.rows:
            source = self._source(row.source) if row.source else None
            claimed_on, text = row.values.get("claimed_on"), row.values.get("text")
            if source is None or claimed_on is None or not text:
                continue
            key = row.resolved["key"] = (source.pk, claimed_on, text)
            if key in first_row:
                row.error("text", f"line {first_row[key].line} has the same source, date and text: one row per claim")
                continue
            first_row[key] = row
            if source.pk not in self.new_sources:  # a new source has no claims yet
                to_look_up.append(key)
        existing: dict[tuple, dict[int, Claim]] = defaultdict(dict)
        for keys in _batched(to_look_up):
            candidates = Claim.objects.filter(
                source_id__in={k[0] for k in keys},
                claimed_on__in={k[1] for k in keys},
                text__in={k[2] for k in keys},
            )
            for claim in candidates:  # a superset of the keys: the exact match is made here
                existing[claim.source_id, claim.claimed_on, claim.text][claim.pk] = claim
        claim_ids = sorted({pk for claims in existing.values() for pk in claims})
        for ids in _batched(claim_ids):
            for claim_id, topic_id in ClaimTopic.objects.filter(claim_id__in=ids).values_list("claim_id", "topic_id"):
                self.claim_topics[claim_id].add(topic_id)
        return existing

    def _resolve(self, row: Row) -> bool:
        """Put the row's speaker, via, article and topics in `row.resolved`; False if one could not be had
        (the reason is reported on the line that named it first)."""
        for name in ("speaker", "via"):
            if name in row.values:
                mention = row.values[name]
                row.resolved[name] = self._source(mention) if mention else None
                if mention and row.resolved[name] is None:
                    return False
        if "article" in row.values:
            if row.values["article"] is None:
                row.resolved["article"] = None
            elif "article" not in row.resolved:
                return False
        if "topics" in row.values:
            topics = [self._topic(mention) for mention in row.values["topics"]]
            if None in topics:
                return False
            row.resolved["topics"] = topics
        return True

    def _write_claim(self, row: Row, existing: dict[tuple, dict[int, Claim]]) -> None:
        """Update the row's claim where it differs, or check a new one and queue it for creating."""
        if not row.ok or "key" not in row.resolved or not self._resolve(row):
            return
        matches = list(existing[row.resolved["key"]].values())
        if len(matches) > 1:
            ids = ", ".join(f"#{claim.pk}" for claim in matches)
            row.error("text", f"claims {ids} all have this source, date and text: cannot tell which this row is")
            return
        claim = matches[0] if matches else Claim(source=self._source(row.source))
        new = claim.pk is None
        changed = False
        for name in (*PLAIN_FIELDS, "claimed_on", "translations"):
            if name in row.values and getattr(claim, name) != row.values[name]:
                setattr(claim, name, row.values[name])
                changed = True
        for name in RELATIONS:
            if name in row.resolved:
                target = row.resolved[name]
                if getattr(claim, f"{name}_id") != (target.pk if target else None):
                    setattr(claim, name, target)
                    changed = True
        topics = row.resolved.get("topics")
        old_topics = set() if new else self.claim_topics[claim.pk]
        topics_changed = topics is not None and {topic.pk for topic in topics} != old_topics
        if not (new or changed or topics_changed):
            row.claim = claim
            self.summary.claims_unchanged += 1
            return
        # Related records were found, or checked when they were created: only their absence is checked here.
        resolved = [name for name in ("source", *RELATIONS) if getattr(claim, f"{name}_id") is not None]
        try:
            claim.full_clean(exclude=resolved)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                column = (
                    "row" if field == NON_FIELD_ERRORS else ARTICLE_COLUMNS["title"] if field == "article" else field
                )
                for message in messages:
                    row.error(column, message)
            return
        if new:
            self.pending_claims.append((row, claim, topics or []))
            return
        claim._change_reason = self.reason
        claim.save()  # version-checked, and recorded as a revision
        if topics_changed:
            claim.topics.set(topics)  # in the same transaction: part of the save's revision
        row.claim = claim
        self.summary.claims_updated += 1

    def _create_claims(self) -> None:
        """Insert the new claims and their topics in bulk, each with its first revision."""
        for batch in _batched(self.pending_claims):

            def add_topics(claims, batch=batch):
                return ClaimTopic.objects.bulk_create(
                    ClaimTopic(claim=claim, topic=topic)
                    for (_, _, topics), claim in zip(batch, claims, strict=True)
                    for topic in topics
                )

            claims = _create_with_revisions(Claim, [claim for _, claim, _ in batch], self.reason, add_topics)
            for (row, _, _), claim in zip(batch, claims, strict=True):
                row.claim = claim
                self.new_claims.add(claim.pk)
            self.summary.claims_created += len(claims)

    # Links: added when missing, never removed.

    def _write_links(self) -> None:
        pending = [
            (row, link)
            for row in self.rows
            if row.claim is not None
            for link in row.links
            if link.target is not None and link.target.claim is not None
        ]
        known = set()
        old_claims = sorted({row.claim.pk for row, _ in pending} - self.new_claims)
        for ids in _batched(old_claims):
            known.update(
                ClaimLink.objects.filter(from_claim_id__in=ids).values_list("from_claim_id", "to_claim_id", "relation")
            )
        new_links = []
        for row, link in self.progress(pending, "links", len(pending)):
            from_claim, to_claim = row.claim, link.target.claim
            if (from_claim.pk, to_claim.pk, link.relation) in known:
                continue
            known.add((from_claim.pk, to_claim.pk, link.relation))
            new_link = ClaimLink(from_claim=from_claim, to_claim=to_claim, relation=link.relation)
            try:
                # Both ends are claims in hand: their existence needs no query. Constraints
                # (no self-link, one link per relation) are checked apart, since `exclude` would skip them.
                new_link.full_clean(exclude=["from_claim", "to_claim"], validate_constraints=False)
                new_link.validate_constraints()
            except ValidationError as exc:
                for messages in exc.message_dict.values():
                    for message in messages:
                        row.error("links", f"{link.written!r}: {message}")
                continue
            new_links.append(new_link)
        for batch in _batched(new_links):
            self.summary.links += len(_create_with_revisions(ClaimLink, batch, self.reason))


def _create_with_revisions(model, objs: list, reason: str, before_revisions=None) -> list:
    """Insert `objs` in bulk, each with the first revision a save would have recorded ("+", `reason`,
    no user, and for a claim its topics), as our loaddata records them after the fact.

    `before_revisions(created)` adds what the revisions must show (a claim's topics). Bulk
    inserts skip the save signals: per claim, simple-history's own recording runs a dozen
    queries, which made a 10,000-row import take minutes.
    """
    created = model.objects.bulk_create(objs)
    if any(obj.pk is None for obj in created):  # PostgreSQL and SQLite 3.35+ return the ids
        raise RuntimeError("The database did not return the ids of the inserted rows.")
    through_rows = before_revisions(created) if before_revisions else []
    revisions = model.history.bulk_history_create(created, default_change_reason=reason)
    record_created_in_bulk(model, created, revisions)
    recorder = model._history_recorder
    if recorder.m2m_fields:
        # The snapshot simple-history records with each revision of a claim: its ClaimTopic rows.
        field = model._meta.get_field("topics")
        snapshot_model = recorder.m2m_models[field]
        revision_of = {revision.id: revision for revision in revisions}
        snapshot_model.objects.bulk_create(
            snapshot_model(history=revision_of[row.claim_id], id=row.id, claim_id=row.claim_id, topic_id=row.topic_id)
            for row in through_rows
        )
    return created


def _where_in(queryset, field: str, values: set) -> list:
    """Records of `queryset` whose `field` is one of `values`, a batch of values per query."""
    found = []
    for batch in _batched(sorted(values)):
        found += queryset.filter(**{f"{field}__in": batch})
    return found


def _one_named(model, name: str | None):
    """The one record of `model` with this name (case aside), or None if there is none or several."""
    if not name:
        return None
    found = list(model.objects.filter(name__iexact=name)[:2])
    return found[0] if len(found) == 1 else None


def _by_wikidata(model, mentions) -> dict:
    """The records of `model` holding the Wikidata ids `mentions` give, by id."""
    items = {mention.wikidata for mention in mentions if mention.wikidata}
    return {obj.wikidata: obj for obj in _where_in(model.objects.all(), "wikidata", items)}


def _by_slug(model, slugs: set[str]) -> dict:
    return {obj.slug: obj for obj in _where_in(model.objects.all(), "slug", slugs)}
