"""Webhook writes: the outbox (deliveries written with the change), taking and settling a delivery,
replays. The worker's part is in claims.webhooks.tasks; the HTTP part in claims.webhooks.delivery."""

import json
import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks_db.utils import exclusive_transaction

from claims.webhooks.delivery import Outcome, signed_headers
from claims.webhooks.models import Attempt, Delivery, DeliveryStatus, Subscription, new_secret

# How long a worker holds a delivery it took: longer than any attempt can last (every hop's connect and
# read timeouts), so that a lease runs out only when its worker died; then another worker may take it.
LEASE_MARGIN_SECONDS = 30


def lease_seconds() -> int:
    hops = settings.WEBHOOKS_MAX_REDIRECTS + 1
    return hops * (2 * settings.WEBHOOKS_TIMEOUT_SECONDS + settings.WEBHOOKS_DNS_TIMEOUT_SECONDS) + LEASE_MARGIN_SECONDS


def retry_delay(attempts_made: int) -> timedelta:
    """How long to wait after `attempts_made` failed attempts: exponential (x6: 10 s, 1 min, 6 min, 36 min,
    ...) up to WEBHOOKS_RETRY_MAX_SECONDS, with up to 20% jitter so that retries after an outage spread out."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS * 6 ** (attempts_made - 1)
    seconds = min(base, settings.WEBHOOKS_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds * (1 + random.uniform(0, 0.2)))  # spread, not secrecy


def subscription_rotate_secret(*, subscription: Subscription) -> Subscription:
    """Give the subscription a new secret: deliveries signed from now on use it."""
    subscription.secret = new_secret()
    with transaction.atomic():
        subscription.save(update_fields=["secret", "updated_at"])
    return subscription


def _enqueue(delivery_ids: list[int], run_after: datetime | None = None) -> None:
    from claims.webhooks.tasks import deliver

    task = deliver.using(run_after=run_after) if run_after else deliver
    for delivery_id in delivery_ids:
        task.enqueue(delivery_id)


def _claim_matches(subscription: Subscription, claim_facts: dict | None) -> bool:
    if claim_facts is None:
        return False
    if subscription.status and claim_facts["status"] != subscription.status:
        return False
    if subscription.source_id and claim_facts["source_id"] != subscription.source_id:
        return False
    return not (subscription.topic_id and subscription.topic_id not in claim_facts["topic_ids"])


def _claim_facts(claim_id) -> dict | None:
    """A claim's status, source and topics, for the filters; from its last revision if it is deleted."""
    from claims.models import Claim, ClaimTopic

    claim = Claim.objects.filter(pk=claim_id).values("status", "source_id").first()
    if claim is None:
        revision = Claim.history.filter(id=claim_id).order_by("-history_id").values("status", "source_id").first()
        if revision is None:
            return None
        claim = revision
    topic_ids = set(ClaimTopic.objects.filter(claim_id=claim_id).values_list("topic_id", flat=True))
    return {**claim, "topic_ids": topic_ids}


def deliveries_record(*, change) -> list[Delivery]:
    """The outbox: a delivery for each active subscription that wants `change`, and its task, written in
    the transaction that records the change, so that both commit (or neither) with it."""
    kind = change.kind
    event_type = f"{kind}.{change.action}"
    wanting = [s for s in Subscription.objects.filter(active=True) if s.wants(event_type)]
    if not wanting:
        return []
    facts = _claim_facts(change.subject) if kind == "claim" and any(s.has_filters for s in wanting) else None
    chosen = [s for s in wanting if not s.has_filters or (kind == "claim" and _claim_matches(s, facts))]
    if not chosen:
        return []
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            subscription=subscription,
            change_id=change.id,
            event_type=event_type,
            subject=str(change.subject),
            event_time=change.time,
            next_attempt_at=now,
        )
        for subscription in chosen
    )
    _enqueue([delivery.pk for delivery in deliveries])
    return deliveries


def on_change_recorded(sender, change, **kwargs) -> None:
    """change_recorded's receiver (connected in WebhooksConfig.ready)."""
    deliveries_record(change=change)


def delivery_claim(delivery_id: int) -> uuid.UUID | None:
    """Take the delivery for one attempt, or None if it is not due, done, or held by another worker.

    One conditional UPDATE: of several workers running it at once, one matches the row and the others
    match nothing (PostgreSQL makes them wait for the first and then re-check; SQLite runs one write at
    a time). It does not rest on the task queue running each task once.
    """
    token = uuid.uuid4()
    now = timezone.now()
    taken = Delivery.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        pk=delivery_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
    ).update(lease_until=now + timedelta(seconds=lease_seconds()), lease_token=token)
    return token if taken else None


def request_for(delivery: Delivery) -> tuple[str, dict[str, str]]:
    """The body (the change as the feed shows it, claims.webhooks.payload) and the signed headers of the
    delivery's next attempt."""
    from claims.webhooks.payload import event

    body = json.dumps(event(delivery), ensure_ascii=False, separators=(",", ":"), default=str)
    headers = signed_headers(delivery.subscription.secret, f"msg_{delivery.webhook_id.hex}", timezone.now(), body)
    return body, headers


def attempt_record(*, delivery: Delivery, token: uuid.UUID, started_at: datetime, outcome: Outcome) -> str:
    """Record an attempt and settle the delivery: delivered, retried later, or failed for good.

    Written only if this worker still holds the delivery (its lease token), in one transaction with
    the subscription's count of failures (and its switching off) and the retry's task. On SQLite the
    transaction takes the write lock from its start (the task library's helper): one that read first
    and then wrote would fail at once, "database is locked", whenever another process was writing.
    """
    with exclusive_transaction():
        still_held = Delivery.objects.select_for_update().filter(pk=delivery.pk, lease_token=token).first()
        if still_held is None:
            return "lost"  # deleted with its subscription meanwhile, or the lease ran out and was taken
        number = still_held.attempt_count + 1
        Attempt.objects.create(
            delivery=still_held,
            number=number,
            started_at=started_at,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error,
            response_excerpt=outcome.response_excerpt,
        )
        still_held.attempt_count = number
        still_held.lease_until = None
        still_held.lease_token = None
        subscriptions = Subscription.objects.filter(pk=still_held.subscription_id)
        if outcome.succeeded:
            still_held.status = DeliveryStatus.DELIVERED
            still_held.finished_at = timezone.now()
            subscriptions.exclude(consecutive_failures=0).update(consecutive_failures=0)
        else:
            subscriptions.update(consecutive_failures=F("consecutive_failures") + 1)
            failures = subscriptions.values_list("consecutive_failures", flat=True).first()
            switched_off = failures is not None and failures >= settings.WEBHOOKS_DISABLE_AFTER
            if switched_off:
                subscription_disable(
                    subscription_id=still_held.subscription_id,
                    reason=f"Switched off at {timezone.now():%Y-%m-%d %H:%M:%S} UTC after {failures} failed "
                    f"attempts in a row. The last: {outcome.error or 'no answer'}",
                )
            this_round = number - still_held.replayed_after
            if switched_off or this_round >= settings.WEBHOOKS_MAX_ATTEMPTS or failures is None:
                still_held.status = DeliveryStatus.FAILED
                still_held.finished_at = timezone.now()
            else:
                still_held.next_attempt_at = timezone.now() + retry_delay(this_round)
                _enqueue([still_held.pk], run_after=still_held.next_attempt_at)
        still_held.save()
        return still_held.status


def subscription_disable(*, subscription_id: int, reason: str) -> None:
    """Switch the subscription off (its version goes up: the owner's copy is stale) and end its pending
    deliveries as failed, to be replayed once the receiver is fixed."""
    Subscription.objects.filter(pk=subscription_id, active=True).update(
        active=False, disabled_reason=reason, version=F("version") + 1, updated_at=timezone.now()
    )
    delivery_fail_pending(subscription_id=subscription_id, reason=reason)


def delivery_fail_pending(*, subscription_id: int, reason: str) -> int:
    """End the subscription's pending deliveries (those no worker holds) as failed."""
    now = timezone.now()
    return Delivery.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        subscription_id=subscription_id,
        status=DeliveryStatus.PENDING,
    ).update(status=DeliveryStatus.FAILED, finished_at=now)


def deliveries_replay(*, deliveries) -> int:
    """Queue finished deliveries again (same webhook-id, so a receiver can tell a replay it already has):
    their attempts so far are kept, and they get WEBHOOKS_MAX_ATTEMPTS more."""
    with exclusive_transaction():
        ids = list(
            deliveries.exclude(status=DeliveryStatus.PENDING)
            .filter(subscription__active=True)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        now = timezone.now()
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            finished_at=None,
            lease_until=None,
            lease_token=None,
            replayed_after=F("attempt_count"),
        )
        _enqueue(ids)
    return len(ids)


def deliveries_requeue_stale(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Queue again the pending deliveries no worker is on: held by a lease that ran out (its worker was
    killed mid-attempt), or due for longer than `older_than` (their task was lost). A delivery queued
    twice is still sent once: delivery_claim lets one task take it."""
    now = timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.PENDING).filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, next_attempt_at__lt=now - older_than)
    )
    with transaction.atomic():
        ids = list(stale.values_list("pk", flat=True))
        _enqueue(ids)
    return len(ids)
