"""What authenticating one API request with a token costs, in process (docs/security.md, "Tokens").

    .venv/bin/python bench/token_auth.py                      # SQLite, in a scratch file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/token_auth.py

It migrates the database it is given (use a scratch one), makes a user and a token with whichever
token model the settings install, then times (a) the first authentication class alone on a prepared
request and (b) a whole GET /api/topics/ through the test client, with the token and anonymously.
Each figure is the best of 7 rounds of `--requests` requests, in microseconds per request: wall
time, and this process's CPU time (less disturbed by other work on a shared machine; PostgreSQL's
own work is not in it). The queries are those of one request (the token was used a moment before).
"""

import argparse
import os
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


ROUNDS = 7


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

    def count_queries(job) -> int:
        executed = []

        def counter(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            job()
        return len(executed)

    print(f"{connection.vendor}, {type(authentication).__module__}.{type(authentication).__name__}")
    print(f"  {'':34} {'wall µs':>8} {'CPU µs':>8} {'queries':>8}")
    for label, job in [
        ("authentication class alone", authenticate),
        ("GET /api/topics/ with the token", get_with_token),
        ("GET /api/topics/ anonymously", get_anonymously),
    ]:
        job()  # warm-up: imports, the first query's connection
        queries = count_queries(job)
        walls, cpus = [], []
        for _ in range(ROUNDS):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.requests):
                job()
            walls.append((time.perf_counter() - wall) / args.requests * 1e6)
            cpus.append((time.process_time() - cpu) / args.requests * 1e6)
        print(f"  {label:34} {min(walls):8.0f} {min(cpus):8.0f} {queries:8d}")


if __name__ == "__main__":
    main()
