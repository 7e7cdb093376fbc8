"""WSGI entry point: `gunicorn factcheck.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

application = get_wsgi_application()

# Every module a request can reach, imported now (the URLconf imports the views, and they the rest),
# then set aside by the garbage collector: its full collections stop walking Django's and our own
# long-lived objects, some 93,000 of them (collected first, so that no garbage of the start-up is
# kept for good). A full collection took 49-55 ms with them, 5-7 ms without, and landed on one request
# in a few hundred: the slowest request of 600 in a row went from 69 to 15 ms (a page of 50 claims,
# in process; docs/performance.md).
get_resolver().url_patterns  # noqa: B018 (the import is the point)
gc.collect()
gc.freeze()
