"""The translation filter at scale: a GIN index on the claims' translations (PostgreSQL).

`?translation_language=de` asks for claims holding `[{"language": "de"}]` (JSON containment). At
1,000,000 claims with no index PostgreSQL read every claim to answer it: 915 ms when no claim had
such a translation, 190 ms for a rare language (0.1% of claims). With a jsonb_path_ops GIN index
(1.7 MB, 4 s to build there) the same requests took 32 ms and 84 ms (docs/translations.md).
On SQLite, which has no such index, this migration does nothing.
"""

from django.db import migrations

FORWARD = r"""
SET LOCAL statement_timeout = 0;
CREATE INDEX claims_claim_translations ON claims_claim USING gin (translations jsonb_path_ops);
"""

BACKWARD = "DROP INDEX claims_claim_translations;"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("claims", "0012_search_by_language")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False)]
