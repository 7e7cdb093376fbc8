"""The parts of a real deployment, for tests and benchmarks that run the service as deployed.

Throwaway PostgreSQL clusters (initdb into a temporary folder, their own port), a streaming
replica of one (pg_basebackup -R), and gunicorn serving the app from a subprocess. Running
PostgreSQL's server binaries needs root (they run as the postgres user).
"""

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from glob import glob
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def require_or_skip(reason: str, required_by: str = "FACTCHECK_REQUIRE_PRODUCTION_TESTS"):
    """Skip, with the reason, unless CI says this test must run: then a missing part is a failure."""
    if os.environ.get(required_by):
        pytest.fail(reason)
    pytest.skip(reason)


def require_clusters():
    if pg_bin() is None or shutil.which("runuser") is None:
        require_or_skip("needs PostgreSQL's server binaries (initdb, pg_ctl) and runuser")
    if os.geteuid() != 0:
        require_or_skip("needs root, to run a throwaway PostgreSQL cluster as the postgres user")


def as_postgres(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, text=True)


class Cluster:
    """A PostgreSQL cluster in a temporary folder, started and stopped as the tests need.

    `Cluster()` runs initdb; `Cluster.replica_of(primary)` copies a running primary with
    pg_basebackup -R instead, which makes a hot standby streaming from it.
    """

    def __init__(self, init: bool = True, settings: str = "", port: int | None = None):
        self.bin = pg_bin()
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="factcheck-pg-"))
        self.settings = settings
        shutil.chown(self.dir, "postgres")
        if init:
            as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @classmethod
    def replica_of(cls, primary: "Cluster", port: int | None = None) -> "Cluster":
        replica = cls(init=False, settings=primary.settings, port=port)
        as_postgres(
            str(replica.bin / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(replica.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        return replica

    @property
    def data(self) -> Path:
        return self.dir / "data"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off {self.settings}"
        as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self):
        as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser; its output, unaligned."""
        return as_postgres(
            str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-d", database, "-XAtc", statement
        ).stdout.strip()

    def destroy(self):
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for_replay(primary: Cluster, replica: Cluster, timeout: float = 30):
    """Return once the replica has replayed everything the primary had written when this was called."""
    target = primary.sql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not replay up to {target} within {timeout} s")


def manage(env, *args, capture: bool = True, timeout: float | None = 300) -> str:
    """Run a management command in a subprocess; its output (stdout and stderr) unless `capture` is off,
    when it goes to the terminal (a progress bar). A failure raises, with the output when captured."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=capture, text=True, timeout=timeout
    )
    assert done.returncode == 0, (done.stdout or "") + (done.stderr or "") or f"manage.py {args[0]} failed"
    return (done.stdout + done.stderr) if capture else ""


class Gunicorn:
    """An app (the service by default) under gunicorn in a subprocess, on a loopback port (a free one
    unless given), with its log in a file. Ready once `ready` answers 200."""

    def __init__(
        self,
        env: dict,
        log_path: Path,
        workers: int = 2,
        *,
        app: str = "factcheck.wsgi",
        port: int | None = None,
        ready: str = "/api/",
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", app, "-c", "gunicorn.conf.py"],
                cwd=ROOT,
                env={**env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while fetch(self.url + ready)[0] != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"gunicorn did not start:\n{log_path.read_text()}")
            time.sleep(0.2)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


def fetch(url, *, method="GET", body=None, token=None, headers=None, opener=None, timeout=15):
    """(status, headers, body) of a request; connection failures are status 0.

    `opener` (see `browser_session`) keeps cookies between requests, as a browser does.
    """
    sent = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        if isinstance(body, bytes):
            data = body
        else:
            sent["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
    if token:
        sent["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, {}, b""


def browser_session() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    """An opener that keeps cookies for every host, without following redirects (tests look at them)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect()), jar


def post_form(url: str, form, opener):
    """A browser's form submission (`form`: a dict or (name, value) pairs): (status, headers, body)."""
    return fetch(
        url,
        method="POST",
        body=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
        opener=opener,
    )


def admin_login(server: str, username: str, password: str):
    """A browser's cookie jar, logged in to the admin on `server`."""
    opener, jar = browser_session()
    status, _, body = fetch(server + "/admin/login/", opener=opener, headers={"Accept": "text/html"})
    assert status == 200
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = {"username": username, "password": password, "csrfmiddlewaretoken": csrf, "next": "/admin/"}
    status, headers, _ = post_form(server + "/admin/login/", form, opener)
    assert status == 302 and headers["Location"] == "/admin/", status
    return opener, jar
