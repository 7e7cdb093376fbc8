"""The names people are shown by, counted in one row that triggers keep (claims.models.NamesVersion).

Conditional reads named the state of these names by reading every profile and every user on every
read: at 5,000 users that added 3.4 to 4.6 ms in PostgreSQL and 166 KB sent to the worker to each read
(docs/conditional-reads.md). The triggers below add one to a single row, in the writer's own
transaction, when a display name, a login name or a staff flag changes, or a user or profile comes
or goes; the state reads that row instead. A login (`last_login`) is not counted: it changes
nothing a read shows. The same triggers on SQLite and PostgreSQL, which both have upserts and
conditional row triggers; PostgreSQL also counts a TRUNCATE.
"""

from django.conf import settings
from django.db import migrations, models

BUMP = (
    "INSERT INTO claims_namesversion (id, value) VALUES (1, 1)"
    " ON CONFLICT (id) DO UPDATE SET value = claims_namesversion.value + 1"
)

# Each watched table: the columns whose change is counted.
WATCHED = {"profile": ("user_id", "display_name"), "user": ("username", "is_staff")}


def _tables(apps):
    return {
        "profile": apps.get_model("claims", "Profile")._meta.db_table,
        "user": apps.get_model(*settings.AUTH_USER_MODEL.split("."))._meta.db_table,
    }


def _postgresql(tables):
    statements = [
        "CREATE FUNCTION claims_names_changed() RETURNS trigger LANGUAGE plpgsql"
        f" AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
    ]
    for name, table in tables.items():
        changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in WATCHED[name])
        run = "EXECUTE FUNCTION claims_names_changed()"
        statements += [
            f"CREATE TRIGGER claims_names_{name}_rows AFTER INSERT OR DELETE ON {table} FOR EACH ROW {run}",
            f"CREATE TRIGGER claims_names_{name}_update AFTER UPDATE ON {table} FOR EACH ROW WHEN ({changed}) {run}",
            f"CREATE TRIGGER claims_names_{name}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT {run}",
        ]
    return statements


def _sqlite(tables):
    statements = []
    for name, table in tables.items():
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in WATCHED[name])
        for event, condition in (("INSERT", ""), ("DELETE", ""), ("UPDATE", f" WHEN {changed}")):
            statements.append(
                f"CREATE TRIGGER claims_names_{name}_{event.lower()} AFTER {event} ON {table}{condition}"
                f" BEGIN {BUMP}; END"
            )
    return statements


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    tables = _tables(apps)
    for statement in _postgresql(tables) if vendor == "postgresql" else _sqlite(tables):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table in _tables(apps).items():
        if vendor == "postgresql":
            for kind in ("rows", "update", "truncate"):
                schema_editor.execute(f"DROP TRIGGER claims_names_{name}_{kind} ON {table}", params=None)
        else:
            for kind in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER claims_names_{name}_{kind}", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION claims_names_changed()", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_translation_languages_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NamesVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "names version"},
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
