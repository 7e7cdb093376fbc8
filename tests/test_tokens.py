"""API tokens: a digest at rest, the secret shown once, expiry, revocation, last use, scopes.

Which role and scope may call which endpoint is in tests/test_permission_matrix.py; here, what a
token's owner notices, and what a copy of the database gives away (nothing usable).
"""

import datetime
import json
import os
import re
import subprocess
import sys
from importlib import import_module
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from claims.tokens.auth import TokenScopePermission
from claims.tokens.models import ApiToken
from claims.tokens.services import token_issue
from tests.factories import logged_in, make_claim, make_token, make_topic, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-9"  # what tests.factories.make_user gives every user


def as_token(secret: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {secret}")


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def authenticates(secret: str) -> bool:
    """Whether `secret` gets past authentication (the token list needs a signed-in user)."""
    status = as_token(secret).get("/api/tokens/").status_code
    assert status in (200, 401), status
    return status == 200


# ---------------------------------------------------------------------------------------------
# A copy of the database gives no token away.
# ---------------------------------------------------------------------------------------------


def issue_every_kind_of_token(capsys) -> list[str]:
    """Tokens made every way there is, their secrets as each way showed them."""
    editor = make_user("editor", groups=["editors"], is_staff=True)
    boss = make_user("boss", is_staff=True, is_superuser=True)
    secrets = []
    issued = session_client(editor).post("/api/tokens/", {"name": "laptop", "scope": "admin"}, format="json")
    secrets.append(issued.json()["token"])
    login = APIClient().post("/api/auth/token/", {"username": "editor", "password": PASSWORD}, format="json")
    secrets.append(login.json()["token"])
    call_command("create_user", "nadia", "--role", "editor", "--scope", "read")
    secrets.append(re.search(r"API token: (\w+)", capsys.readouterr().out).group(1))
    page = logged_in(boss).post(
        reverse("admin:tokens_apitoken_add"),
        {"user": editor.pk, "name": "from the admin", "scope": "write", "expires_in_days": "7"},
    )
    secrets.append(page.context["secret"])
    secrets.append(move_legacy_key("0123456789abcdef0123456789abcdef01234567", editor))
    assert all(authenticates(secret) for secret in secrets), "each way of issuing gives a working token"
    return secrets


def candidates(dump: str) -> set[str]:
    """Every string of a dump that could be sent as a token: each run of token characters, and each
    whitespace-separated word and quoted string that a header can carry."""
    found = set(re.findall(r"[A-Za-z0-9_]+", dump))
    found |= {word for word in dump.split() if word.isprintable()}
    found |= {text for text in re.findall(r'"([^"\n]*)"', dump) if text.isprintable()}
    # A header holds Latin-1 text only: what cannot be encoded so cannot be sent.
    return {text for text in found if text and text.encode("latin-1", "ignore").decode("latin-1") == text}


def assert_no_string_authenticates(dump: str, secrets: list[str]) -> None:
    strings = candidates(dump)
    assert len(strings) > 100, "the dump is (nearly) empty"
    for secret in secrets:
        assert secret not in dump
    usable = [text for text in sorted(strings) if as_token(text).get("/api/tokens/").status_code != 401]
    assert usable == []


def test_a_dumpdata_dump_holds_no_usable_token(capsys):
    secrets = issue_every_kind_of_token(capsys)
    out = StringIO()

    call_command("dumpdata", stdout=out)

    dump = out.getvalue()
    rows = [row for row in json.loads(dump) if row["model"] == "tokens.apitoken"]
    assert len(rows) == len(secrets), "the dump holds the tokens, as digests"
    assert_no_string_authenticates(dump, secrets)


@pytest.mark.django_db(transaction=True)  # pg_dump reads committed rows, through its own connection
def test_a_sql_dump_of_the_database_holds_no_usable_token(capsys):
    secrets = issue_every_kind_of_token(capsys)

    if connection.vendor == "postgresql":
        db = connection.settings_dict
        dump = subprocess.run(
            ["pg_dump", "--data-only", "-h", db["HOST"], "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""},
        ).stdout
    else:  # SQLite's own dump of the whole database, as `.dump` prints it
        connection.ensure_connection()
        dump = "\n".join(connection.connection.iterdump())

    assert "tokens_apitoken" in dump
    assert_no_string_authenticates(dump, secrets)


# ---------------------------------------------------------------------------------------------
# Tokens that existed before (DRF's authtoken) keep working.
# ---------------------------------------------------------------------------------------------

LEGACY_COLUMNS = {
    "sqlite": '"key" varchar(40) NOT NULL PRIMARY KEY, "created" datetime NOT NULL, "user_id" integer NOT NULL',
    "postgresql": '"key" varchar(40) NOT NULL PRIMARY KEY, "created" timestamp with time zone NOT NULL, '
    '"user_id" integer NOT NULL',
}


def move_legacy_key(key: str, user) -> str:
    """Put `key` in a DRF authtoken table as the last release left it, run migration 0002, return `key`."""
    with connection.cursor() as cursor:
        if "authtoken_token" not in connection.introspection.table_names():
            cursor.execute(f"CREATE TABLE authtoken_token ({LEGACY_COLUMNS[connection.vendor]})")
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)", [key, timezone.now(), user.pk]
        )
    state = MigrationExecutor(connection).loader.project_state(("tokens", "0002_move_drf_tokens"))
    migration = import_module("claims.tokens.migrations.0002_move_drf_tokens")
    migration.move_drf_tokens(state.apps, SimpleNamespace(connection=connection))
    return key


def test_the_migration_keeps_drf_tokens_working_and_deletes_their_keys():
    editor = make_user("editor", groups=["editors"])
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"

    move_legacy_key(key, editor)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0, "no plaintext key is left behind"
    token = ApiToken.objects.get(user=editor)
    assert (token.name, token.scope) == ("API token from before scopes", "write")
    assert key not in (token.digest, token.token_key)
    assert token.expiry > timezone.now() + datetime.timedelta(days=89)
    topic = make_topic()
    assert as_token(key).patch(f"/api/topics/{topic.pk}/", {"name": "Renamed"}, format="json").status_code == 200


def test_the_migration_has_nothing_to_do_without_drf_tokens():
    assert "authtoken_token" not in connection.introspection.table_names()
    state = MigrationExecutor(connection).loader.project_state(("tokens", "0002_move_drf_tokens"))
    import_module("claims.tokens.migrations.0002_move_drf_tokens").move_drf_tokens(
        state.apps, SimpleNamespace(connection=connection)
    )
    assert not ApiToken.objects.exists()


# ---------------------------------------------------------------------------------------------
# Issuing: the secret is shown once.
# ---------------------------------------------------------------------------------------------


def test_a_new_tokens_secret_is_in_its_creation_response_only():
    editor = make_user("editor", groups=["editors"])
    client = session_client(editor)

    created = client.post("/api/tokens/", {"name": "ci", "scope": "read"}, format="json")

    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("fc_") and len(secret) == 67
    listed = client.get("/api/tokens/")
    shown = client.get(f"/api/tokens/{created.json()['id']}/")
    assert [t["name"] for t in listed.json()["results"]] == ["ci"]
    for response in (listed, shown):
        assert secret not in response.content.decode()
        assert secret[3:] not in response.content.decode()
    assert set(shown.json()) == {"id", "name", "scope", "created", "expiry", "last_used"}
    stored = ApiToken.objects.get()
    assert secret not in {str(value) for value in vars(stored).values()}


def test_the_admin_shows_a_new_secret_on_the_answering_page_and_keeps_it_nowhere():
    editor = make_user("editor", groups=["editors"], is_staff=True)
    client = logged_in(editor)

    page = client.post(
        reverse("admin:tokens_apitoken_add"), {"name": "script", "scope": "write", "expires_in_days": "30"}
    )

    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert authenticates(secret)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope) == (editor, "script", "write")
    change_page = client.get(reverse("admin:tokens_apitoken_change", args=[token.pk]))
    listing = client.get(reverse("admin:tokens_apitoken_changelist"))
    for response in (change_page, listing):
        assert response.status_code == 200
        assert secret not in response.content.decode()
    assert list(page.wsgi_request._messages) == [], "not in a message waiting in the session"


def test_each_staff_user_sees_only_their_own_tokens_in_the_admin_and_superusers_see_all():
    editor = make_user("editor", groups=["editors"], is_staff=True)
    other = make_user("other", groups=["editors"], is_staff=True)
    boss = make_user("boss", is_staff=True, is_superuser=True)
    mine, theirs = (
        token_issue(user=editor, name="mine", scope="read")[0],
        token_issue(user=other, name="theirs", scope="read")[0],
    )
    url = reverse("admin:tokens_apitoken_changelist")

    editors_list = logged_in(editor).get(url)
    boss_list = logged_in(boss).get(url)

    assert [t.name for t in editors_list.context["cl"].result_list] == ["mine"]
    assert sorted(t.name for t in boss_list.context["cl"].result_list) == ["mine", "theirs"]
    # Revoking from the admin: one's own, yes; another's is not there to revoke.
    assert logged_in(editor).post(reverse("admin:tokens_apitoken_delete", args=[theirs.pk]), {"post": "yes"})
    assert logged_in(editor).post(reverse("admin:tokens_apitoken_delete", args=[mine.pk]), {"post": "yes"})
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["theirs"]


# ---------------------------------------------------------------------------------------------
# Expiry.
# ---------------------------------------------------------------------------------------------


def test_a_token_lasts_the_default_number_of_days_unless_asked(settings):
    settings.TOKEN_EXPIRY_DAYS = 30
    client = session_client(make_user("editor"))
    before = timezone.now()

    default = client.post("/api/tokens/", {"name": "a", "scope": "read"}, format="json").json()
    asked = client.post("/api/tokens/", {"name": "b", "scope": "read", "expires_in_days": 2}, format="json").json()

    after = timezone.now()
    for data, days in ((default, 30), (asked, 2)):
        expiry = datetime.datetime.fromisoformat(data["expiry"])
        assert before + datetime.timedelta(days=days) <= expiry <= after + datetime.timedelta(days=days)


@pytest.mark.parametrize("days", [0, -1, 366, "soon", None, 2.5])
def test_a_lifetime_outside_one_day_to_the_maximum_is_refused_naming_the_field(days):
    client = session_client(make_user("editor"))

    response = client.post("/api/tokens/", {"name": "a", "scope": "read", "expires_in_days": days}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["expires_in_days"]
    assert not ApiToken.objects.exists()


def test_the_maximum_lifetime_is_the_setting_in_force(settings):
    settings.TOKEN_MAX_EXPIRY_DAYS = 10
    client = session_client(make_user("editor"))

    refused = client.post("/api/tokens/", {"name": "a", "scope": "read", "expires_in_days": 11}, format="json")
    allowed = client.post("/api/tokens/", {"name": "a", "scope": "read", "expires_in_days": 10}, format="json")

    assert (refused.status_code, allowed.status_code) == (400, 201)
    assert "10" in refused.json()["expires_in_days"][0]


def test_an_expired_token_is_refused_but_stays_in_its_owners_list():
    editor = make_user("editor", groups=["editors"])
    token, secret = token_issue(user=editor, name="old", scope="write")
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))

    response = as_token(secret).get("/api/claims/")

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    listed = session_client(editor).get("/api/tokens/").json()["results"]
    assert [(t["name"], t["id"]) for t in listed] == [("old", token.pk)]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TOKEN_EXPIRY_DAYS": "ninety"}, "TOKEN_EXPIRY_DAYS='ninety' is not a whole number"),
        ({"TOKEN_MAX_EXPIRY_DAYS": "0"}, "TOKEN_MAX_EXPIRY_DAYS='0' must be at least 1"),
        ({"TOKEN_EXPIRY_DAYS": "400"}, "TOKEN_EXPIRY_DAYS=400 is more than TOKEN_MAX_EXPIRY_DAYS=365"),
    ],
)
def test_malformed_token_lifetimes_stop_start_up(env, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={k: v for k, v in os.environ.items() if not k.startswith("TOKEN_")} | env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


# ---------------------------------------------------------------------------------------------
# Revoking, and whose tokens one sees.
# ---------------------------------------------------------------------------------------------


def test_a_revoked_token_stops_working_at_once():
    editor = make_user("editor", groups=["editors"])
    secret = make_token(editor, "admin")
    other = ApiToken.objects.get()
    spare_secret = make_token(editor, "read")
    spare = ApiToken.objects.exclude(pk=other.pk).get()

    response = as_token(secret).delete(f"/api/tokens/{spare.pk}/")

    assert response.status_code == 204
    assert not authenticates(spare_secret)
    assert authenticates(secret)
    # A token may revoke itself (the last thing it does).
    assert as_token(secret).delete(f"/api/tokens/{other.pk}/").status_code == 204
    assert not ApiToken.objects.exists()


def test_a_user_neither_sees_nor_revokes_another_users_tokens():
    editor, other = make_user("editor"), make_user("other")
    theirs = token_issue(user=other, name="theirs", scope="read")[0]
    client = as_token(make_token(editor, "admin"))

    listed = client.get("/api/tokens/").json()["results"]
    shown = client.get(f"/api/tokens/{theirs.pk}/")
    revoked = client.delete(f"/api/tokens/{theirs.pk}/")

    assert [t["name"] for t in listed] == ["test token"]
    assert (shown.status_code, revoked.status_code) == (404, 404)
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("pk", ["abc", "+1", "0", "99999999999999999999"])
def test_a_token_id_that_is_not_one_is_a_404(pk):
    client = session_client(make_user("editor"))
    token_issue(user=User.objects.get(), name="t", scope="read")
    assert client.get(f"/api/tokens/{pk}/").status_code == 404
    assert client.delete(f"/api/tokens/{pk}/").status_code == 404
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scope": "read"}, "name"),
        ({"name": "", "scope": "read"}, "name"),
        ({"name": "x" * 101, "scope": "read"}, "name"),
        ({"name": "a\x00b", "scope": "read"}, "name"),
        ({"name": "a"}, "scope"),
        ({"name": "a", "scope": "root"}, "scope"),
        ({"name": "a", "scope": ["read"]}, "scope"),
        # JSON types as the schema has them: DRF would take these as "0", "read"'s neighbours and 5.
        ({"name": 0, "scope": "read"}, "name"),
        ({"name": "   ", "scope": "read"}, "name"),
        ({"name": "a", "scope": True}, "scope"),
        ({"name": "a", "scope": "read", "expires_in_days": "5"}, "expires_in_days"),
        ({"name": "a", "scope": "read", "expires_in_days": 5.0}, "expires_in_days"),
        ({"name": "a", "scope": "read", "expires_in_days": True}, "expires_in_days"),
    ],
)
def test_bad_input_when_issuing_is_a_400_naming_the_field(body, field):
    response = session_client(make_user("editor")).post("/api/tokens/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


# ---------------------------------------------------------------------------------------------
# Last use: recorded, at most once a minute.
# ---------------------------------------------------------------------------------------------


def test_a_tokens_last_use_is_recorded_to_the_minute(django_assert_num_queries):
    editor = make_user("editor")
    token, secret = token_issue(user=editor, name="t", scope="read")
    client = as_token(secret)
    assert token.last_used is None

    started = timezone.now()
    # The token and its user (one query); its last use (an UPDATE); the count and the page of tokens.
    with django_assert_num_queries(4):
        first = client.get("/api/tokens/")
    # Within the minute: no UPDATE.
    with django_assert_num_queries(3):
        client.get("/api/tokens/")

    token.refresh_from_db()
    assert started <= token.last_used <= timezone.now()
    assert first.json()["results"][0]["last_used"] is not None
    # A minute on, the next request records it again.
    a_minute_ago = token.last_used - datetime.timedelta(minutes=1, seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used=a_minute_ago)
    client.get("/api/tokens/")
    token.refresh_from_db()
    assert token.last_used > a_minute_ago + datetime.timedelta(minutes=1)


def test_a_refused_token_records_no_use():
    editor = make_user("editor")
    token, secret = token_issue(user=editor, name="t", scope="read")
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now())

    as_token(secret).get("/api/claims/")

    token.refresh_from_db()
    assert token.last_used is None


# ---------------------------------------------------------------------------------------------
# Scopes: the rule in one place, and session users untouched.
# ---------------------------------------------------------------------------------------------


def _api_views():
    """(route, view class) of every REST framework view in the URL conf, outside the admin."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    for route, callback in walk(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if cls is not None and not route.startswith("admin/"):
            yield route, cls, getattr(callback, "initkwargs", {})


def test_every_api_view_that_reads_a_token_holds_it_to_its_scope():
    views = list(_api_views())
    assert len(views) > 10
    for route, cls, initkwargs in views:
        view = cls(**initkwargs)
        if not view.authentication_classes:
            continue  # reads no token (the token endpoint: a password)
        assert any(isinstance(p, TokenScopePermission) for p in view.get_permissions()), route


def test_the_token_endpoint_issues_tokens_for_a_password_whatever_token_comes_with_it():
    make_user("editor", groups=["editors"])
    reader = as_token(make_token(User.objects.get(), "read"))

    response = reader.post("/api/auth/token/", {"username": "editor", "password": PASSWORD, "scope": "admin"})

    assert response.status_code == 200
    assert ApiToken.objects.get(pk=response.json()["id"]).scope == "admin"


def test_the_token_endpoint_takes_a_form_whose_values_are_all_text():
    make_user("editor")
    form = f"username=editor&password={PASSWORD}&name=cron&scope=read&expires_in_days=7"

    response = APIClient().post("/api/auth/token/", form, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert (token.name, token.scope) == ("cron", "read")
    assert token.expiry - token.created > datetime.timedelta(days=6, hours=23)


def test_the_token_endpoint_names_and_scopes_the_token_it_issues():
    make_user("editor", groups=["editors"])
    body = {"username": "editor", "password": PASSWORD, "name": "deploy script", "scope": "read", "expires_in_days": 3}

    response = APIClient().post("/api/auth/token/", body, format="json")

    assert response.status_code == 200
    data = response.json()
    assert (data["name"], data["scope"]) == ("deploy script", "read")
    claim = make_claim()
    assert as_token(data["token"]).patch(f"/api/claims/{claim.pk}/", {"status": "disputed"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"), [({"scope": "everything"}, "scope"), ({"expires_in_days": 0}, "expires_in_days")]
)
def test_the_token_endpoint_refuses_bad_token_settings_naming_the_field(body, field):
    make_user("editor")

    response = APIClient().post("/api/auth/token/", {"username": "editor", "password": PASSWORD, **body})

    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_a_read_token_is_told_which_scope_a_write_needs():
    claim = make_claim()
    reader = as_token(make_token(make_user("boss", is_superuser=True), "read"))

    response = reader.patch(f"/api/claims/{claim.pk}/", {"status": "disputed"}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "This token's scope is read; a PATCH here needs a write token."


def test_session_users_are_not_held_to_any_scope():
    boss = make_user("boss", is_staff=True, is_superuser=True)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(boss)
    client.get("/admin/")  # sets the CSRF cookie
    csrf = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}
    claim = make_claim()

    issued = client.post("/api/tokens/", {"name": "from a session", "scope": "read"}, format="json", **csrf)
    changed = client.patch(f"/api/claims/{claim.pk}/", {"status": "disputed"}, format="json", **csrf)

    assert (issued.status_code, changed.status_code) == (201, 200)


# ---------------------------------------------------------------------------------------------
# create_user --scope.
# ---------------------------------------------------------------------------------------------


def created_users_token(capsys, *args) -> str:
    call_command("create_user", "nadia", "--role", "senior-editor", *args)
    out = capsys.readouterr().out
    return re.search(r"API token: (\w+)", out).group(1), out


@pytest.mark.parametrize(
    ("args", "scope", "patch", "issue"),
    [
        ((), "write", 200, 403),  # write unless asked
        (("--scope", "read"), "read", 403, 403),
        (("--scope", "write"), "write", 200, 403),
        (("--scope", "admin"), "admin", 200, 201),
    ],
)
def test_create_user_issues_a_token_of_the_scope_asked(capsys, args, scope, patch, issue):
    secret, out = created_users_token(capsys, *args)
    claim = make_claim()
    client = as_token(secret)

    assert f"its scope: {scope}" in out
    assert ApiToken.objects.get(user__username="nadia").scope == scope
    assert client.get(f"/api/claims/{claim.pk}/").status_code == 200
    assert client.patch(f"/api/claims/{claim.pk}/", {"status": "confirmed"}, format="json").status_code == patch
    assert client.post("/api/tokens/", {"name": "more", "scope": "read"}, format="json").status_code == issue


def test_create_user_refuses_an_unknown_scope_and_makes_no_one():
    with pytest.raises(CommandError, match="scope"):
        call_command("create_user", "nadia", "--role", "editor", "--scope", "root")
    assert not User.objects.filter(username="nadia").exists()


def test_the_admin_add_form_refuses_a_lifetime_past_the_maximum():
    client = logged_in(make_user("editor", is_staff=True))

    page = client.post(
        reverse("admin:tokens_apitoken_add"), {"name": "long", "scope": "read", "expires_in_days": "366"}
    )

    assert page.status_code == 200
    assert "expires_in_days" in page.context["adminform"].form.errors
    assert not ApiToken.objects.exists()


def test_a_non_superusers_token_from_the_admin_is_their_own_whatever_the_form_says():
    editor, other = make_user("editor", is_staff=True), make_user("other")

    logged_in(editor).post(
        reverse("admin:tokens_apitoken_add"),
        {"user": other.pk, "name": "mine", "scope": "read", "expires_in_days": "5"},
    )

    assert ApiToken.objects.get().user == editor


@pytest.mark.parametrize(("username", "expected"), [(" \r", 401), (" editor", 401), (0, 400)])
def test_the_token_endpoint_takes_the_username_as_sent(username, expected):
    # Blank after trimming is still a name that no one has (401), not a missing one (400); a number is
    # not a name at all (400, naming the field).
    make_user("editor")

    response = APIClient().post("/api/auth/token/", {"username": username, "password": PASSWORD}, format="json")

    assert response.status_code == expected
    if expected == 400:
        assert "username" in response.json()
    assert not ApiToken.objects.exists()
