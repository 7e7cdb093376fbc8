#!/usr/bin/env python3
"""A webhook receiver for factcheck: checks each delivery's signature, prints the event, answers 204.

    python examples/webhook_receiver.py --secret whsec_... [--port 8090] [--host 127.0.0.1]

The secret is the one the subscription's creation (or rotate-secret) answered with; it can also come
from the environment (WEBHOOK_SECRET). Signatures are checked as Standard Webhooks says, with the
standardwebhooks package when it is installed (pip install standardwebhooks), else with the same
algorithm written out below (the standard library only). A delivery can come more than once (a retry
after a lost answer, a replay): the receiver recognises it by its webhook-id and prints it once.
Each event is printed as one JSON line: {"webhook_id", "type", "subject", "id", "time", "data"}.
"""

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60  # older or newer timestamps are refused: a captured request cannot be replayed later


class BadSignature(Exception):
    pass


def verify(secret: str, headers, body: bytes) -> dict:
    """The event, if the headers sign this body with this secret; BadSignature otherwise."""
    try:
        from standardwebhooks import Webhook, WebhookVerificationError
    except ImportError:
        return _verify_by_hand(secret, headers, body)
    try:
        return Webhook(secret).verify(body, {name.lower(): value for name, value in headers.items()})
    except WebhookVerificationError as exc:
        raise BadSignature(str(exc)) from None


def _verify_by_hand(secret: str, headers, body: bytes) -> dict:
    msg_id, timestamp, signatures = (headers.get(f"webhook-{name}") for name in ("id", "timestamp", "signature"))
    if not (msg_id and timestamp and signatures):
        raise BadSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        raise BadSignature("timestamp missing or too far from now")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    for signature in signatures.split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(base64.b64decode(value), expected):
            return json.loads(body)
    raise BadSignature("no matching signature")


def make_handler(secret: str, seen: set[str], out):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                event = verify(secret, self.headers, body)
            except BadSignature as exc:
                self.send_response(401)
                self.end_headers()
                print(f"refused: {exc}", file=sys.stderr, flush=True)
                return
            webhook_id = self.headers["webhook-id"]
            if webhook_id not in seen:  # a retry or replay of one already printed
                seen.add(webhook_id)
                fields = {key: event.get(key) for key in ("type", "subject", "id", "time", "data")}
                print(json.dumps({"webhook_id": webhook_id, **fields}), file=out, flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass  # one line per event on standard output is the whole log

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET"), help="whsec_... (or WEBHOOK_SECRET)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    if not args.secret:
        parser.error("give the subscription's secret: --secret whsec_... (or WEBHOOK_SECRET)")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.secret, set(), sys.stdout))
    print(f"listening on http://{args.host}:{server.server_address[1]}/", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
