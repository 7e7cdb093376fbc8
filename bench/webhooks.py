"""Webhook delivery rate: how many deliveries a second workers send to a receiver on loopback.

    .venv/bin/python bench/webhooks.py                       # SQLite file, 1,000 deliveries, 1 worker
    .venv/bin/python bench/webhooks.py --database postgres://postgres@127.0.0.1:5432/fc_hooks_bench \\
        --deliveries 2000 --workers 1 --workers 2
    .venv/bin/python bench/webhooks.py --database postgres://postgres@127.0.0.1:5432/fc_hooks_bench \
        --template factcheck_bench --deliveries 500 --workers 1 --workers 2      # at 1,000,000 claims

It makes a fresh database (migrate, the demo data, one subscription), writes N claim changes with no
worker running (each writes its delivery and its task: the outbox), then starts the workers
(`manage.py db_worker --batch`) and times them until every delivery is delivered. The receiver answers
204 at once (a threaded http.server in this process), so the number is the worker's own cost: taking
a task, taking the delivery, rendering the record, signing, one HTTP request, recording the attempt.
Also timed: the writes with a subscription (the outbox's cost to the writer) against the same writes
without one. With `--template`, the database is a copy of that one (bench/run.py's million claims),
migrated, without the demo data.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
PORT = 8829


class Counter(BaseHTTPRequestHandler):
    received = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with Counter.lock:
            Counter.received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def manage(env, *args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    return done.stdout


def fresh_database(url: str | None, template: str | None = None) -> str:
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='hooks-bench-')}/db.sqlite3"
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(url.replace(parts.path, "/postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # A copy needs the template to have no other connection: the run says so if it has one.
        cursor.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    admin.close()
    return url


WRITES = """
import time
from django.db import transaction
from claims.models import Claim
ids = list(Claim.objects.values_list("pk", flat=True))
started = time.monotonic()
for n in range({n}):
    with transaction.atomic():
        claim = Claim.objects.get(pk=ids[n % len(ids)])
        claim.quote = f"bench {{n}} {{time.time()}}"
        claim.save()
print(time.monotonic() - started)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a postgres:// URL to (re)create; a SQLite file if not given")
    parser.add_argument("--template", help="copy this PostgreSQL database (and load no demo data)")
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--port", type=int, default=PORT, help=f"the receiver's port ({PORT})")
    parser.add_argument("--workers", type=int, action="append", help="worker processes (repeat for several runs)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "WEBHOOKS_"))},
        "DATABASE_URL": fresh_database(args.database, args.template),
        "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "1",
        "DEBUG": "1",
        # As in production (DEBUG off): a worker keeps its connection between tasks, instead of opening
        # one per task as development's default (0) makes it.
        "DATABASE_CONN_MAX_AGE": "600",
    }
    manage(env, "migrate", "--noinput")
    if not args.template:
        manage(env, "load_demo")
    n = args.deliveries
    without = float(manage(env, "shell", "-c", WRITES.format(n=n)).split()[-1])
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User\nfrom claims.webhooks.models import Subscription\n"
        "user = User.objects.create_user('bench')\n"
        f"Subscription.objects.create(owner=user, url='http://127.0.0.1:{args.port}/', event_types=['claim.*'])",
    )
    for workers in args.workers or [1]:
        written = float(manage(env, "shell", "-c", WRITES.format(n=n)).split()[-1])
        Counter.received = 0
        started = time.monotonic()
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v0"],
                cwd=ROOT,
                env=env,
            )
            for _ in range(workers)
        ]
        for process in processes:
            process.wait()
        seconds = time.monotonic() - started
        print(
            f"{env['DATABASE_URL'].split(':')[0]}: {n} changes written in {written:.1f} s with a subscription, "
            f"{without:.1f} s without; {workers} worker(s) delivered {Counter.received} in {seconds:.1f} s: "
            f"{Counter.received / seconds:.0f} deliveries/s (process start included; load average "
            f"{os.getloadavg()[0]:.0f})"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
