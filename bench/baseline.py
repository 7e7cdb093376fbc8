"""The benchmark's baseline: the claims reads with no framework, for comparison with the service.

A bare WSGI callable over psycopg2 and orjson that answers the benchmark's requests
(bench/run.py) with the same bytes as the service: the claims list (default order, the
status/topic/date filters, plain-word search, keyset cursors), a claim, and a thread.
Anything else is a 404. It runs the same SQL the service runs (the same joins, batch
queries and keyset conditions), so that the ratio of the two measures the service's own
code (Django, DRF, building the response) and not a difference in database work.

    gunicorn bench.baseline:application        (DATABASE_URL as for the service)
"""

import base64
import datetime
import json
import os
from collections import defaultdict
from urllib import parse

import orjson
import psycopg2

QUERIES = 0  # statements run by this process: bench/run.py reads it to report queries per request
_connection = None

_REF = "{0}.id, {0}.slug, {0}.name, {0}.kind"
# A page's sources' affiliations and articles' publishers, read by key as claims.api.claim_rows reads them.
_BY_KEY = "{0}, " + ", ".join(
    f"(SELECT r.{column} FROM claims_source r WHERE r.id = {{0}} LIMIT 1)" for column in ("slug", "name", "kind")
)
# The same tables per query as the service (claims.api.claim_rows): the claims (their creator's display
# name by a subquery), then one batch each for sources, articles, topics, reviews, appearances, links out
# and links in.
_CLAIM_COLUMNS = (
    "c.id, c.text, c.quote, c.language, c.claimed_on, c.claimed_on_precision, c.status, c.created_at,"
    " c.updated_at, c.version,"
    " (SELECT count(*) FROM claims_claimlink d WHERE d.to_claim_id = c.id AND d.relation = 'denies'),"
    " c.source_id, c.speaker_id, c.via_id, c.article_id, c.created_by_id,"
    " (SELECT pr.display_name FROM claims_profile pr WHERE pr.user_id = c.created_by_id),"
    " c.translations"
)
# A thread's claims come with their sources and article joined, as the service's thread selector has them.
_SOURCE = "{0}.id, {0}.slug, {0}.name, {0}.kind, {0}.role, {0}.wikidata, {1}.id, {1}.slug, {1}.name, {1}.kind"
_THREAD_COLUMNS = ", ".join(
    [
        "c.id, c.text, c.quote, c.claimed_on, c.claimed_on_precision, c.status",
        _SOURCE.format("s", "sa"),
        _SOURCE.format("sp", "spa"),
        _SOURCE.format("v", "va"),
        "a.id, a.title, a.url, a.published_on",
        _REF.format("p"),
    ]
)
_THREAD_JOINS = """
    JOIN claims_source s ON s.id = c.source_id LEFT JOIN claims_source sa ON sa.id = s.affiliation_id
    LEFT JOIN claims_source sp ON sp.id = c.speaker_id LEFT JOIN claims_source spa ON spa.id = sp.affiliation_id
    LEFT JOIN claims_source v ON v.id = c.via_id LEFT JOIN claims_source va ON va.id = v.affiliation_id
    LEFT JOIN claims_article a ON a.id = c.article_id LEFT JOIN claims_source p ON p.id = a.publisher_id
"""
# As claims.search ranks without `lang`: the query as the claim's own language reads it (migration 0012).
_RANK = (
    "ts_rank(c.search_vector, (claims_search_queries(%s))[claims_search_config_index(c.language)])::double precision"
)
_TRANSLATION_KEYS = ("language", "text", "quote", "kind", "by")
_STATUSES = {"unverified", "disputed", "confirmed", "refuted", "retracted"}


class NotFound(Exception):
    pass


def _editor(pk, display_name):
    """An editor as the service shows one (claims.models.editor_name): never the login name."""
    return None if pk is None else {"id": pk, "display_name": display_name or f"Editor #{pk}"}


def _query(sql: str, params=()) -> list[tuple]:
    global _connection, QUERIES
    if _connection is None or _connection.closed:
        url = parse.urlsplit(os.environ["DATABASE_URL"])
        _connection = psycopg2.connect(
            host=url.hostname, port=url.port or 5432, user=url.username, password=url.password, dbname=url.path[1:]
        )
        _connection.autocommit = True
        with _connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
    QUERIES += 1
    with _connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _time(value: datetime.datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _ref(row, at: int) -> dict | None:
    if row[at] is None:
        return None
    return {"id": row[at], "slug": row[at + 1], "name": row[at + 2], "kind": row[at + 3]}


def _source(row, at: int) -> dict | None:
    if row[at] is None:
        return None
    return {
        "id": row[at],
        "slug": row[at + 1],
        "name": row[at + 2],
        "kind": row[at + 3],
        "role": row[at + 4],
        "wikidata": row[at + 5],
        "affiliation": _ref(row, at + 6),
    }


def _article(row, at: int) -> dict | None:
    if row[at] is None:
        return None
    return {
        "id": row[at],
        "title": row[at + 1],
        "url": row[at + 2],
        "publisher": _ref(row, at + 4),
        "published_on": None if row[at + 3] is None else row[at + 3].isoformat(),
    }


_ANCHOR = ("start", "end", "exact", "prefix", "suffix", "status")


def _claims(rows: list[tuple]) -> list[dict]:
    ids = tuple(row[0] for row in rows)
    sources, articles = {}, {}
    source_ids = tuple({row[at] for row in rows for at in (11, 12, 13)} - {None})
    if source_ids:
        for s in _query(
            f"SELECT s.id, s.slug, s.name, s.kind, s.role, s.wikidata, {_BY_KEY.format('s.affiliation_id')}"
            " FROM claims_source s WHERE s.id IN %s",
            (source_ids,),
        ):
            sources[s[0]] = _source(s, 0)
    article_ids = tuple({row[14] for row in rows} - {None})
    if article_ids:
        for a in _query(
            f"SELECT a.id, a.title, a.url, a.published_on, {_BY_KEY.format('a.publisher_id')}"
            " FROM claims_article a WHERE a.id IN %s",
            (article_ids,),
        ):
            articles[a[0]] = _article(a, 0)
    topics, reviews, links_out, links_in = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    appearances, anchors = defaultdict(list), {}
    if ids:
        for claim_id, *topic in _query(
            f"SELECT ct.claim_id, {_REF.format('t')}, t.wikidata FROM claims_claimtopic ct JOIN claims_topic t"
            " ON t.id = ct.topic_id WHERE ct.claim_id IN %s ORDER BY t.name, ct.topic_id",
            (ids,),
        ):
            topics[claim_id].append({**_ref(topic, 0), "wikidata": topic[4]})
        for r in _query(
            "SELECT r.id, r.claim_id, r.rating, r.summary, r.url, r.reviewer_id,"
            " (SELECT pr.display_name FROM claims_profile pr WHERE pr.user_id = r.reviewer_id), r.reviewed_on"
            " FROM claims_review r WHERE r.claim_id IN %s"
            " ORDER BY r.reviewed_on DESC, r.id DESC",
            (ids,),
        ):
            reviews[r[1]].append(
                {
                    "id": r[0],
                    "rating": r[2],
                    "summary": r[3],
                    "url": r[4],
                    "reviewer": _editor(r[5], r[6]),
                    "reviewed_on": r[7].isoformat(),
                }
            )
        for ap in _query(
            "SELECT ap.claim_id, ap.id, ap.article_id, ap.start, ap.end, ap.exact, ap.prefix, ap.suffix, ap.status,"
            f" a.id, a.title, a.url, a.published_on, {_REF.format('p')} FROM claims_appearance ap"
            " JOIN claims_article a ON a.id = ap.article_id LEFT JOIN claims_source p ON p.id = a.publisher_id"
            " WHERE ap.claim_id IN %s ORDER BY ap.id",
            (ids,),
        ):
            anchor = dict(zip(_ANCHOR, ap[3:9], strict=True)) if ap[8] else None
            appearances[ap[0]].append({"id": ap[1], "article": _article(ap, 9), "anchor": anchor})
            anchors[(ap[0], ap[2])] = anchor
        for links, here, there in (
            (links_out, "from_claim_id", "to_claim_id"),
            (links_in, "to_claim_id", "from_claim_id"),
        ):
            for link in _query(
                f"SELECT l.id, l.{here}, l.relation, l.note, o.id, o.text, o.claimed_on, o.status, {_REF.format('s')}"
                f" FROM claims_claimlink l JOIN claims_claim o ON o.id = l.{there}"
                f" JOIN claims_source s ON s.id = o.source_id WHERE l.{here} IN %s ORDER BY l.id",
                (ids,),
            ):
                links[link[1]].append(
                    {
                        "id": link[0],
                        "relation": link[2],
                        "note": link[3],
                        "claim": {
                            "id": link[4],
                            "text": link[5],
                            "source": _ref(link, 8),
                            "claimed_on": link[6].isoformat(),
                            "status": link[7],
                        },
                    }
                )
    return [
        {
            "id": row[0],
            "text": row[1],
            "quote": row[2],
            "language": row[3],
            # jsonb keeps an object's keys in its own order: given in the service's (claims.models.TRANSLATION_KEYS).
            "translations": [{key: item[key] for key in _TRANSLATION_KEYS} for item in row[17]],
            "source": sources[row[11]],
            "speaker": sources.get(row[12]),
            "via": sources.get(row[13]),
            "article": articles.get(row[14]),
            "claimed_on": row[4].isoformat(),
            "claimed_on_precision": row[5],
            "status": row[6],
            "topics": topics[row[0]],
            "reviews": reviews[row[0]],
            "links_out": links_out[row[0]],
            "links_in": links_in[row[0]],
            "denial_count": row[10],
            "anchor": anchors.get((row[0], row[14])),
            "appearances": appearances[row[0]],
            "created_at": _time(row[7]),
            "updated_at": _time(row[8]),
            "created_by": _editor(row[15], row[16]),
            "version": row[9],
        }
        for row in rows
    ]


def _cursor(ordering: list[str], key: list, backwards: bool = False) -> str:
    payload = {"o": ordering, "k": key, "b": True} if backwards else {"o": ordering, "k": key}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _replace_query_param(url: str, key: str, value: str) -> str:
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    params = parse.parse_qs(query, keep_blank_values=True)
    params[key] = [value]
    return parse.urlunsplit((scheme, netloc, path, parse.urlencode(sorted(params.items()), doseq=True), fragment))


def claim_list(environ, params: dict[str, list[str]]) -> dict:
    page_size = min(int(params.get("page_size", ["20"])[0]), 100)
    where, args = [], []
    if "status" in params:
        if not set(params["status"]) <= _STATUSES:
            raise NotFound
        where.append("c.status IN %s")
        args.append(tuple(params["status"]))
    if "topic" in params:
        where.append("c.topic_ids @> ARRAY[(SELECT id FROM claims_topic WHERE slug = %s)]::bigint[]")
        args.append(params["topic"][0])
    for name, op in (("claimed_after", ">="), ("claimed_before", "<=")):
        if name in params:
            where.append(f"c.claimed_on {op} %s")
            args.append(params[name][0])
    rank_args = []
    if "q" in params:
        # Plain words only (the benchmark's searches): each word quoted as the service quotes it, all required.
        words = params["q"][0].split()
        if not words or any(not w.isalnum() for w in words):
            raise NotFound
        tsquery = " & ".join(f"'{word}'" for word in words)
        # As claims.search.match_sql writes it for one group of wanted words and no `lang`: read in every language.
        where.append("c.search_vector @@ ((claims_search_query(%s, %s)))")
        args += [tsquery, None]
        rank_args = [tsquery]
        ordering = ["-search_rank", "-claimed_on", "-id"]
        columns = [(_RANK, rank_args), ("c.claimed_on", []), ("c.id", [])]
    else:
        ordering = ["-claimed_on", "-id"]
        columns = [("c.claimed_on", []), ("c.id", [])]
    if "cursor" in params:
        raw = params["cursor"][0]
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if payload["o"] != ordering or payload.get("b"):
            raise NotFound
        key = payload["k"]
        # (a, b, id) after key, all descending; the leading a <= key[0] lets an index on a seek.
        disjuncts, disjunct_args = [], []
        for i, (column, column_args) in enumerate(columns):
            equal = [f"{c} = %s" for c, _ in columns[:i]]
            disjuncts.append("(" + " AND ".join([*equal, f"{column} < %s"]) + ")")
            for (_, earlier_args), value in zip(columns[:i], key[:i], strict=True):
                disjunct_args += [*earlier_args, value]
            disjunct_args += [*column_args, key[i]]
        where.append(f"{columns[0][0]} <= %s AND ({' OR '.join(disjuncts)})")
        args += [*columns[0][1], key[0], *disjunct_args]
    select = _CLAIM_COLUMNS + (f", {_RANK}" if rank_args else "")
    sql = f"SELECT {select} FROM claims_claim c"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY " + ", ".join(f"{column} DESC" for column, _ in columns) + " LIMIT %s"
    rows = _query(sql, [*rank_args, *args, *[a for _, column_args in columns for a in column_args], page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    url = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}?{environ['QUERY_STRING']}"

    def key_of(row):
        return ([row[-1]] if rank_args else []) + [row[4].isoformat(), row[0]]

    return {
        "next": _replace_query_param(url, "cursor", _cursor(ordering, key_of(rows[-1]))) if rows and more else None,
        "previous": _replace_query_param(url, "cursor", _cursor(ordering, key_of(rows[0]), backwards=True))
        if rows and "cursor" in params
        else None,
        "results": _claims(rows),
    }


def claim_detail(pk: int) -> dict:
    rows = _query(f"SELECT {_CLAIM_COLUMNS} FROM claims_claim c WHERE c.id = %s", (pk,))
    if not rows:
        raise NotFound
    return _claims(rows)[0]


def claim_thread(pk: int, max_claims: int = 500) -> dict:
    if not _query("SELECT 1 FROM claims_claim WHERE id = %s", (pk,)):
        raise NotFound
    ids = [
        row[0]
        for row in _query(
            """WITH RECURSIVE connected(id) AS (
                   SELECT CAST(%s AS BIGINT)
                   UNION
                   SELECT CASE WHEN l.from_claim_id = c.id THEN l.to_claim_id ELSE l.from_claim_id END
                   FROM claims_claimlink l JOIN connected c ON l.from_claim_id = c.id OR l.to_claim_id = c.id
               )
               SELECT id FROM connected LIMIT %s""",
            (pk, max_claims + 1),
        )
    ]
    truncated = len(ids) > max_claims
    ids = tuple(ids[:max_claims])
    rows = _query(
        f"SELECT {_THREAD_COLUMNS} FROM claims_claim c {_THREAD_JOINS} WHERE c.id IN %s ORDER BY c.claimed_on, c.id",
        (ids,),
    )
    links = _query(
        "SELECT id, from_claim_id, to_claim_id, relation, note FROM claims_claimlink"
        " WHERE from_claim_id IN %s AND to_claim_id IN %s ORDER BY id",
        (ids, ids),
    )
    return {
        "claim": pk,
        "claims": [
            {
                "id": row[0],
                "text": row[1],
                "quote": row[2],
                "source": _source(row, 6),
                "speaker": _source(row, 16),
                "via": _source(row, 26),
                "article": _article(row, 36),
                "claimed_on": row[3].isoformat(),
                "claimed_on_precision": row[4],
                "status": row[5],
            }
            for row in rows
        ],
        "links": [
            {"id": link[0], "from_claim": link[1], "to_claim": link[2], "relation": link[3], "note": link[4]}
            for link in links
        ],
        "truncated": truncated,
    }


def application(environ, start_response):
    """Route the benchmark's three reads; 404 for anything else."""
    parts = environ["PATH_INFO"].strip("/").split("/")
    try:
        if environ["REQUEST_METHOD"] != "GET" or parts[:2] != ["api", "claims"] or len(parts) > 4:
            raise NotFound
        if len(parts) == 2:
            body = claim_list(environ, parse.parse_qs(environ.get("QUERY_STRING", "")))
        elif not parts[2].isdigit() or (len(parts) == 4 and parts[3] != "thread"):
            raise NotFound
        elif len(parts) == 3:
            body = claim_detail(int(parts[2]))
        else:
            body = claim_thread(int(parts[2]))
    except NotFound:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail":"Not found."}']
    encoded = orjson.dumps(body).replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(encoded)))])
    return [encoded]
