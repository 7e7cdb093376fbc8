"""What authenticating one API request with a token costs, in process (docs/security.md, "Tokens").

    .venv/bin/python bench/token_auth.py                      # SQLite, in a scratch file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/token_auth.py

It migrates the database it is given (use a scratch one), makes a user and a token with whichever
token model the settings install, then times (a) the first authentication class alone on a prepared
request and (b) a whole GET /api/topics/ through the test client, with the token and anonymously.
Each figure is the median of 5 rounds of `--requests` requests, in microseconds per request.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/factcheck-token-bench.sqlite3"
os.environ.setdefault("THROTTLE_USER", "off")
os.environ.setdefault("THROTTLE_ANON", "off")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # the test client's host
os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.request import Request
    from rest_framework.settings import api_settings
    from rest_framework.test import APIClient, APIRequestFactory

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="token-bench")
    if "rest_framework.authtoken" in settings.INSTALLED_APPS:
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=user).delete()
        key = Token.objects.create(user=user).key
    else:
        from claims.tokens.services import token_issue

        key = token_issue(user=user, name="bench", scope="read")[1]
    header = f"Token {key}"
    authentication = api_settings.DEFAULT_AUTHENTICATION_CLASSES[0]()

    def authenticate() -> None:
        request = Request(APIRequestFactory().get("/api/topics/", HTTP_AUTHORIZATION=header))
        assert authentication.authenticate(request)[0] == user

    token_client, anonymous = APIClient(HTTP_AUTHORIZATION=header), APIClient()

    def get_with_token() -> None:
        assert token_client.get("/api/topics/").status_code == 200

    def get_anonymously() -> None:
        assert anonymous.get("/api/topics/").status_code == 200

    print(f"{connection.vendor}, {type(authentication).__module__}.{type(authentication).__name__}")
    for label, job in [
        ("authentication class alone", authenticate),
        ("GET /api/topics/ with the token", get_with_token),
        ("GET /api/topics/ anonymously", get_anonymously),
    ]:
        job()  # warm-up: imports, the first query's connection
        rounds = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(args.requests):
                job()
            rounds.append((time.perf_counter() - started) / args.requests * 1e6)
        print(f"  {label:34} {statistics.median(rounds):8.0f} µs/request")


if __name__ == "__main__":
    main()
