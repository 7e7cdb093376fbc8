"""Accounts: strong passwords, sessions that end, and logins throttled per address and per account.

See docs/security.md, "Accounts". A refused login says the same whether or not the account exists.
"""

import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from claims.api.throttling import SlidingWindowThrottle
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-9"  # what tests.factories.make_user gives every user


@pytest.fixture
def clock(monkeypatch):
    """A stopped clock for the throttles, at the start of an hour: waits are exact, and two runs alike."""
    monkeypatch.setattr(SlidingWindowThrottle, "timer", lambda self: 7_200_000.0)


@pytest.fixture
def account_rate(settings):
    """Three guesses an hour at one account; plenty per address, so only the account's count bites."""
    settings.FACTCHECK_THROTTLE_RATES = {
        **settings.FACTCHECK_THROTTLE_RATES,
        "login": "100/min",
        "login_account": "3/hour",
    }


def token_request(username, password, address):
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=address, format="json"
    )


def admin_login(username, password, address, client=None):
    client = client or Client()
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


# Passwords


def test_a_weak_password_is_refused_when_a_user_is_added_in_the_admin():
    boss = logged_in(make_user("boss", is_superuser=True, is_staff=True))
    for weak in ("password", "12345678", "short1"):
        response = boss.post(
            "/admin/auth/user/add/",
            {
                "username": "newcomer",
                "password1": weak,
                "password2": weak,
                "usable_password": "true",
                "profile-TOTAL_FORMS": "0",
                "profile-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200, weak
        assert "errornote" in response.content.decode(), weak
    assert not User.objects.filter(username="newcomer").exists()


def test_a_weak_password_is_refused_when_an_editor_changes_theirs():
    editor = make_user("ed", groups=["editors"], is_staff=True)
    response = logged_in(editor).post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


def test_the_password_create_user_prints_passes_the_validators(capsys):
    from django.contrib.auth.password_validation import validate_password
    from django.core.management import call_command

    call_command("create_user", "nadia", "--role", "editor")
    password = next(line.split()[-1] for line in capsys.readouterr().out.splitlines() if "password:" in line)
    validate_password(password, User.objects.get(username="nadia"))  # raises if weak


# Sessions


def session_cookie_age(**env) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)",
        ],
        env={k: v for k, v in os.environ.items() if k != "SESSION_COOKIE_AGE"} | env,
        capture_output=True,
        text=True,
        check=False,
    )
    return (result.stdout.strip().splitlines() or [""])[-1] + result.stderr


def test_sessions_last_twelve_hours_unless_the_environment_says_otherwise():
    assert session_cookie_age() == str(12 * 3600)
    assert session_cookie_age(SESSION_COOKIE_AGE="3600") == "3600"
    assert "SESSION_COOKIE_AGE='soon' is not a whole number" in session_cookie_age(SESSION_COOKIE_AGE="soon")


def test_an_admin_login_ends_when_the_session_age_is_reached(settings):
    make_user("ed", groups=["editors"], is_staff=True)
    client = Client()

    response = admin_login("ed", PASSWORD, "192.0.2.1", client)

    assert response.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert client.get("/admin/").status_code == 200


# Login throttles: the API's token endpoint


def test_guesses_at_one_account_from_many_addresses_lock_it(clock, account_rate):
    make_user("ed", groups=["editors"])
    statuses = [token_request("ed", f"guess{n}", f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    # Locked: even the right password, from yet another address, is refused for now.
    assert token_request("ed", PASSWORD, "203.0.113.9").status_code == 429
    # Other accounts are not affected.
    make_user("other", groups=["editors"])
    assert token_request("other", PASSWORD, "198.51.100.1").status_code == 200


def test_the_lockout_is_the_same_for_an_unknown_username(clock, account_rate):
    make_user("ed", groups=["editors"])

    def lock_out(username):
        responses = [token_request(username, f"guess{n}", f"198.51.100.{n}") for n in range(4)]
        return [(r.status_code, r.json(), r.get("Retry-After")) for r in responses]

    existing, unknown = lock_out("ed"), lock_out("nobody-by-this-name")
    assert existing == unknown
    assert existing[-1][0] == 429


def test_variants_of_a_name_in_case_count_as_one_account(clock, account_rate):
    make_user("ed", groups=["editors"])
    statuses = [token_request(name, "guess", "198.51.100.7").status_code for name in ("ed", "ED", "Ed", "eD")]
    assert statuses == [401, 401, 401, 429]


def test_a_username_that_is_not_text_is_refused_as_bad_input_not_counted(clock, account_rate):
    for _ in range(5):
        response = APIClient().post("/api/auth/token/", {"username": ["ed"], "password": "x"}, format="json")
        assert response.status_code == 400
    make_user("ed", groups=["editors"])
    assert [token_request("ed", "guess", "198.51.100.7").status_code for _ in range(4)] == [401, 401, 401, 429]


# Login throttles: the admin


def test_the_admin_login_is_throttled_per_address(clock, settings):
    settings.FACTCHECK_THROTTLE_RATES = {**settings.FACTCHECK_THROTTLE_RATES, "login": "3/min"}
    make_user("ed", groups=["editors"], is_staff=True)
    statuses = [admin_login(f"name{n}", "guess", "192.0.2.50").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another address still gets the form.
    assert admin_login("ed", PASSWORD, "192.0.2.51").status_code == 302


def test_the_admin_login_is_throttled_per_account_and_says_the_same_for_unknown_names(clock, account_rate):
    make_user("ed", groups=["editors"], is_staff=True)

    def lock_out(username):
        responses = [admin_login(username, f"guess{n}", f"198.51.100.{n}") for n in range(4)]
        return [r.status_code for r in responses], responses[-1]

    (statuses, refused), (unknown_statuses, unknown_refused) = lock_out("ed"), lock_out("nobody-by-this-name")

    assert statuses == unknown_statuses == [200, 200, 200, 429]
    assert refused["Retry-After"] == unknown_refused["Retry-After"]
    # 3 guesses in this hour: they weigh less than 3 only after 80 minutes (see claims.api.throttling).
    assert "Too many login attempts. Try again in 80 minutes." in refused.content.decode()
    # The same page, but for the form's one-time CSRF token.
    assert without_csrf_token(refused) == without_csrf_token(unknown_refused)
    # The right password, while locked, logs nobody in.
    client = Client()
    assert admin_login("ed", PASSWORD, "203.0.113.9", client).status_code == 429
    assert client.get("/admin/").status_code == 302


def test_guesses_through_the_admin_and_the_api_share_one_count(clock, account_rate):
    make_user("ed", groups=["editors"], is_staff=True)
    assert admin_login("ed", "guess1", "198.51.100.1").status_code == 200
    assert token_request("ed", "guess2", "198.51.100.2").status_code == 401
    assert admin_login("ed", "guess3", "198.51.100.3").status_code == 200
    assert token_request("ed", "guess4", "198.51.100.4").status_code == 429


def test_showing_the_admin_login_page_is_not_counted(clock, settings):
    settings.FACTCHECK_THROTTLE_RATES = {**settings.FACTCHECK_THROTTLE_RATES, "login": "1/min"}
    for _ in range(3):
        assert Client().get("/admin/login/", REMOTE_ADDR="192.0.2.60").status_code == 200
    make_user("ed", groups=["editors"], is_staff=True)
    assert admin_login("ed", PASSWORD, "192.0.2.60").status_code == 302
