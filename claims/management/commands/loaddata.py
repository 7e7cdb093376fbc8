from django.core.management.commands import loaddata

from claims.history import record_revision, tracked_models


class Command(loaddata.Command):
    """Django's loaddata, plus a revision for each claims record it creates or overwrites.

    loaddata saves rows raw, which history-keeping skips; without this, loading a
    fixture over edited records would change them with no trace. The revisions are
    recorded once all objects are in, so a claim's revision carries its topics.
    """

    help = loaddata.Command.help + " Records a revision for each claims record it writes."

    def loaddata(self, fixture_labels):
        self._written = {}  # (model, pk) -> existed before
        self._tracked = set(tracked_models())
        super().loaddata(fixture_labels)
        reason = f"loaddata {' '.join(fixture_labels)}"
        for (model, pk), existed in self._written.items():
            obj = model._base_manager.filter(pk=pk).first()
            if obj is not None:
                record_revision(obj, "~" if existed else "+", reason)

    def save_obj(self, obj):
        model, pk = type(obj.object), obj.object.pk
        tracked = model in self._tracked
        existed = tracked and pk is not None and model._base_manager.filter(pk=pk).exists()
        saved = super().save_obj(obj)
        if saved and tracked:
            self._written.setdefault((model, obj.object.pk), existed)
        return saved
