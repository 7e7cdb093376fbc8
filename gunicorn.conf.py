"""gunicorn's settings for factcheck: `gunicorn factcheck.wsgi -c gunicorn.conf.py`.

Each can be set from the environment; see the README's "Deploying" section.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Two sync workers a core, by measurement (bench/README.md): on 2 cores, 2 to 4 workers served the
# claims list within 5% of each other and 6 served 7% less; gunicorn's rule of thumb (2 a core + 1)
# adds a worker that only competes with PostgreSQL for the cores.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
# A worker stuck this long is killed and replaced (database statements stop sooner: 5 s by default).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
# The longest request line gunicorn allows (its default is 4094 bytes): a search of a few hundred
# Arabic characters, percent-encoded, needs more. Longer lines get 414.
limit_request_line = 8190
# The app logs each request itself (one JSON line with status, duration and user); gunicorn logs its own
# events and errors to standard error.
accesslog = None
errorlog = "-"
# Trust X-Forwarded-* only from the proxy in front (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
