"""The names people are shown by, counted in one row that triggers keep (claims.models.NamesVersion).

Conditional reads named the state of these names by reading every profile and every user on every
read: at 5,000 users that added 3.4 to 4.6 ms in PostgreSQL and 166 KB sent to the worker to each
read (docs/conditional-reads.md). This migration makes the counter's table; the triggers that count
are made after every `migrate` by claims.names (SQLite drops a table's triggers whenever Django
rebuilds it). Going back drops them before the table, which they write to.
"""

from django.conf import settings
from django.db import migrations, models

TRIGGERS = {
    "postgresql": [f"claims_names_{name}_{kind}" for name in ("user", "profile") for kind in ("rows", "truncate")],
    "sqlite": [
        f"claims_names_{name}_{kind}" for name in ("user", "profile") for kind in ("insert", "delete", "update")
    ],
}


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    tables = {
        "user": apps.get_model(*settings.AUTH_USER_MODEL.split("."))._meta.db_table,
        "profile": apps.get_model("claims", "Profile")._meta.db_table,
    }
    for trigger in TRIGGERS.get(vendor, []):
        table = tables[trigger.split("_")[2]]
        on = f" ON {table}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}{on}", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS claims_names_changed()", params=None)


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
        migrations.RunPython(migrations.RunPython.noop, drop_triggers, elidable=False),
    ]
