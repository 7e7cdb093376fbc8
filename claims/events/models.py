"""The change record: what changed (kind and id), how (created, updated, deleted), when and by whom."""

from django.conf import settings
from django.db import models


class ChangeKind(models.TextChoices):
    """The kinds of record that keep history; the first half of an event type (`claim.updated`)."""

    CLAIM = "claim", "Claim"
    LINK = "link", "Claim link"
    SOURCE = "source", "Source"
    TOPIC = "topic", "Topic"
    ARTICLE = "article", "Article"
    APPEARANCE = "appearance", "Appearance"
    REVIEW = "review", "Review"


class ChangeAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class CurrentTransactionId(models.Func):
    """The writing transaction's id on PostgreSQL (a 64-bit xid8, which never wraps); NULL elsewhere.

    A column default, so the id is taken by the INSERT itself, in the transaction that makes the row
    visible, whatever the caller's transaction handling (docs/changes-and-webhooks.md, "Commit order").
    """

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


class Change(models.Model):
    """One create, update or delete of a record, written in the same transaction as the change.

    `version` is the record's version after the change (null for a delete). `txid` is the writer's
    transaction id on PostgreSQL: the feed orders by (txid, id) and serves only transactions that
    have ended, so that a change committing late is never behind a reader's cursor.
    """

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    subject = models.BigIntegerField(help_text="The record's id.")
    version = models.PositiveIntegerField(null=True, blank=True, help_text="The record's version after the change.")
    time = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    txid = models.BigIntegerField(null=True, blank=True, db_default=CurrentTransactionId(), editable=False)

    class Meta:
        ordering = ["txid", "id"]
        indexes = [
            # The feed: all kinds in commit order, and one kind at a time (`?types=`).
            models.Index(fields=["txid", "id"], name="events_change_order"),
            models.Index(fields=["kind", "txid", "id"], name="events_change_kind"),
            # prune_changes: the oldest first.
            models.Index(fields=["time"], name="events_change_time"),
        ]

    def __str__(self):
        return f"{self.type} #{self.subject}"

    @property
    def type(self) -> str:
        """The CloudEvents type: `<kind>.<action>`, e.g. `claim.deleted`."""
        return f"{self.kind}.{self.action}"
