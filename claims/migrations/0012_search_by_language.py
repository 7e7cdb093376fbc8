"""Search by language (PostgreSQL): each claim's document in its own language's configuration,
its translations in theirs, Arabic normalised on both sides (docs/languages.md).

What changes from migration 0004:
- `claims_search_config_index(language)` and `claims_search_configs()`: the one place a BCP 47 code
  ("ar", "ar-SY", "fr-FR") is mapped to a text search configuration (a position in the list), read
  through `claims_search_config(language)`. English keeps `factcheck` (unaccent + English stemming),
  so English documents, and so their ranking, are unchanged; a language PostgreSQL has no stemmer
  for gets `simple`. A query's per-configuration readings are kept in the list's order
  (`claims_search_queries`), so a claim is ranked by its language's reading.
- `claims_search_normalize(text)`: Arabic letter forms folded (alef forms to alef, alef maqsura to
  yeh, taa marbuta to heh) and tashkeel, the superscript alef and tatweel removed. Applied to every
  part of every document and to every query, whatever its language: the letters are Arabic only.
- The document: the claim's text (A) and quote (B) in the claim's language, the names of its
  source, speaker, outlet and topics (C) in `factcheck` as before (names are mostly English, with
  aliases in every script), the article's title (D) in the article's language, then each
  translation's text (A) and quote (B) in the translation's language. A claim without
  translations in English gets the document it had.
- The claim's trigger also fires on a change of language or translations; the article's on a
  change of language.
- Every document is recomputed: on 1,000,000 claims this took the time written in docs/languages.md.

A query is parsed in every configuration of the list (or in the one `?lang=` names) and the parses
are ORed (`claims_search_query`): all immutable, so PostgreSQL folds a query into one constant
before planning, and the planner sees its lexemes.
"""

from django.db import migrations

# U+064B-U+065F (tashkeel and other Arabic marks), U+0670 (superscript alef), U+0640 (tatweel): removed.
_REMOVED = "".join(f"\\{c:04X}" for c in [*range(0x064B, 0x0660), 0x0670, 0x0640])
# alef with hamza above, with hamza below, with madda, alef wasla -> alef; alef maqsura -> yeh; taa marbuta -> heh.
_FROM = "\\0623\\0625\\0622\\0671\\0649\\0629"
_TO = "\\0627\\0627\\0627\\0627\\064A\\0647"

FORWARD = rf"""
-- Recomputing every claim's document may take longer than a web request may.
SET LOCAL statement_timeout = 0;

CREATE FUNCTION claims_search_normalize(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(p_text, U&'{_FROM}{_REMOVED}', U&'{_TO}')
$$;

-- The one place a language is mapped to a configuration: its position in claims_search_configs().
-- Plain SQL on text, so PostgreSQL inlines it where a query ranks each claim by its language.
CREATE FUNCTION claims_search_config_index(p_language text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(split_part(coalesce(p_language, ''), '-', 1))
        WHEN 'en' THEN 1
        WHEN 'ar' THEN 2
        WHEN 'ru' THEN 3
        WHEN 'fr' THEN 4
        WHEN 'de' THEN 5
        WHEN 'es' THEN 6
        WHEN 'tr' THEN 7
        ELSE 8
    END
$$;

CREATE FUNCTION claims_search_configs() RETURNS regconfig[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '{{factcheck, arabic, russian, french, german, spanish, turkish, simple}}'::regconfig[]
$$;

CREATE FUNCTION claims_search_config(p_language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (claims_search_configs())[claims_search_config_index(p_language)]
$$;

CREATE AGGREGATE claims_tsquery_or(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);

-- A query (to_tsquery's syntax) parsed in the language's configuration, or, without one, in every
-- configuration of the list, ORed. Empty parses (stop words) drop out of the OR.
CREATE FUNCTION claims_search_query(p_query text, p_language text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_language IS NOT NULL
        THEN to_tsquery(claims_search_config(p_language), claims_search_normalize(p_query))
        -- Each distinct reading once: most languages read a name or a number alike.
        ELSE (SELECT claims_tsquery_or(q ORDER BY n) FROM (
                  SELECT DISTINCT ON (q) q, n
                  FROM unnest(claims_search_configs()) WITH ORDINALITY AS u(c, n),
                       to_tsquery(c, claims_search_normalize(p_query)) AS q
                  ORDER BY q, n) readings)
    END
$$;

-- The query parsed in each configuration of the list, in its order: a claim is ranked by the parse in its language.
CREATE FUNCTION claims_search_queries(p_query text) RETURNS tsquery[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(to_tsquery(c, claims_search_normalize(p_query)) ORDER BY n)
    FROM unnest(claims_search_configs()) WITH ORDINALITY AS u(c, n)
$$;

CREATE AGGREGATE claims_tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

-- Parameters are prefixed so that they cannot be mistaken for columns of the same name.
CREATE FUNCTION claims_search_document(
    p_claim bigint, p_text text, p_quote text, p_language text, p_translations jsonb,
    p_source bigint, p_speaker bigint, p_via bigint, p_article bigint
) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector(claims_search_config(p_language), claims_search_normalize(coalesce(p_text, ''))), 'A')
        || setweight(to_tsvector(claims_search_config(p_language), claims_search_normalize(coalesce(p_quote, ''))), 'B')
        || setweight(to_tsvector('factcheck', claims_search_normalize(coalesce((
               SELECT string_agg(claims_names(s.name, s.aliases), ' ')
               FROM claims_source s WHERE s.id IN (p_source, p_speaker, p_via)), ''))), 'C')
        || setweight(to_tsvector('factcheck', claims_search_normalize(coalesce((
               SELECT string_agg(claims_names(t.name, t.aliases), ' ')
               FROM claims_topic t JOIN claims_claimtopic ct ON ct.topic_id = t.id
               WHERE ct.claim_id = p_claim), ''))), 'C')
        || coalesce((
               SELECT setweight(to_tsvector(claims_search_config(a.language), claims_search_normalize(a.title)), 'D')
               FROM claims_article a WHERE a.id = p_article), ''::tsvector)
        -- Each translation's text (A) and quote (B) in its language, in the list's order. Written here, not
        -- in a function of its own: a SQL function called from this one is planned again on every call
        -- (twice the time of a whole document). Most claims have none, and skip it.
        || CASE WHEN p_translations = '[]' THEN ''::tsvector ELSE coalesce((
               SELECT claims_tsvector_agg(
                   setweight(to_tsvector(claims_search_config(t->>'language'),
                                         claims_search_normalize(coalesce(t->>'text', ''))), 'A')
                   || setweight(to_tsvector(claims_search_config(t->>'language'),
                                            claims_search_normalize(coalesce(t->>'quote', ''))), 'B')
                   ORDER BY n)
               FROM jsonb_array_elements(
                   CASE WHEN jsonb_typeof(p_translations) = 'array' THEN p_translations ELSE '[]' END
               ) WITH ORDINALITY AS u(t, n)
               WHERE jsonb_typeof(t) = 'object'), ''::tsvector) END
$$;

CREATE OR REPLACE FUNCTION claims_claim_search_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := claims_search_document(
        NEW.id, NEW.text, NEW.quote, NEW.language, NEW.translations,
        NEW.source_id, NEW.speaker_id, NEW.via_id, NEW.article_id);
    RETURN NEW;
END $$;

DROP TRIGGER claims_claim_search ON claims_claim;
CREATE TRIGGER claims_claim_search
    BEFORE INSERT OR UPDATE OF text, quote, language, translations, source_id, speaker_id, via_id, article_id
    ON claims_claim FOR EACH ROW EXECUTE FUNCTION claims_claim_search_row();

CREATE OR REPLACE FUNCTION claims_refresh_search(claim_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE claims_claim c
    SET search_vector = claims_search_document(
        c.id, c.text, c.quote, c.language, c.translations, c.source_id, c.speaker_id, c.via_id, c.article_id)
    WHERE c.id = ANY(claim_ids)
$$;

DROP FUNCTION claims_search_document(bigint, text, text, bigint, bigint, bigint, bigint);

DROP TRIGGER claims_article_search ON claims_article;
CREATE TRIGGER claims_article_search
    AFTER UPDATE OF title, language ON claims_article FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION claims_article_search_changed();

-- Every document again. Without the index meanwhile: one build costs far less than a million updates of it.
DROP INDEX claims_claim_search_vector;
UPDATE claims_claim
SET search_vector = claims_search_document(
    id, text, quote, language, translations, source_id, speaker_id, via_id, article_id);
CREATE INDEX claims_claim_search_vector ON claims_claim USING gin (search_vector);
"""

# Back to migration 0004's documents: one configuration, no translations.
BACKWARD = r"""
SET LOCAL statement_timeout = 0;

CREATE FUNCTION claims_search_document(
    p_claim bigint, p_text text, p_quote text, p_source bigint, p_speaker bigint, p_via bigint, p_article bigint
) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('factcheck', coalesce(p_text, '')), 'A')
        || setweight(to_tsvector('factcheck', coalesce(p_quote, '')), 'B')
        || setweight(to_tsvector('factcheck', coalesce((
               SELECT string_agg(claims_names(s.name, s.aliases), ' ')
               FROM claims_source s WHERE s.id IN (p_source, p_speaker, p_via)), '')), 'C')
        || setweight(to_tsvector('factcheck', coalesce((
               SELECT string_agg(claims_names(t.name, t.aliases), ' ')
               FROM claims_topic t JOIN claims_claimtopic ct ON ct.topic_id = t.id
               WHERE ct.claim_id = p_claim), '')), 'C')
        || setweight(to_tsvector('factcheck', coalesce((
               SELECT a.title FROM claims_article a WHERE a.id = p_article), '')), 'D')
$$;

CREATE OR REPLACE FUNCTION claims_claim_search_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := claims_search_document(
        NEW.id, NEW.text, NEW.quote, NEW.source_id, NEW.speaker_id, NEW.via_id, NEW.article_id);
    RETURN NEW;
END $$;

DROP TRIGGER claims_claim_search ON claims_claim;
CREATE TRIGGER claims_claim_search
    BEFORE INSERT OR UPDATE OF text, quote, source_id, speaker_id, via_id, article_id ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_search_row();

CREATE OR REPLACE FUNCTION claims_refresh_search(claim_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE claims_claim c
    SET search_vector = claims_search_document(c.id, c.text, c.quote, c.source_id, c.speaker_id, c.via_id, c.article_id)
    WHERE c.id = ANY(claim_ids)
$$;

DROP TRIGGER claims_article_search ON claims_article;
CREATE TRIGGER claims_article_search
    AFTER UPDATE OF title ON claims_article FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION claims_article_search_changed();

DROP FUNCTION claims_search_document(bigint, text, text, text, jsonb, bigint, bigint, bigint, bigint);
DROP AGGREGATE claims_tsvector_agg(tsvector);
DROP FUNCTION claims_search_queries(text);
DROP FUNCTION claims_search_query(text, text);
DROP AGGREGATE claims_tsquery_or(tsquery);
DROP FUNCTION claims_search_config(text);
DROP FUNCTION claims_search_configs();
DROP FUNCTION claims_search_config_index(text);
DROP FUNCTION claims_search_normalize(text);

DROP INDEX claims_claim_search_vector;
UPDATE claims_claim
SET search_vector = claims_search_document(id, text, quote, source_id, speaker_id, via_id, article_id);
CREATE INDEX claims_claim_search_vector ON claims_claim USING gin (search_vector);
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("claims", "0011_translations_and_wikidata")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False)]
