"""Settings come from the environment; malformed values stop start-up with a clear message."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from factcheck.settings import env_bool, env_database, env_list


def test_booleans_accept_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("yes", True), ("ON", True), ("0", False), ("false", False), ("", True)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", True) is expected


def test_a_malformed_boolean_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        env_bool("DEBUG", False)


def test_lists_split_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_database_urls_for_postgres_and_sqlite(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/factcheck")
    config = env_database("DATABASE_URL", "sqlite:///x")
    assert (config["ENGINE"], config["NAME"], config["HOST"]) == (
        "django.db.backends.postgresql",
        "factcheck",
        "127.0.0.1",
    )
    monkeypatch.delenv("DATABASE_URL")
    assert env_database("DATABASE_URL", "sqlite:////tmp/x.db")["ENGINE"] == "django.db.backends.sqlite3"


def test_an_unsupported_database_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/x")
    with pytest.raises(ImproperlyConfigured, match="only sqlite"):
        env_database("DATABASE_URL", "sqlite:///x")


def test_production_without_a_secret_key_does_not_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"DEBUG": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree():
    # A validator or constraint changed without its migration would leave the schema and the database
    # behind the code.
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def settings_with(**env) -> subprocess.CompletedProcess:
    """`manage.py shell` printing the databases' settings in this environment, or the error that stopped it."""
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; import json; print(json.dumps({"
            "a: {k: c.get(k) for k in ('HOST', 'PORT', 'NAME')} for a, c in settings.DATABASES.items()}))",
        ],
        env={k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))} | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_each_replica_url_becomes_a_database_of_its_own():
    out = settings_with(
        DATABASE_URL="postgres://app@primary.internal:5432/factcheck",
        DATABASE_REPLICA_URLS="postgres://app@r1.internal:5432/factcheck, postgres://app@r2.internal:6432/factcheck",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {
        "default": {"HOST": "primary.internal", "PORT": 5432, "NAME": "factcheck"},
        "replica_1": {"HOST": "r1.internal", "PORT": 5432, "NAME": "factcheck"},
        "replica_2": {"HOST": "r2.internal", "PORT": 6432, "NAME": "factcheck"},
    }


def test_replicas_without_a_shared_cache_do_not_start():
    out = settings_with(
        DATABASE_URL="postgres://app@primary.internal:5432/factcheck",
        DATABASE_REPLICA_URLS="postgres://app@r1.internal:5432/factcheck",
    )
    assert out.returncode != 0
    assert "DATABASE_REPLICA_URLS needs REDIS_URL" in out.stderr


def test_the_change_feed_keeps_at_least_30_days():
    out = settings_with(CHANGES_KEPT_DAYS="29")
    assert out.returncode != 0
    assert "CHANGES_KEPT_DAYS='29' must be at least 30" in out.stderr
    assert settings_with(CHANGES_KEPT_DAYS="30").returncode == 0
