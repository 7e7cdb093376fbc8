from django.core.management.base import BaseCommand
from django.db import transaction

from claims.history import record_revision, tracked_models

REASON = "Baseline: the record as it stood when history began"


class Command(BaseCommand):
    help = (
        "Record a first revision for every record that has none: records written before history was "
        "kept or by raw SQL (a restored dump), so later changes show as differences from that state."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        for model in tracked_models():
            recorded = model.history.values("id")
            missing = model.objects.exclude(pk__in=recorded)
            count = 0
            for obj in missing:
                record_revision(obj, "+", REASON)
                count += 1
            if count:
                self.stdout.write(f"{model._meta.verbose_name_plural}: {count} baseline revisions")
