"""Finding claims: ranked full-text search and similar-claim detection.

On PostgreSQL, search runs against the stored, GIN-indexed `search_vector`
that database triggers keep current (migration 0004), and similarity uses
pg_trgm. On SQLite, the same query language matches substrings and ranks by
where they were found. See docs/search.md for the reasons.

The query language is the one users know from search engines:
    militia border        both words
    "crossed into Syria"  the phrase
    -denied               not this word
    milit*                words starting with this
    Daesh OR ISIS         either
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Greatest

from claims.models import Claim, ClaimTopic, language_code
from claims.replicas import read_connection

SEARCH_CONFIG = "factcheck"  # the text search configuration made by migration 0004: English, and names


# A term: optional '-', then a "quoted phrase" (closing quote optional) or a run of non-space characters.
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


@dataclass(frozen=True)
class Term:
    """One term of a query: a word or phrase, possibly negated or a prefix."""

    text: str
    negated: bool = False
    prefix: bool = False
    phrase: bool = False


OR = "OR"

# The longest query searched: the API refuses longer ones (400), the admin searches their start. SQLite
# refuses a LIKE pattern over 50,000 bytes, which the client would see as the database failing.
MAX_QUERY_LENGTH = 1000

# Terms past this many are ignored, as web search engines do. On SQLite each term is a condition nested
# in the last: some 80 are more than SQLite can parse, some 150 more than Python can build (500s).
MAX_TERMS = 32


def parse_query(query: str) -> list[Term | str]:
    """Terms and OR markers, in order, up to MAX_TERMS terms. Words that carry no letter or digit are dropped."""
    items: list[Term | str] = []
    terms = 0
    for match in _TERM.finditer(query):
        if terms == MAX_TERMS:
            break
        negated, phrase, word = bool(match.group(1)), match.group(2), match.group(3)
        if word == OR and not negated:
            if items and items[-1] != OR:
                items.append(OR)
            continue
        text = (phrase if phrase is not None else word).strip()
        prefix = phrase is None and text.endswith("*")
        text = text.rstrip("*") if phrase is None else text
        if not any(ch.isalnum() for ch in text):
            continue
        items.append(Term(text=text, negated=negated, prefix=prefix, phrase=phrase is not None))
        terms += 1
    while items and items[-1] == OR:
        items.pop()
    return items


def _tsquery_lexeme(term: Term) -> str:
    # Quoted, so that to_tsquery treats operators in the text as text; several words become a phrase.
    quoted = "'" + term.text.replace("\\", "\\\\").replace("'", "''") + "'"
    return ("!" if term.negated else "") + quoted + (":*" if term.prefix else "")


def tsquery_text(items: list[Term | str]) -> str:
    """The query in to_tsquery's syntax; the configuration then folds case and accents and stems."""
    parts: list[str] = []
    for item in items:
        if item == OR:
            parts.append("|")
        else:
            if parts and parts[-1] != "|":
                parts.append("&")
            parts.append(_tsquery_lexeme(item))
    return " ".join(parts)


def search_claims(queryset: QuerySet, query: str, *, rank: bool = True, language: str | None = None) -> QuerySet:
    """Claims of `queryset` matching `query`, best first when `rank` is set.

    Ranking weighs a match in the claim's text above one in its quote, above
    one in the names of its source, speaker, outlet and topics (and their
    aliases), above one in the article's title. Ties go to the newest claim.

    `language` (BCP 47) is the query's language: on PostgreSQL the query is then
    read in that language's configuration only; without it, in every language's
    (docs/languages.md). SQLite matches substrings whatever the language.
    """
    items = parse_query(query)
    if not any(isinstance(item, Term) for item in items):
        return queryset
    if connection.vendor == "postgresql":
        return _search_postgresql(queryset, items, rank, language)
    return _search_substrings(queryset, items, rank)


def _groups(items: list[Term | str]) -> list[list[Term]]:
    """The terms joined by AND, in groups that OR separates."""
    groups: list[list[Term]] = [[]]
    for item in items:
        if item == OR:
            groups.append([])
        else:
            groups[-1].append(item)
    return groups


def match_sql(items: list[Term | str], language: str | None) -> tuple[str, list]:
    """The tsquery that finds the claims matching `items`, as SQL and its parameters.

    Each OR group's wanted terms are read in each language's configuration, and the readings
    ORed (migration 0012's claims_search_query): a claim matches if its document holds every
    wanted word as some language reads them all. An excluded term excludes the claims that hold
    it as any language reads it: ORing whole readings would let a claim without the English stem
    of the word through the reading of a language that stems it otherwise. Every function is
    immutable and every argument a constant, so PostgreSQL folds the whole query into one
    tsquery before planning.
    """
    parts, params = [], []
    for group in _groups(items):
        wanted = [term for term in group if not term.negated]
        conditions = []
        if wanted:
            conditions.append("claims_search_query(%s, %s)")
            params += [tsquery_text(wanted), language]
        for term in group:
            if term.negated:
                conditions.append("!! claims_search_query(%s, %s)")
                params += [_tsquery_lexeme(Term(term.text, prefix=term.prefix, phrase=term.phrase)), language]
        parts.append("(" + " && ".join(conditions) + ")")
    return " || ".join(parts), params


def rank_sql(items: list[Term | str], language: str | None, table: str) -> tuple[str, list]:
    """The rank of a matching claim, as SQL and its parameters.

    The query as its language reads it when `language` is given; otherwise as the claim's own
    language reads it. For English this is the query and the rank of migration 0004's search,
    so English ranking is unchanged. A claim found only through a translation, or through a
    reading in another language, ranks low without `language` (ties then go to the newest).
    """
    query = tsquery_text(items)
    # ts_rank is a real (float4): as double precision its value survives the trip through Python
    # unchanged, so a keyset page can start exactly at a rank (claims.api.pagination).
    if language is not None:
        return f"ts_rank({table}.search_vector, claims_search_query(%s, %s))::double precision", [query, language]
    return (
        f"ts_rank({table}.search_vector, "
        f"(claims_search_queries(%s))[claims_search_config_index({table}.language)])::double precision",
        [query],
    )


def _search_postgresql(queryset, items, rank, language):
    table = Claim._meta.db_table
    query, params = match_sql(items, language)
    matches = RawSQL(f"{table}.search_vector @@ ({query})", params, output_field=BooleanField())
    queryset = queryset.filter(matches)
    if not rank:
        return queryset
    score = RawSQL(*rank_sql(items, language, table), output_field=FloatField())
    return queryset.annotate(search_rank=score).order_by("-search_rank", "-claimed_on", "-id")


def _found_anywhere(text: str) -> Q:
    """The claim's text, quote, the names and aliases of its source, speaker and outlet,
    its topics' names and aliases, or its article's title contain `text`."""
    topics = ClaimTopic.objects.filter(claim=OuterRef("pk")).annotate(topic_aliases=Cast("topic__aliases", TextField()))
    condition = (
        Q(text__icontains=text)
        | Q(quote__icontains=text)
        | Q(article__title__icontains=text)
        | Exists(topics.filter(Q(topic__name__icontains=text) | Q(topic_aliases__icontains=text)))
    )
    for role in ("source", "speaker", "via"):
        condition |= Q(**{f"{role}__name__icontains": text}) | Q(**{f"_{role}_aliases__icontains": text})
    return condition


def _search_substrings(queryset, items, rank):
    queryset = queryset.annotate(
        **{f"_{role}_aliases": Cast(f"{role}__aliases", TextField()) for role in ("source", "speaker", "via")}
    )
    groups = _groups(items)
    # Each term's match as a true/false column: negating the bare condition would drop claims
    # where it is NULL (no speaker, no outlet) instead of keeping them.
    condition = Q()
    for g, group in enumerate(groups):
        both = Q()
        for t, term in enumerate(group):
            name = f"_found_{g}_{t}"
            queryset = queryset.annotate(
                **{name: Case(When(_found_anywhere(term.text), then=True), default=False, output_field=BooleanField())}
            )
            both &= Q(**{name: not term.negated})
        condition |= both
    queryset = queryset.filter(condition)
    if not rank:
        return queryset
    wanted = [term.text for group in groups for term in group if not term.negated]
    score = Value(0, output_field=IntegerField())
    for text in wanted:
        score = score + Case(
            When(text__icontains=text, then=Value(4)),
            When(quote__icontains=text, then=Value(2)),
            default=Value(1),
        )
    return queryset.annotate(search_rank=score).order_by("-search_rank", "-claimed_on", "-id")


# Similar claims ---------------------------------------------------------------------------------

SIMILAR_LIMIT = 10
# pg_trgm's default for its similarity operator: below it, texts share too little to be worth showing.
SIMILARITY_THRESHOLD = 0.3
# How many claims each of the two candidate sets may hold (PostgreSQL): what bounds the work of a search.
SIMILAR_CANDIDATES = 500


def similar_claims(
    text: str,
    *,
    exclude: int | None = None,
    limit: int = SIMILAR_LIMIT,
    language: str | None = None,
    translations: Iterable[dict] = (),
) -> list[Claim]:
    """The existing claims whose text, or a translation of it, is most like `text`, most similar first.

    Each claim carries its `similarity` (0 to 1, trigram similarity as pg_trgm computes it) and
    `matched_via`, the claim's text that matched: `{"language": ..., "kind": "original"}` for its own
    text, `{"language": ..., "kind": "translation"}` for one of its translations. Across languages
    (wherever a translation exists; see `_similar_across_languages`):
      - `text` is compared with the other claims' translations too: all of them, or with `language`
        given (the text's own), those into that language;
      - each of `translations` (the text's own, {"language", "text", ...}) is compared with the
        claims written in its language.
    `language` (BCP 47, English when not given) is also how `text`'s words are read: on PostgreSQL they
    are looked up in the full-text index as that language's configuration reads them.
    On PostgreSQL the full-text index finds a bounded set of candidates that share the text's
    words (see `_similar_candidates`); on SQLite the claims sharing a word with `text` are
    compared in Python.
    """
    # The admin asks with whatever was typed, even a text its form refuses: NUL, which PostgreSQL cannot
    # take in a query (a 500), or 1 MB, which SQLite refuses as a LIKE pattern. No claim holds either.
    text = _searchable(text)
    if not text:
        return []
    base = Claim.objects.select_related("source")
    if exclude is not None:
        base = base.exclude(pk=exclude)
    # A language as typed in a refused form may be anything (even NUL, which PostgreSQL cannot take): no language.
    language = language if language_code.regex.fullmatch(language or "") else None
    found = _similar(base, text, limit, language=language, translations_into=language)
    return _similar_across_languages(found, base, translations, limit)


def _searchable(text: str) -> str:
    return text.replace("\x00", "").strip()[: Claim._meta.get_field("text").max_length]


# `translations_into` when a text is compared with no translation: their own text only.
OWN_TEXT_ONLY = ""


def _similar(
    base: QuerySet, text: str, limit: int, *, language: str | None, translations_into: str | None
) -> list[Claim]:
    """The claims of `base` most like `text` (written in `language`), by their text or by their
    translations into `translations_into` (any language when None, none when OWN_TEXT_ONLY)."""
    if connection.vendor == "postgresql":
        candidates = _similar_candidates(text, language or "en")
        if candidates is None:
            return []
        table = Claim._meta.db_table
        score = RawSQL(f"similarity({table}.text, %s)", [text], output_field=FloatField())
        translated = _translation_scores(text, translations_into)
        found = base.filter(pk__in=candidates).annotate(text_similarity=score, **translated)
        best = Greatest("text_similarity", "translation_similarity")
        found = found.annotate(similarity=best).filter(similarity__gte=SIMILARITY_THRESHOLD)
        claims = list(found.order_by("-similarity", "-id")[:limit])
        for claim in claims:
            claim.matched_via = _matched_via(claim, claim.text_similarity, claim.translation_similarity)
        return claims
    return _similar_in_python(base, text, limit, translations_into)


def _similar_candidates(text: str, language: str) -> RawSQL | None:
    """The ids of at most 3 x SIMILAR_CANDIDATES claims to score against `text`, or None if it has no words.

    pg_trgm's own indexes cannot answer this at a million claims: news text shares most of its
    trigrams with tens of thousands of claims, and both its GIN index (`text %% ...`) and its GiST
    index (`ORDER BY text <-> ...`) took 1 to 2 s (docs/search-and-sharing.md). The candidates come
    from the full-text index instead, by the text's words (lexemes), rarest first, as the planner's
    statistics count them (`pg_stats.most_common_elems` of `search_vector`; a word not listed there
    is rarer than any that is). Three sets, each capped:
      - the claims that hold every word of the text: its near-copies;
      - those that hold all but its two rarest words: the same sentence about another place or person;
      - those that hold its rarest words: any of them, while they are rare enough to stay within the
        cap together; otherwise all of the fewest rarest that are.
    On a small record (no statistics yet) the last set is every claim sharing a word, so the answer
    is exact there.
    """
    with read_connection(Claim).cursor() as cursor:
        cursor.execute(_LEXEME_FREQUENCIES, [language, text, Claim._meta.db_table, Claim._meta.db_table])
        rows = cursor.fetchall()
    if not rows:
        return None
    claims = max(rows[0][2], 0)  # reltuples: -1 before the table's first ANALYZE
    terms = [_tsquery_lexeme(Term(text=lexeme)) for lexeme, _, _ in rows]
    counts = [frequency * claims for _, frequency, _ in rows]
    # The second set holds the first, but either may be cut at its cap: the first keeps the closest copies.
    sets = [" & ".join(terms)]
    if len(terms) > 1:
        sets.append(" & ".join(terms[min(2, len(terms) - 1) :]))
    # The rarest words: any of them while together they stay within the cap; otherwise all of the fewest.
    rare = 1
    while rare < len(terms) and sum(counts[: rare + 1]) <= SIMILAR_CANDIDATES:
        rare += 1
    if sum(counts[:rare]) <= SIMILAR_CANDIDATES:
        sets.append(" | ".join(terms[:rare]))
    else:
        rare, share = 1, counts[0] / claims
        while rare < len(terms) and share * claims > SIMILAR_CANDIDATES:
            share *= counts[rare] / claims
            rare += 1
        sets.append(" & ".join(terms[:rare]))
    table = Claim._meta.db_table
    # 'simple': the lexemes are already stemmed. Each set is a bitmap scan of the GIN index, cut at its cap.
    union = " UNION ".join(
        f"(SELECT id FROM {table} WHERE search_vector @@ to_tsquery('simple', %s) LIMIT %s)" for _ in sets
    )
    return RawSQL(f"SELECT id FROM ({union}) candidates", [p for query in sets for p in (query, SIMILAR_CANDIDATES)])


# The text's lexemes, rarest first, with the share of claims holding each (0 when the statistics do not
# list it), and the planner's count of claims.
_LEXEME_FREQUENCIES = """
WITH words AS (
    SELECT DISTINCT unnest(tsvector_to_array(
        to_tsvector(claims_search_config(%s), claims_search_normalize(%s)))) AS lexeme
),
common AS (
    SELECT element, frequency
    FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) AS listed(element, frequency)
    WHERE schemaname = current_schema() AND tablename = %s AND attname = 'search_vector'
)
SELECT words.lexeme, coalesce(common.frequency, 0),
       (SELECT reltuples FROM pg_class WHERE oid = %s::regclass)
FROM words LEFT JOIN common ON common.element = words.lexeme
ORDER BY 2, 1
"""


def _similar_in_python(base, text, limit, translations_into=None):
    words = sorted({w for w in re.findall(r"\w+", text.lower()) if len(w) > 3}, key=len, reverse=True)[:8]
    if not words:
        return []
    shares_a_word = Q()
    for word in words:
        shares_a_word |= Q(text__icontains=word)
        if translations_into != OWN_TEXT_ONLY:
            # The translations as stored JSON text: a word of one of them is found there too.
            shares_a_word |= Q(translations__icontains=word)
    wanted = trigrams(text)
    scored = []
    for claim in base.filter(shares_a_word).order_by("-id")[:2000]:
        claim.translation_similarity, claim.translation_language = 0.0, None
        for translation in _translations_into(claim.translations, translations_into):
            score = trigram_similarity(wanted, trigrams(translation["text"]))
            if score > claim.translation_similarity:
                claim.translation_similarity, claim.translation_language = score, translation["language"]
        text_score = trigram_similarity(wanted, trigrams(claim.text))
        claim.similarity = max(text_score, claim.translation_similarity)
        if claim.similarity >= SIMILARITY_THRESHOLD:
            claim.matched_via = _matched_via(claim, text_score, claim.translation_similarity)
            scored.append(claim)
    scored.sort(key=lambda claim: (-claim.similarity, -claim.pk))
    return scored[:limit]


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: of each lower-cased word, padded with two spaces before and one after."""
    grams = set()
    for word in re.findall(r"\w+", text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: set[str], b: set[str]) -> float:
    """Shared trigrams over all trigrams, as pg_trgm's similarity()."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# Similar claims across languages ---------------------------------------------------------------
# Wherever a translation exists: a claim's text against the others' translations (in `_similar`), and
# its translations against the others' texts (here). Two claims in different languages with no
# translation between them are compared only as any two claims are, text with text; a translation
# only in the language it is labelled with.


def primary_language(code: str) -> str:
    """'en-GB' -> 'en': a translation into English serves a claim written in British English."""
    return code.split("-", 1)[0].lower()


def _translations_into(translations, language: str | None) -> list[dict]:
    """The translations (as stored on a claim) into `language`: all when None, none when OWN_TEXT_ONLY."""
    if language is None:
        return list(translations)
    return [t for t in translations if primary_language(t["language"]) == primary_language(language)]


def _translation_scores(text: str, language: str | None) -> dict:
    """Annotations (PostgreSQL): the best similarity of `text` to one of the claim's translations into
    `language` (0 without any), and that translation's language. Scored for the candidates only."""
    if language == OWN_TEXT_ONLY:
        return {"translation_similarity": Value(0.0), "translation_language": Value(None, output_field=TextField())}
    table = Claim._meta.db_table
    into = "" if language is None else " WHERE split_part(t->>'language', '-', 1) = %s"
    params = [] if language is None else [primary_language(language)]

    def best(column: str, column_params: list) -> RawSQL:
        # The translation most like the text: its similarity, or its language.
        sql = (
            f"(SELECT {column} FROM jsonb_array_elements({table}.translations) t{into}"
            " ORDER BY similarity(t->>'text', %s) DESC LIMIT 1)"
        )
        return RawSQL(sql, [*column_params, *params, text])

    return {
        "translation_similarity": Coalesce(
            best("similarity(t->>'text', %s)", [text]), Value(0.0), output_field=FloatField()
        ),
        "translation_language": best("t->>'language'", []),
    }


def _matched_via(claim: Claim, text_similarity: float, translation_similarity: float) -> dict:
    """Which of the claim's texts matched: its own (ties go to it), or its best translation."""
    if translation_similarity > text_similarity:
        return {"language": claim.translation_language, "kind": "translation"}
    return {"language": claim.language, "kind": "original"}


# Each translation compared is one more search as costly as the text's (docs/search-and-sharing.md): a
# claim may have 20. The human ones first, then in their order.
SIMILAR_TRANSLATIONS = 2


def _similar_across_languages(found: list[Claim], base: QuerySet, translations: Iterable[dict], limit: int) -> list:
    """`found`, with the claims each of `translations` (the first SIMILAR_TRANSLATIONS, human ones first)
    finds among those written in its language; each claim once, at its best similarity, most similar first."""
    best = {claim.pk: claim for claim in found}
    chosen = sorted(translations, key=lambda translation: translation["kind"] != "human")[:SIMILAR_TRANSLATIONS]
    for translation in chosen:
        text, language = _searchable(translation["text"]), primary_language(translation["language"])
        in_language = base.filter(Q(language=language) | Q(language__startswith=f"{language}-"))
        # Their translations are not compared with ours: their own text, in this language, is.
        found_here = (
            _similar(in_language, text, limit, language=language, translations_into=OWN_TEXT_ONLY) if text else []
        )
        for claim in found_here:
            if claim.matched_via["kind"] == "original" and (
                claim.pk not in best or claim.similarity > best[claim.pk].similarity
            ):
                best[claim.pk] = claim
    return sorted(best.values(), key=lambda claim: (-claim.similarity, -claim.pk))[:limit]
