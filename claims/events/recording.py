"""Writing the change record: one Change per revision that simple-history records.

The hook is simple-history's post_create_historical_record, which every history-keeping save and
delete passes through (API, admin, bulk admin actions, imports, accepting drafts, re-anchoring,
loaddata, history_baseline): one place, so that a new write path cannot forget it. The one
exception is simple-history's bulk_history_create, which sends no signal: the import's bulk
inserts call `record_created_in_bulk` beside it. The demo generator (generate_claims) writes
neither revisions nor changes (docs/changes-and-webhooks.md). A claim's topic changes made in the same
transaction as its save update that save's revision (claims.history.RecordedHistory), so they make
no second entry either.
"""

from django.db import transaction

from claims.events.models import Change, ChangeAction, ChangeKind
from claims.events.signals import change_recorded

# Model name (of the claims app's history-keeping models) → the kind of change it makes.
KINDS = {
    "claim": ChangeKind.CLAIM,
    "claimlink": ChangeKind.LINK,
    "source": ChangeKind.SOURCE,
    "topic": ChangeKind.TOPIC,
    "article": ChangeKind.ARTICLE,
    "appearance": ChangeKind.APPEARANCE,
    "review": ChangeKind.REVIEW,
}

ACTIONS = {"+": ChangeAction.CREATED, "~": ChangeAction.UPDATED, "-": ChangeAction.DELETED}


def kind_of(model) -> str:
    """The change kind of a history-keeping model; a KeyError names a model the change record forgot."""
    return KINDS[model._meta.model_name]


def record_change(sender, instance, history_instance, using=None, **kwargs) -> Change:
    """post_create_historical_record receiver: write the Change for this revision, then announce it."""
    action = ACTIONS[history_instance.history_type]
    # Atomic, so the Change and whatever change_recorded's receivers write (deliveries) stand or fall
    # together even when the record was saved in autocommit; inside a transaction it is a savepoint-free
    # part of it.
    with transaction.atomic(using=using, savepoint=False):
        change = Change.objects.using(using).create(
            kind=kind_of(type(instance)),
            action=action,
            subject=instance.pk,
            version=None if action == ChangeAction.DELETED else getattr(instance, "version", None),
            time=history_instance.history_date,
            user_id=history_instance.history_user_id,
        )
        change_recorded.send(sender=Change, change=change)
    return change


def record_created_in_bulk(model, objs: list, revisions: list) -> list[Change]:
    """Changes for records inserted in bulk with their first revisions (imports): bulk inserts pass
    no signal, so the code that writes the revisions writes these too, one `<kind>.created` each."""
    kind = kind_of(model)
    with transaction.atomic(savepoint=False):
        changes = Change.objects.bulk_create(
            Change(
                kind=kind,
                action=ChangeAction.CREATED,
                subject=obj.pk,
                version=getattr(obj, "version", None),
                time=revision.history_date,
                user_id=revision.history_user_id,
            )
            for obj, revision in zip(objs, revisions, strict=True)
        )
        for change in changes:
            change_recorded.send(sender=Change, change=change)
    return changes
