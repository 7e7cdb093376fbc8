"""Sending one signed request: the SSRF check on every hop, the connection to the checked address.

urllib3 (already installed, under requests) connects to the address claims.webhooks.ssrf chose,
while the Host header and TLS' server name and certificate check use the URL's host name. Redirects
are followed here, not by the library, so that each new URL is checked before it is requested.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

import urllib3
from django.conf import settings
from standardwebhooks import Webhook

from claims.webhooks.ssrf import Target, UnsafeURL, check_url

EXCERPT_CHARS = 1000
USER_AGENT = "factcheck-webhooks/1"


@dataclass
class Outcome:
    """What one attempt came to: the final status code (None if no answer), the error, an excerpt."""

    status_code: int | None
    latency_ms: int
    error: str = ""
    response_excerpt: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(secret: str, webhook_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for `body` (signed by the standardwebhooks library)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, timestamp, body),
    }


def _pool(target: Target, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False)


def post(url: str, body: str, headers: dict[str, str]) -> Outcome:
    """POST `body` to `url`, following at most WEBHOOKS_MAX_REDIRECTS redirects (307 and 308 keep the
    POST; 301, 302 and 303 are refused, as they would turn it into a GET that carries nothing)."""
    timeout = urllib3.Timeout(connect=settings.WEBHOOKS_TIMEOUT_SECONDS, read=settings.WEBHOOKS_TIMEOUT_SECONDS)
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    encoded = body.encode()
    for _hop in range(settings.WEBHOOKS_MAX_REDIRECTS + 1):
        try:
            target = check_url(url)
        except UnsafeURL as exc:
            return Outcome(None, elapsed(), f"Refused {url}: {exc}")
        request_headers = {
            **headers,
            "Host": target.host_header,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        pool = _pool(target, timeout)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=encoded,
                headers=request_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                excerpt = response.read(EXCERPT_CHARS * 4, decode_content=True)[: EXCERPT_CHARS * 4]
            finally:
                response.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Outcome(None, elapsed(), f"{type(exc).__name__}: {exc}"[:2000])
        finally:
            pool.close()
        text = excerpt.decode("utf-8", "replace")[:EXCERPT_CHARS]
        location = response.headers.get("Location")
        if response.status in (307, 308) and location:
            url = urljoin(url, location)
            continue
        if response.status in (301, 302, 303):
            return Outcome(
                response.status,
                elapsed(),
                f"Redirected with {response.status} to {location!r}: a POST is only followed through 307 or 308.",
                text,
            )
        error = "" if 200 <= response.status < 300 else f"The receiver answered {response.status}."
        return Outcome(response.status, elapsed(), error, text)
    return Outcome(None, elapsed(), f"More than {settings.WEBHOOKS_MAX_REDIRECTS} redirects.")
