"""The worker's task (django-tasks; run by `manage.py db_worker`): one attempt at one delivery."""

from django.utils import timezone
from django_tasks import task

from claims.webhooks import delivery as http
from claims.webhooks import services
from claims.webhooks.models import Delivery


@task()
def deliver(delivery_id: int) -> str:
    """Attempt the delivery, if it is still due and no other worker holds it; record how it went.

    Returns what became of it ("delivered", "pending" for a retry, "failed"), or "skipped" when there
    was nothing to do (delivered already, not yet due, or held by another worker).
    """
    token = services.delivery_claim(delivery_id)
    if token is None:
        return "skipped"
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    started_at = timezone.now()
    if not delivery.subscription.active:
        outcome = http.Outcome(None, 0, "The subscription is switched off.")
    else:
        # The record as it is now, as the feed shows it: the receiver gets the latest state, and the
        # event's id and time say which change this is.
        body, headers = services.request_for(delivery)
        outcome = http.post(delivery.subscription.url, body, headers)
    return services.attempt_record(delivery=delivery, token=token, started_at=started_at, outcome=outcome)
