"""Revision history as field-by-field changes.

django-simple-history stores a full snapshot of a record per save (and of a
claim's topics, per revision). This turns consecutive snapshots into what an
editor wants to read: who, when, and which fields went from what to what.
"""

from django.db import transaction
from django.db.models import Model, QuerySet
from simple_history.models import HistoricalRecords

# Fields left out of revision history: `version` and `updated_at` change on every save
# and would only repeat the revision's own number and date.
NOT_IN_HISTORY = ["version", "updated_at"]

TYPES = {"+": "created", "~": "changed", "-": "deleted"}


class RecordedHistory(HistoricalRecords):
    """simple-history's HistoricalRecords with one revision per edit.

    simple-history records a revision on the save and another on each many-to-many
    signal: saving a claim's form or PATCHing its topics made up to three revisions,
    two of them half-done. Here topic changes made in the same transaction as a save
    update that save's revision instead. It is also reachable from its model as
    `_history_recorder`, so that code outside a save (the baseline command) can
    record a revision.
    """

    def __init__(self, **kwargs):
        super().__init__(excluded_fields=NOT_IN_HISTORY, **kwargs)

    def finalize(self, sender, **kwargs):
        if sender is self.cls:
            # Only the fields this model has (sources have no `updated_at`): simple-history looks each
            # excluded name up on the model when it rebuilds a past revision, and a missing one is a 500.
            names = {field.name for field in sender._meta.fields}
            self.excluded_fields = [name for name in self.excluded_fields if name in names]
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            sender._history_recorder = self

    def create_historical_record(self, instance, history_type, using=None):
        super().create_historical_record(instance, history_type, using)
        connection = transaction.get_connection(using)
        if self.m2m_fields and connection.in_atomic_block:
            # Until this transaction (its outermost block) ends, many-to-many changes belong here.
            instance._open_revision = (connection.atomic_blocks[0], getattr(instance, self.manager_name).first())

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        block, revision = getattr(instance, "_open_revision", (None, None))
        blocks = transaction.get_connection().atomic_blocks
        if revision is None or not blocks or blocks[0] is not block or not action.startswith("post_"):
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        for field in revision._history_m2m_fields:
            getattr(type(revision), field.name).model.objects.filter(history=revision).delete()
        self.create_historical_record_m2ms(revision, instance)
        return None


def record_revision(instance, history_type: str, reason: str) -> None:
    """Record a revision of `instance` as it is now (with its many-to-many snapshot)."""
    instance._change_reason = reason
    type(instance)._history_recorder.create_historical_record(instance, history_type)


def tracked_fields(model: type[Model]) -> list:
    """The model's fields that its history records, in declaration order."""
    history_model = model.history.model
    recorded = {f.attname for f in history_model._meta.fields}
    return [f for f in model._meta.concrete_fields if f.attname in recorded and not f.primary_key]


def history_queryset(model: type[Model], pk) -> QuerySet:
    """A record's revisions, newest first, with their authors and the authors' public names."""
    return (
        model.history.filter(**{model._meta.pk.attname: pk})
        .select_related("history_user__profile")
        .order_by("-history_date", "-history_id")
    )


def _m2m_snapshots(model: type[Model], records: list) -> dict[str, dict[int, list]]:
    """{field: {history_id: sorted related ids}} for the model's tracked many-to-many fields."""
    snapshots = {}
    history_model = model.history.model
    for field in getattr(history_model, "_history_m2m_fields", []):
        m2m_history_model = getattr(history_model, field.name).model
        target = field.m2m_reverse_field_name()
        rows = m2m_history_model.objects.filter(history_id__in=[r.history_id for r in records]).values_list(
            "history_id", f"{target}_id"
        )
        by_record = {r.history_id: [] for r in records}
        for history_id, related_id in rows:
            by_record[history_id].append(related_id)
        snapshots[field.name] = {k: sorted(v) for k, v in by_record.items()}
    return snapshots


def history_entries(model: type[Model], records: list, previous=None) -> list[dict]:
    """Changes made by each of `records` (newest first); `previous` is the revision before the oldest."""
    chain = [*records, previous] if previous is not None else list(records)
    fields = tracked_fields(model)
    m2m = _m2m_snapshots(model, chain)
    entries = []
    for index, record in enumerate(records):
        before = chain[index + 1] if index + 1 < len(chain) else None
        changes = []
        if record.history_type != "-":
            for field in fields:
                new = getattr(record, field.attname)
                old = getattr(before, field.attname) if before is not None else None
                if before is None and new in (None, "", []):
                    continue
                if new != old:
                    changes.append({"field": field.name, "old": old, "new": new})
            for name, snapshot in m2m.items():
                new = snapshot[record.history_id]
                old = snapshot[before.history_id] if before is not None else []
                if new != old:
                    changes.append({"field": name, "old": old, "new": new})
        entries.append(
            {
                "id": record.history_id,
                "type": TYPES[record.history_type],
                "at": record.history_date,
                "user": record.history_user,
                "reason": record.history_change_reason,
                "changes": changes,
            }
        )
    return entries


def tracked_models() -> list[type[Model]]:
    """The claims models that keep revision history."""
    from django.apps import apps

    return [model for model in apps.get_app_config("claims").get_models() if "_history_recorder" in vars(model)]


def authored_revisions(user, limit: int = 5) -> list:
    """Up to `limit` revisions per tracked model made by `user`."""
    return [record for model in tracked_models() for record in model.history.filter(history_user=user)[:limit]]


def protect_history_authors(sender, instance, **kwargs) -> None:
    """pre_delete receiver for users: refuse to delete the author of any revision.

    simple-history's author column is SET_NULL, so deleting a user would silently
    erase who made their changes. Deactivate the user instead.
    """
    from django.db.models import ProtectedError

    authored = authored_revisions(instance)
    if authored:
        raise ProtectedError(
            f"User {instance} is the author of revisions in the record's history; deactivate the user instead.",
            set(authored),
        )
