"""The body of a delivery: the change as the feed shows it (a CloudEvents 1.0 event), read when it is sent.

The feed's own renderer makes `data` (the record as its detail endpoint shows it now, or null once it
is deleted: docs/changes-and-webhooks.md says why), and the entry has the feed's fields. One difference:
the feed's `source` is an absolute URL made from its request; a worker has no request, so a delivery's
`source` is the same list's path ("/api/claims/"), a URI reference as CloudEvents allows.
"""

from django.urls import reverse

from claims.api.changes import ROUTES, cloud_event, render_records
from claims.events.models import Change


def event(delivery) -> dict:
    """The delivery's change as a feed entry."""
    kind, action = delivery.event_type.split(".", 1)
    subject = int(delivery.subject)
    data = None if action == "deleted" else render_records(kind, {subject}, None).get(subject)
    # Kept for the feed's retention (30 days at least); a delivery replayed after that has no author.
    change = Change.objects.select_related("user__profile").filter(pk=delivery.change_id).first()
    return cloud_event(
        change_id=delivery.change_id,
        source=reverse(f"{ROUTES[kind]}-list"),
        event_type=delivery.event_type,
        time=delivery.event_time,
        subject=delivery.subject,
        data=data,
        version=change.version if change is not None else None,
        user=change.user if change is not None else None,
    )
