"""Optimistic locking: no edit silently overwrites another.

Every versioned record carries a `version` number. Saving a record that was read
at version N runs `UPDATE ... SET version = N + 1 WHERE id = ... AND version = N`:
the check and the write are one statement, so it holds under a real race (on
PostgreSQL the second UPDATE waits for the first to commit, then matches no row).
A save that matches no row while the row exists raises `VersionConflict`; the
admin turns that into a form error, the API into 412 (with If-Match) or 409.
"""

from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver


class VersionConflict(Exception):
    """The record was changed, or deleted, by someone else since this copy of it was read."""

    def __init__(self, instance, deleted: bool = False):
        self.instance = instance
        self.deleted = deleted
        what = "deleted" if deleted else "changed"
        super().__init__(
            f"{instance._meta.verbose_name.capitalize()} #{instance.pk} was {what} by someone else "
            f"since version {instance.version} was read."
        )


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up by one with every saved change (the ETag)."
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        if getattr(self, "_raw_save", False):
            # loaddata restores a record as the fixture has it: no check, but clients' ETags go stale.
            values = [(f, m, models.F("version") + 1 if f.attname == "version" else v) for f, m, v in values]
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        expected = self.version
        values = [(f, m, expected + 1 if f.attname == "version" else v) for f, m, v in values]
        updated = super()._do_update(
            base_qs.filter(version=expected), using, pk_val, values, update_fields, forced_update
        )
        if updated:
            self.version = expected + 1
        elif base_qs.filter(pk=pk_val).exists():
            raise VersionConflict(self)
        elif not self._state.adding:
            # Read from the database, now gone: deleted meanwhile. Returning False would make
            # Django INSERT it again, bringing a deleted record back.
            raise VersionConflict(self, deleted=True)
        return updated


@receiver(pre_save)
def _note_raw_saves(sender, instance, raw, **kwargs):
    # Model.save_base() is called directly by loaddata, so this is where `raw` can be seen.
    if isinstance(instance, VersionedModel):
        instance._raw_save = raw
