"""Full-text and similarity search on PostgreSQL (see docs/search.md).

The claim's search document is a `search_vector` column that only the database
writes: triggers recompute it when the claim, its topics, or the source,
topic or article it names change, so every write path (admin, API, commands,
bulk inserts, COPY, raw SQL) keeps it current. Django's model does not declare
the column, so no query fetches it by accident. On SQLite this migration does
nothing and search falls back to substring matching.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FORWARD = r"""
-- Filling the column for every existing claim may take longer than a web request may.
SET LOCAL statement_timeout = 0;

-- English stemming with accents folded, for every kind of word token.
CREATE TEXT SEARCH CONFIGURATION factcheck (COPY = english);
ALTER TEXT SEARCH CONFIGURATION factcheck
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, english_stem;

ALTER TABLE claims_claim ADD COLUMN search_vector tsvector;

-- The names a source or topic goes by: its name and every alias.
CREATE FUNCTION claims_names(name text, aliases jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT name || ' ' || coalesce((SELECT string_agg(a, ' ') FROM jsonb_array_elements_text(aliases) AS a), '')
$$;

-- Parameters are prefixed so that they cannot be mistaken for columns of the same name.
-- Weights: A the claim's text, B its quote, C the names of its sources and topics, D the article's title.
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

CREATE FUNCTION claims_claim_search_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := claims_search_document(
        NEW.id, NEW.text, NEW.quote, NEW.source_id, NEW.speaker_id, NEW.via_id, NEW.article_id);
    RETURN NEW;
END $$;

CREATE TRIGGER claims_claim_search
    BEFORE INSERT OR UPDATE OF text, quote, source_id, speaker_id, via_id, article_id ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_search_row();

-- Recomputes the documents of the given claims (after a change to what they name).
CREATE FUNCTION claims_refresh_search(claim_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE claims_claim c
    SET search_vector = claims_search_document(c.id, c.text, c.quote, c.source_id, c.speaker_id, c.via_id, c.article_id)
    WHERE c.id = ANY(claim_ids)
$$;

CREATE FUNCTION claims_claimtopic_search_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_search(ARRAY(SELECT DISTINCT claim_id FROM changed_rows));
    RETURN NULL;
END $$;

CREATE TRIGGER claims_claimtopic_search_insert
    AFTER INSERT ON claims_claimtopic REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_claimtopic_search_added();
CREATE TRIGGER claims_claimtopic_search_delete
    AFTER DELETE ON claims_claimtopic REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_claimtopic_search_added();

-- An assignment moved to another topic or claim (by UPDATE, which Django itself never issues).
CREATE FUNCTION claims_claimtopic_search_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_search(ARRAY(
        SELECT claim_id FROM old_rows UNION SELECT claim_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE TRIGGER claims_claimtopic_search_update
    AFTER UPDATE ON claims_claimtopic REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_claimtopic_search_moved();

CREATE FUNCTION claims_source_search_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_search(ARRAY(
        SELECT id FROM claims_claim WHERE source_id = NEW.id OR speaker_id = NEW.id OR via_id = NEW.id));
    RETURN NULL;
END $$;

CREATE TRIGGER claims_source_search
    AFTER UPDATE OF name, aliases ON claims_source FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.aliases IS DISTINCT FROM NEW.aliases)
    EXECUTE FUNCTION claims_source_search_changed();

CREATE FUNCTION claims_topic_search_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_search(ARRAY(SELECT claim_id FROM claims_claimtopic WHERE topic_id = NEW.id));
    RETURN NULL;
END $$;

CREATE TRIGGER claims_topic_search
    AFTER UPDATE OF name, aliases ON claims_topic FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.aliases IS DISTINCT FROM NEW.aliases)
    EXECUTE FUNCTION claims_topic_search_changed();

CREATE FUNCTION claims_article_search_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_search(ARRAY(SELECT id FROM claims_claim WHERE article_id = NEW.id));
    RETURN NULL;
END $$;

CREATE TRIGGER claims_article_search
    AFTER UPDATE OF title ON claims_article FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION claims_article_search_changed();

UPDATE claims_claim
SET search_vector = claims_search_document(id, text, quote, source_id, speaker_id, via_id, article_id);

CREATE INDEX claims_claim_search_vector ON claims_claim USING gin (search_vector);
-- For similar-claim detection (pg_trgm's similarity operator).
CREATE INDEX claims_claim_text_trgm ON claims_claim USING gin (text gin_trgm_ops);
"""

BACKWARD = r"""
DROP INDEX claims_claim_text_trgm;
DROP TRIGGER claims_article_search ON claims_article;
DROP FUNCTION claims_article_search_changed();
DROP TRIGGER claims_topic_search ON claims_topic;
DROP FUNCTION claims_topic_search_changed();
DROP TRIGGER claims_source_search ON claims_source;
DROP FUNCTION claims_source_search_changed();
DROP TRIGGER claims_claimtopic_search_insert ON claims_claimtopic;
DROP TRIGGER claims_claimtopic_search_delete ON claims_claimtopic;
DROP TRIGGER claims_claimtopic_search_update ON claims_claimtopic;
DROP FUNCTION claims_claimtopic_search_moved();
DROP FUNCTION claims_claimtopic_search_added();
DROP FUNCTION claims_refresh_search(bigint[]);
DROP TRIGGER claims_claim_search ON claims_claim;
DROP FUNCTION claims_claim_search_row();
DROP FUNCTION claims_search_document(bigint, text, text, bigint, bigint, bigint, bigint);
DROP FUNCTION claims_names(text, jsonb);
ALTER TABLE claims_claim DROP COLUMN search_vector;
DROP TEXT SEARCH CONFIGURATION factcheck;
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_history_and_versions")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False),
    ]
