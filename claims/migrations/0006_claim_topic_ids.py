"""The topic filter at scale: each claim's topic ids in an indexed array, kept by triggers (PostgreSQL).

A dashboard's "claims on this topic, with this status, in this date range" joined the
claim-topic table: at 1,000,000 claims PostgreSQL read every claim of a common topic
(10,000 rows, 80-110 ms) to keep the 200 of the right status and dates. With the topic ids
in a GIN-indexed array on the claim and an index on (status, claimed_on, id), it intersects
two bitmaps instead and reads only the matching rows (3 ms). docs/performance.md has the plans.

Like `search_vector`, `topic_ids` is not on the Django model: the claim-topic triggers of
migration 0004 now also recompute it, so every write path keeps it current. On SQLite this
migration only swaps the status index for the (status, claimed_on, id) one.
"""

from django.db import migrations, models

FORWARD = r"""
SET LOCAL statement_timeout = 0;

ALTER TABLE claims_claim ADD COLUMN topic_ids bigint[] NOT NULL DEFAULT '{}';
UPDATE claims_claim c SET topic_ids = t.ids
FROM (SELECT claim_id, array_agg(topic_id ORDER BY topic_id) AS ids FROM claims_claimtopic GROUP BY claim_id) t
WHERE t.claim_id = c.id;

-- Recomputes the topic ids of the given claims (after their topics changed).
CREATE FUNCTION claims_refresh_topic_ids(claim_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE claims_claim c
    SET topic_ids = coalesce(
        (SELECT array_agg(ct.topic_id ORDER BY ct.topic_id) FROM claims_claimtopic ct WHERE ct.claim_id = c.id), '{}')
    WHERE c.id = ANY(claim_ids)
$$;

CREATE OR REPLACE FUNCTION claims_claimtopic_search_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_topic_ids(ARRAY(SELECT DISTINCT claim_id FROM changed_rows));
    PERFORM claims_refresh_search(ARRAY(SELECT DISTINCT claim_id FROM changed_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION claims_claimtopic_search_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_topic_ids(ARRAY(SELECT claim_id FROM old_rows UNION SELECT claim_id FROM new_rows));
    PERFORM claims_refresh_search(ARRAY(SELECT claim_id FROM old_rows UNION SELECT claim_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE INDEX claims_claim_topic_ids ON claims_claim USING gin (topic_ids);
"""

BACKWARD = r"""
DROP INDEX claims_claim_topic_ids;
CREATE OR REPLACE FUNCTION claims_claimtopic_search_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_search(ARRAY(SELECT DISTINCT claim_id FROM changed_rows));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION claims_claimtopic_search_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_refresh_search(ARRAY(
        SELECT claim_id FROM old_rows UNION SELECT claim_id FROM new_rows));
    RETURN NULL;
END $$;
DROP FUNCTION claims_refresh_topic_ids(bigint[]);
ALTER TABLE claims_claim DROP COLUMN topic_ids;
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_validation_rules")]

    operations = [
        migrations.RemoveIndex(model_name="claim", name="claims_clai_status_b4f911_idx"),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["status", "claimed_on", "id"], name="claims_clai_status_ce01f8_idx"),
        ),
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False),
    ]
