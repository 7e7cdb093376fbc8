"""Webhook subscriptions, their deliveries (the outbox) and each delivery's attempts."""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models

from claims.models import ClaimStatus, Source, Topic
from claims.versioning import VersionedModel

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A signing secret in Standard Webhooks' form: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class Subscription(VersionedModel):
    """A URL that is sent the changes to the record it asks for, signed with its secret.

    `event_types` are change types ("claim.created") or every change to a kind ("claim.*"). The
    optional filters narrow claim changes to claims with that topic, source or status; a
    subscription with a filter gets no changes to other kinds of record.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhooks")
    url = models.URLField(max_length=2000, help_text="Where the changes are POSTed: http:// or https://.")
    event_types = models.JSONField(
        help_text='Change types ("claim.created", "claim.updated", "claim.deleted") or every change to a kind '
        '("claim.*").'
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, help_text="Only claims about this topic."
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, help_text="Only claims made by this source."
    )
    status = models.CharField(
        max_length=20, blank=True, choices=ClaimStatus.choices, help_text="Only claims with this status."
    )
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    active = models.BooleanField(default=True, help_text="Deliveries are sent only while it is on.")
    disabled_reason = models.TextField(blank=True, help_text="Why it was switched off, when the worker did it.")
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Failed attempts in a row since the last success."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "webhook subscription"

    def __str__(self) -> str:
        return f"#{self.pk} {self.url}"

    @property
    def has_filters(self) -> bool:
        return bool(self.topic_id or self.source_id or self.status)

    def wants(self, event_type: str) -> bool:
        """Whether this subscription asked for changes of `event_type` ("claim.updated")."""
        kind = event_type.split(".", 1)[0]
        return event_type in self.event_types or f"{kind}.*" in self.event_types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending: waiting for its next attempt"
    DELIVERED = "delivered", "delivered: the receiver answered 2xx"
    FAILED = "failed", "failed: every attempt failed, or the subscription was switched off"


class Delivery(models.Model):
    """One change to send to one subscription: written in the change's own transaction (an outbox).

    `webhook_id` is the same in every attempt, so that a receiver can recognise a retry. The change
    is kept by its id, type, subject and time; the record itself is read when the delivery is sent.
    A worker takes a delivery by setting `lease_until` in one conditional UPDATE: while the lease
    holds, no other worker can take it (claims.webhooks.services.delivery_claim).
    """

    webhook_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    change_id = models.BigIntegerField(help_text="The change's id in the change feed (the event's `id`).")
    event_type = models.CharField(max_length=50)
    subject = models.CharField(max_length=50, help_text="The changed record's id.")
    event_time = models.DateTimeField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    replayed_after = models.PositiveIntegerField(
        default=0, help_text="Attempts made before its last replay: each replay gets WEBHOOKS_MAX_ATTEMPTS more."
    )
    next_attempt_at = models.DateTimeField(db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["subscription", "-id"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.subject} → #{self.subscription_id}"


class Attempt(models.Model):
    """One request to deliver a delivery, and how it went."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True, help_text="The first characters of the receiver's answer.")

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_number")]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery #{self.delivery_id}: {self.status_code or self.error[:60]}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
