"""Writing a run's records to the database, all or nothing: `generate_claims`.

On PostgreSQL, `_PostgresLoader`: COPY, search documents computed set-based, indexes and
constraints rebuilt once after the load (why: docs/performance.md). On other databases,
`_InsertLoader`: the same rows, in batched INSERTs. A module of its own, apart from `records`,
because it is about the database (locks, constraints, indexes, connections), not about the rows.
"""

import io
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction

from claims.db import without_statement_timeout
from claims.generate.phrasebook import _bank_values, check_plain
from claims.generate.records import COLUMNS, NULL, ROW_NAMES, Generator, Sizes
from claims.models import Article, Claim, ClaimLink, ClaimTopic, Review, Source, Topic
from claims.search import SEARCH_CONFIG

GENERATED_USERS = [f"generated-editor-{n}" for n in range(1, 9)]

# -- Writing ------------------------------------------------------------------------------------------


@dataclass
class Summary:
    """What a run wrote, and how long it took (in all, and by phase)."""

    rows: dict[str, int]
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)

    def __str__(self):
        counts = ", ".join(f"{n:,} {name}" for name, n in self.rows.items())
        rate = self.rows["claims"] / self.seconds if self.seconds else 0.0
        return f"Generated {counts} in {self.seconds:.1f} s ({rate:,.0f} claims/s)."


class GenerationRefused(Exception):
    """The database cannot take the generated records (not migrated, or a value would collide)."""


class IndexesUnfinished(Exception):
    """The records were written, but building some of their indexes failed afterwards."""


def generate_claims(
    claims: int,
    *,
    seed: int = 0,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[int], None] = lambda n: None,
) -> Summary:
    """Add `claims` synthetic claims, with the sources, articles, topics, links and reviews they need.

    Ids follow the highest id (or sequence value) of each table, slugs skip those taken, and the
    sequences end past the new rows, so the record can grow by several runs and later saves
    through Django do not collide. The records are written in one transaction, all or nothing.
    On PostgreSQL, unless called inside a transaction, the indexes that only speed up reads are
    then built on two connections at once (docs/performance.md); if that fails, IndexesUnfinished
    is raised and the next run builds them first. `progress` is called with each batch's number of
    claims. Raises GenerationRefused when the database cannot take the records.
    """
    check_plain(_bank_values())
    started = time.perf_counter()
    phases: dict[str, float] = {}
    connection = connections[using]
    if connection.vendor == "postgresql":
        # Other connections cannot see an outer transaction's rows: then everything happens in it.
        loader = _PostgresLoader(connection, phases, parallel=not connection.in_atomic_block)
    else:
        loader = _InsertLoader(connection, phases)
    with transaction.atomic(using=using), without_statement_timeout(using):
        with _phase(phases, "prepare"):
            loader.prepare()
            taken = {model: loader.slugs(model) for model in (Source, Topic)}
            generator = Generator(Sizes.for_claims(claims), seed, loader.bases(), _generated_users(using), taken)
            sources, topics = generator.sources(), generator.topics()
            generator.stories()
        loader.load(generator, sources, topics, progress)
    loader.finish()
    seconds = time.perf_counter() - started
    return Summary({ROW_NAMES[m]: generator.counts[m] for m in COLUMNS}, seconds, phases)


class _phase:
    """Adds the time a block takes to `phases[name]`."""

    def __init__(self, phases: dict, name: str):
        self.phases, self.name = phases, name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.phases[self.name] = self.phases.get(self.name, 0.0) + time.perf_counter() - self.started


def _generated_users(using: str) -> list[int]:
    """The editors generated claims and reviews are attributed to: made on the first run, then reused."""
    ids = []
    for username in GENERATED_USERS:
        user, created = User.objects.using(using).get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save(using=using, update_fields=["password"])
        ids.append(user.pk)
    return ids


class _InsertLoader:
    """Any database Django supports (SQLite in tests and on a fresh machine): batched INSERTs.

    Correct rather than fast: the same rows as on PostgreSQL, through executemany.
    """

    def __init__(self, connection, phases: dict):
        self.connection = connection
        self.phases = phases

    def prepare(self):
        pass  # an SQLite write transaction holds the whole database

    def bases(self) -> dict:
        bases = {}
        with self.connection.cursor() as cursor:
            for model in COLUMNS:
                table = model._meta.db_table
                cursor.execute(f'SELECT coalesce(max("id"), 0) FROM "{table}"')
                bases[model] = cursor.fetchone()[0]
                if self.connection.vendor == "sqlite":
                    # AUTOINCREMENT never hands out an id again, even a deleted one's: neither do we.
                    cursor.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
                    bases[model] = max(bases[model], cursor.fetchone()[0])
        return bases

    def slugs(self, model) -> set[str]:
        return set(model.objects.using(self.connection.alias).values_list("slug", flat=True))

    def load(self, generator: Generator, sources: list[str], topics: list[str], progress):
        with _phase(self.phases, "insert"):
            self._insert(Source, sources)
            self._insert(Topic, topics)
            self._insert(Article, _chunked(generator.articles()))
            with generator.claims(progress) as claims:
                self._insert(Claim, claims)
            self._insert(ClaimTopic, generator.claim_topics)
            self._insert(ClaimLink, generator.links)
            self._insert(Review, generator.reviews)
        if self.connection.vendor != "sqlite":
            with self.connection.cursor() as cursor:
                for sql in self.connection.ops.sequence_reset_sql(no_style(), list(COLUMNS)):
                    cursor.execute(sql)

    def finish(self):
        pass

    def _insert(self, model, chunks: Iterable[str]):
        columns = COLUMNS[model]
        names = ", ".join(f'"{column}"' for column in columns)
        sql = f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({", ".join(["%s"] * len(columns))})'
        width = len(columns)  # claim lines carry more columns, for PostgreSQL's search documents
        with self.connection.cursor() as cursor:
            for chunk in chunks:
                rows = [[None if v == NULL else v for v in line.split("\t")[:width]] for line in chunk.splitlines()]
                if rows:
                    cursor.executemany(sql, rows)


# The index that takes longest to build (the search documents' GIN index, at a million claims): it gets
# a connection of its own while another builds all the others.
LONGEST_INDEX = "claims_claim_search_vector"
# A text segment's search document: in the configuration of its language, normalised (migration 0012).
SEGMENT_VECTOR = "to_tsvector(claims_search_config(language), claims_search_normalize(text))"
# Index builds left to do after the records' transaction commits; a run that is interrupted leaves its
# rows here, and the next run builds them (the table exists only while a run, or its leftovers, last).
PENDING = "claims_generate_pending"
# Two connections already keep both cores busy: helpers for a btree build would only take turns with them.
BUILD_SETTINGS = [("statement_timeout", "0"), ("max_parallel_maintenance_workers", "0")]


class _PostgresLoader(_InsertLoader):
    """PostgreSQL: COPY; search documents computed set-based and written with the rows; indexes and
    constraints rebuilt once after the load, and read-only indexes on two connections after commit."""

    # The triggers of migration 0004 that fire on INSERT: the load does their work itself.
    SEARCH_TRIGGERS = [(Claim, "claims_claim_search"), (ClaimTopic, "claims_claimtopic_search_insert")]
    # Work tables, unlogged (no WAL) and dropped before commit. Not TEMP: parallel workers cannot read those.
    WORK_TABLES = [
        "claims_generate_claim",
        "claims_generate_names",
        "claims_generate_stories",
        "claims_generate_segments",
        "claims_generate_names_vector",
        "claims_generate_stories_vector",
        "claims_generate_segments_vector",
        "claims_generate_article_stories",
        "claims_generate_articles_vector",
        "claims_generate_context_vector",
        "claims_generate_ready",
    ]
    SETTINGS = [
        ("maintenance_work_mem", "1GB"),  # index builds sort in memory
        ("work_mem", "256MB"),  # the hash joins of the search documents stay in memory
        ("timezone", "UTC"),  # generated timestamps are UTC
        ("jit", "off"),  # compiling the big statements costs more than it saves here
        # The planner prices a tsvector function like an addition, so it rarely splits the search
        # documents' work among workers; it should, they are most of the work.
        ("parallel_setup_cost", "10"),
        ("parallel_tuple_cost", "0.001"),
    ]

    def __init__(self, connection, phases: dict, parallel: bool):
        super().__init__(connection, phases)
        self.parallel = parallel

    def _execute(self, sql: str, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def _copy(self, table: str, columns: list[str], chunks: Iterable[str]):
        with self.connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", _ChunkReader(chunks))

    def prepare(self):
        if not self._execute("SELECT to_regprocedure('claims_names(text, jsonb)') IS NOT NULL")[0][0]:
            raise GenerationRefused("The database has no search functions: run `manage.py migrate` first.")
        # Others wait (reads too, once indexes are dropped) until the records commit; no id can be taken meanwhile.
        self._execute(f"LOCK TABLE {', '.join(m._meta.db_table for m in COLUMNS)} IN ACCESS EXCLUSIVE MODE")
        for setting, value in self.SETTINGS:
            self._execute(f"SET LOCAL {setting} = '{value}'")

    def bases(self) -> dict:
        bases = {}
        for model in COLUMNS:
            table = model._meta.db_table
            sequence = self._execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
            bases[model] = self._execute(
                f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table}), "
                f"(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}))"
            )[0][0]
        return bases

    def load(self, generator: Generator, sources: list[str], topics: list[str], progress):
        phases = self.phases
        # Python takes ~7 µs a claim: the longest part of a million-claim run's load. Worker processes,
        # one per core, start on the claims now, while this connection does what needs no claims.
        with generator.claims(progress, processes=os.cpu_count() or 1) as claims:
            with _phase(phases, "prepare"):
                integrity, reads = self._detach()
            with _phase(phases, "copy sources, topics, articles"):
                self._copy(Source._meta.db_table, COLUMNS[Source], sources)
                self._copy(Topic._meta.db_table, COLUMNS[Topic], topics)
                self._copy(Article._meta.db_table, COLUMNS[Article], _chunked(generator.articles()))
                # Statistics for the queries below: without them the planner takes the tables for empty.
                self._execute(f"ANALYZE {', '.join(m._meta.db_table for m in (Source, Topic, Article))}")
            with _phase(phases, "search documents: parts"):
                self._search_parts(generator)
            with _phase(phases, "generate and copy claims"):
                keys = [
                    "names_key",
                    "story_key",
                    "context_key",
                    "head_key",
                    "tail_key",
                    "quote_key",
                    "translated_head_key",
                    "translated_tail_key",
                ]
                self._execute(
                    f"CREATE UNLOGGED TABLE claims_generate_claim AS SELECT {', '.join(COLUMNS[Claim])}, "
                    f"{', '.join(f'0 AS {key}' for key in keys)} FROM {Claim._meta.db_table} WITH NO DATA"
                )
                self._copy("claims_generate_claim", [*COLUMNS[Claim], *keys], claims)
        with _phase(phases, "copy claim topics, links, reviews"):
            for model in (ClaimTopic, ClaimLink, Review):
                # The database numbers these rows: from the base on, in the order they come.
                base = generator.bases[model]
                self._execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                    [model._meta.db_table, max(base, 1), base > 0],
                )
            for model, chunks in (
                (ClaimTopic, generator.claim_topics),
                (ClaimLink, generator.links),
                (Review, generator.reviews),
            ):
                self._copy(model._meta.db_table, COLUMNS[model], chunks)
        self._insert_claims(generator)
        # Statistics now for what the foreign key checks below read; they do not depend on indexes.
        analyze = [f"ANALYZE {m._meta.db_table}" for m in (ClaimTopic, ClaimLink, Review)]
        with _phase(phases, "analyze"):
            self._execute(f"ANALYZE {Claim._meta.db_table}")
            if not self.parallel:
                for statement in analyze:
                    self._execute(statement)
        with _phase(phases, "keys and constraints"):
            try:
                for statement in integrity:
                    self._execute(statement)
            except IntegrityError as exc:
                raise GenerationRefused(f"A generated value collides with an existing row: {exc}") from exc
            for model, trigger in self.SEARCH_TRIGGERS:
                self._execute(f"ALTER TABLE {model._meta.db_table} ENABLE TRIGGER {trigger}")
            for model in COLUMNS:
                if generator.counts[model]:
                    self._execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                        [model._meta.db_table, generator.bases[model] + generator.counts[model]],
                    )
        if self.parallel:
            # Committed with the records, so that an interrupted run leaves a list of what is left to do.
            longest = [s for s in reads if f" {LONGEST_INDEX} " in s]
            queues = [longest, analyze + [s for s in reads if s not in longest]]
            self._execute(f"CREATE TABLE {PENDING} (id serial PRIMARY KEY, queue integer, statement text)")
            for queue, statements in enumerate(queues):
                for statement in statements:
                    self._execute(f"INSERT INTO {PENDING} (queue, statement) VALUES (%s, %s)", [queue, statement])
        else:
            with _phase(phases, "indexes"):
                for statement in reads:
                    self._execute(statement)

    def finish(self):
        """After the commit: the pending work, the longest index on one connection, the rest on another."""
        if not self.parallel:
            return
        with _phase(self.phases, "indexes (two connections)"):
            try:
                _run_pending(self.connection)
                _vacuum(self.connection, [m._meta.db_table for m in COLUMNS])
            except Exception as exc:
                raise IndexesUnfinished(
                    f"The claims were added, but building their indexes failed ({exc}). "
                    "The next run of generate_claims builds them first."
                ) from exc

    def _detach(self) -> tuple[list[str], list[str]]:
        """Drop what makes a row-by-row load slow; return the statements that put it back: those that
        keep the data right (keys, unique indexes, foreign keys), and those that can wait for the
        commit (indexes that only speed up reads, checking the generated rows against foreign keys).

        Indexes are built once at the end instead of updated row by row; foreign keys are checked by
        one join each instead of one query per row (they are deferred: a million checks queued to the
        commit); the search triggers' work is done by `_insert_claims`. Definitions are read from the
        catalog, so what is restored is what was migrated. A previous run's unbuilt indexes are added.

        Building indexes on claims_claim after the commit locks its writers out meanwhile, and so
        would adding foreign keys to it: those are checked before. The other tables' foreign keys are
        added NOT VALID (every row written from the commit on is checked) and validated afterwards,
        beside the index builds: the generated rows are right by construction, and checked all the same.
        """
        tables = [model._meta.db_table for model in COLUMNS]
        primary, unique, foreign, reads, validations = [], [], [], [], []
        for table in tables:
            constraints = self._execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [table],
            )
            for name, _, definition in constraints:
                definition = definition.removesuffix(" NOT VALID")  # left so by an interrupted run
                if self.parallel and table != Claim._meta.db_table:
                    definition += " NOT VALID"
                    validations.append(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
                foreign.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                self._execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for table in tables:
            # The primary keys of the two big tables go too: rebuilt, they cost less than kept up row by row.
            # The others stay: the search documents' queries look sources up by id.
            kinds = "('p', 'u')" if table in (Claim._meta.db_table, ClaimTopic._meta.db_table) else "('u')"
            constraints = self._execute(
                "SELECT conname, contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                f"WHERE conrelid = %s::regclass AND contype IN {kinds} "
                # A unique key that some other table's foreign key needs stays.
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid) "
                "ORDER BY conname",
                [table],
            )
            for name, kind, definition in constraints:
                (primary if kind == "p" else unique).append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                self._execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            indexes = self._execute(
                "SELECT i.relname, x.indisunique, pg_get_indexdef(i.oid) "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid"
                ") ORDER BY i.relname",
                [table],
            )
            for name, is_unique, definition in indexes:
                (unique if is_unique else reads).append(definition)
                self._execute(f'DROP INDEX "{name}"')
        if self._execute("SELECT to_regclass(%s) IS NOT NULL", [PENDING])[0][0]:
            # Only its indexes: its foreign keys were just dropped, to be added (and checked) again.
            pending = self._execute(f"SELECT statement FROM {PENDING} WHERE statement LIKE 'CREATE %%' ORDER BY id")
            reads += [statement for (statement,) in pending]
            self._execute(f"DROP TABLE {PENDING}")
        for model, trigger in self.SEARCH_TRIGGERS:
            self._execute(f"ALTER TABLE {model._meta.db_table} DISABLE TRIGGER {trigger}")
        return primary + unique + foreign, reads + validations

    # The search documents. `claims_search_document` joins five weighted parts with `||`: the
    # text's (A), the quote's (B), the names of source, speaker and outlet (C), the topics' names
    # (C), the article's title (D). Each part is computed once per distinct value (text segment,
    # quote, attribution, story, article) by the same functions, with names in the same order
    # (ascending ids, as the function's index scans return them); a claim's document is then
    # four `||` of precomputed parts. Exact, because `||` is associative (it shifts the right
    # side's positions past the left side's last), and because a text is a head and a tail whose
    # documents joined by `||` are the text's: true when the head does not end on a stop word
    # (which `||` would not count), checked below for every head. tests/test_generate_claims.py
    # compares the result with `claims_search_document` claim by claim.

    def _search_parts(self, generator: Generator):
        """The parts that need no claims: names, topics, titles, and the texts' segments."""
        config = f"'{SEARCH_CONFIG}'"
        self._execute(
            "CREATE UNLOGGED TABLE claims_generate_names (key integer, source_id bigint, speaker_id bigint, "
            "via_id bigint); CREATE UNLOGGED TABLE claims_generate_stories (key integer, topic_ids bigint[]); "
            "CREATE UNLOGGED TABLE claims_generate_segments (key integer, head boolean, language text, text text); "
            "CREATE UNLOGGED TABLE claims_generate_article_stories (article_id bigint, story_key integer)"
        )
        for table, columns, lines in (
            ("claims_generate_names", ["key", "source_id", "speaker_id", "via_id"], generator.name_key_lines()),
            ("claims_generate_stories", ["key", "topic_ids"], generator.story_key_lines()),
            ("claims_generate_segments", ["key", "head", "language", "text"], generator.segment_lines()),
            ("claims_generate_article_stories", ["article_id", "story_key"], generator.article_story_lines()),
        ):
            self._copy(table, columns, _chunked(lines))
        self._check_heads()
        self._execute(
            f"""
            CREATE UNLOGGED TABLE claims_generate_names_vector AS
            SELECT k.key, setweight(to_tsvector({config}, claims_search_normalize(coalesce((
                SELECT string_agg(claims_names(s.name, s.aliases), ' ' ORDER BY s.id)
                FROM claims_source s WHERE s.id IN (k.source_id, k.speaker_id, k.via_id)), ''))), 'C') AS vector
            FROM claims_generate_names k;
            CREATE UNLOGGED TABLE claims_generate_segments_vector AS
            SELECT key, setweight(vector, 'A') AS text_vector, setweight(vector, 'B') AS quote_vector
            FROM (SELECT key, {SEGMENT_VECTOR} AS vector FROM claims_generate_segments) s;
            CREATE UNLOGGED TABLE claims_generate_stories_vector AS
            SELECT k.key, setweight(to_tsvector({config}, claims_search_normalize(coalesce((
                SELECT string_agg(claims_names(t.name, t.aliases), ' ' ORDER BY t.id)
                FROM claims_topic t WHERE t.id = ANY(k.topic_ids)), ''))), 'C') AS vector
            FROM claims_generate_stories k;
            CREATE UNLOGGED TABLE claims_generate_articles_vector AS
            SELECT id, setweight(to_tsvector(claims_search_config(language), claims_search_normalize(title)), 'D')
                AS vector
            FROM claims_article WHERE id > %s;
            ANALYZE claims_generate_stories_vector, claims_generate_articles_vector, claims_generate_article_stories;
            -- What follows the names in the document: the story's topics, then the article's title if any.
            -- Keyed by the article's id, or by minus the story's key for claims in no article.
            CREATE UNLOGGED TABLE claims_generate_context_vector AS
            SELECT -s.key::bigint AS key, s.vector FROM claims_generate_stories_vector s
            UNION ALL
            SELECT a.id, s.vector || a.vector
            FROM claims_generate_article_stories p
            JOIN claims_generate_articles_vector a ON a.id = p.article_id
            JOIN claims_generate_stories_vector s ON s.key = p.story_key;
            """,
            [generator.bases[Article]],
        )

    def _check_heads(self):
        config = "claims_search_config(language)"
        broken = self._execute(
            "SELECT text FROM claims_generate_segments WHERE head "
            f"AND to_tsvector({config}, claims_search_normalize(text) || ' x') "
            f"<> to_tsvector({config}, claims_search_normalize(text)) || to_tsvector({config}, 'x') LIMIT 1"
        )
        if broken:
            raise AssertionError(f"The phrase bank's {broken[0][0]!r} ends on a stop word: split it elsewhere.")

    def _insert_claims(self, generator: Generator):
        """Move the staged claims into claims_claim with the search document the trigger would compute."""
        with _phase(self.phases, "search documents: claims (parallel)"):
            # The segments of texts about other claims: known only now, and few.
            self._execute("TRUNCATE claims_generate_segments")
            self._copy(
                "claims_generate_segments", ["key", "head", "language", "text"], _chunked(generator.segment_lines(True))
            )
            self._check_heads()
            self._execute(
                f"""
                INSERT INTO claims_generate_segments_vector
                SELECT key, setweight(vector, 'A'), setweight(vector, 'B')
                FROM (SELECT key, {SEGMENT_VECTOR} AS vector FROM claims_generate_segments) s;
                ANALYZE claims_generate_claim, claims_generate_names_vector, claims_generate_segments_vector,
                    claims_generate_context_vector;
                """
            )
            # CREATE TABLE AS may run its query in parallel workers, INSERT ... SELECT may not (PostgreSQL 15).
            staged = ", ".join(f"c.{column}" for column in COLUMNS[Claim])
            self._execute(
                f"""
                CREATE UNLOGGED TABLE claims_generate_ready AS
                SELECT {staged}, h.text_vector || t.text_vector || coalesce(q.quote_vector, ''::tsvector)
                    || n.vector || x.vector || coalesce(th.text_vector || tt.text_vector, ''::tsvector)
                    AS search_vector, s.topic_ids
                FROM claims_generate_claim c
                JOIN claims_generate_stories s ON s.key = c.story_key
                JOIN claims_generate_segments_vector h ON h.key = c.head_key
                JOIN claims_generate_segments_vector t ON t.key = c.tail_key
                LEFT JOIN claims_generate_segments_vector q ON q.key = c.quote_key
                JOIN claims_generate_names_vector n ON n.key = c.names_key
                JOIN claims_generate_context_vector x ON x.key = c.context_key
                LEFT JOIN claims_generate_segments_vector th ON th.key = c.translated_head_key
                LEFT JOIN claims_generate_segments_vector tt ON tt.key = c.translated_tail_key
                """
            )
        with _phase(self.phases, "insert claims"):
            columns = ", ".join(COLUMNS[Claim])
            self._execute(
                # topic_ids as migration 0006's trigger writes them: the claim's topic ids, ascending.
                f"INSERT INTO {Claim._meta.db_table} ({columns}, search_vector, topic_ids) "
                f"SELECT {columns}, search_vector, topic_ids FROM claims_generate_ready"
            )
            self._execute(f"DROP TABLE {', '.join(self.WORK_TABLES)}")


def _vacuum(connection, tables: list[str]) -> None:
    """VACUUM the loaded tables, as autovacuum would some time later: it marks their pages all-visible, so
    that index-only scans (the admin's deep pages: 40 ms against 270 ms at a million claims) skip the
    table. VACUUM cannot run in a transaction: a connection of its own, in autocommit."""
    raw = connection.Database.connect(**connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute(f"VACUUM {', '.join(tables)}")
    finally:
        raw.close()


def _run_pending(connection) -> None:
    """Run the statements left in the pending table, then drop it: each queue on a connection of its own,
    at once (psycopg2 lets the other thread run while a statement executes), and each statement in a
    transaction with the delete of its row, so that what is left is always what is still to do."""
    params = connection.get_connection_params()
    errors = []

    def run(queue):
        try:
            raw = connection.Database.connect(**params)  # psycopg2 itself: Django's wrapper is the main thread's
        except Exception as exc:
            errors.append(exc)
            return
        try:
            while True:
                with raw, raw.cursor() as cursor:  # a transaction: committed on leaving, or rolled back
                    cursor.execute(f"SELECT id, statement FROM {PENDING} WHERE queue = %s ORDER BY id LIMIT 1", [queue])
                    row = cursor.fetchone()
                    if row is None:
                        return
                    for setting, value in (*_PostgresLoader.SETTINGS, *BUILD_SETTINGS):
                        cursor.execute(f"SET LOCAL {setting} = '{value}'")
                    cursor.execute(row[1])
                    cursor.execute(f"DELETE FROM {PENDING} WHERE id = %s", [row[0]])
        except Exception as exc:  # reported by the main thread once the other queue is done
            errors.append(exc)
        finally:
            raw.close()

    threads = [threading.Thread(target=run, args=(queue,)) for queue in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {PENDING}")


def _chunked(lines: Iterable[str], size: int = 10_000) -> Iterator[str]:
    """Lines joined into chunks, so that COPY gets large writes."""
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


class _ChunkReader(io.TextIOBase):
    """What COPY reads from: each read is the next chunk, generated on demand, so the database
    parses one batch while Python generates the next (two cores busy, and no file written)."""

    def __init__(self, chunks: Iterable[str]):
        self._chunks = iter(chunks)

    def readable(self):
        return True

    def read(self, size=-1):
        return next((chunk for chunk in self._chunks if chunk), "")

    def readline(self, size=-1):
        return self.read(size)
