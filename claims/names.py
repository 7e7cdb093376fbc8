"""The triggers that count changes to the names people are shown by (claims.models.NamesVersion).

Each insert or delete of a user or a profile, and each update that changes a display name, a login
name or a staff flag, adds one to NamesVersion's single row in the writer's own transaction, so the
new count becomes visible exactly when the new name does, whoever writes it (the admin, a command,
SQL by hand). A login (`last_login`) counts nothing. Conditional reads name the count in their state
(claims.api.conditional; docs/conditional-reads.md, "Names").

Made after every `migrate` (post_migrate), not by a migration: SQLite drops a table's triggers when
Django rebuilds the table, which it does for most column changes, so they must come back after any
migration of the users or profiles tables. On PostgreSQL the columns are compared inside the
function, not in the triggers' WHEN clauses, so that no column type change is refused for a trigger.
"""

from django.contrib.auth import get_user_model
from django.db import connections

from claims.models import NamesVersion, Profile

TABLE = NamesVersion._meta.db_table
BUMP = f"INSERT INTO {TABLE} (id, value) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET value = {TABLE}.value + 1"


def _watched() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each watched table, by a short name: (its table, the columns whose change counts)."""
    user = get_user_model()
    username = user._meta.get_field(user.USERNAME_FIELD).column
    return {
        "user": (user._meta.db_table, (username, "is_staff")),
        "profile": (Profile._meta.db_table, ("user_id", "display_name")),
    }


_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION claims_names_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- The columns to compare are the trigger's arguments.
        FOR i IN 0 .. TG_NARGS - 1 LOOP
            IF to_jsonb(OLD) -> TG_ARGV[i] IS DISTINCT FROM to_jsonb(NEW) -> TG_ARGV[i] THEN
                {BUMP};
                RETURN NULL;
            END IF;
        END LOOP;
        RETURN NULL;
    END IF;
    {BUMP};
    RETURN NULL;
END $$
"""


def _postgresql(watched) -> list[str]:
    statements = [_POSTGRESQL_FUNCTION]
    for name, (table, columns) in watched.items():
        arguments = ", ".join(f"'{column}'" for column in columns)
        statements += [
            f"CREATE OR REPLACE TRIGGER claims_names_{name}_rows AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION claims_names_changed({arguments})",
            f"CREATE OR REPLACE TRIGGER claims_names_{name}_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION claims_names_changed()",
        ]
    return statements


def _sqlite(watched) -> list[str]:
    statements = []
    for name, (table, columns) in watched.items():
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        for event, condition in (("INSERT", ""), ("DELETE", ""), ("UPDATE", f" WHEN {changed}")):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS claims_names_{name}_{event.lower()} AFTER {event} ON {table}{condition}"
                f" BEGIN {BUMP}; END"
            )
    return statements


def install_name_triggers(sender=None, *, using="default", **kwargs) -> None:
    """post_migrate's receiver: (re)make the triggers, once the counter's table is there (migration 0014).

    The models are the current ones: the triggers are for the tables as a full migrate leaves them.
    """
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):
            return
        watched = _watched()
        for statement in _postgresql(watched) if connection.vendor == "postgresql" else _sqlite(watched):
            cursor.execute(statement)
