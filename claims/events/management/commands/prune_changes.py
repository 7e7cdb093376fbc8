import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.events.feed import prune


class Command(BaseCommand):
    help = (
        "Delete the change feed's entries older than CHANGES_KEPT_DAYS days (90 unless set; at least 30). "
        "Run it daily (cron, a systemd timer). A client whose cursor names a deleted entry gets 410 and re-syncs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days instead of CHANGES_KEPT_DAYS (at least 30: what clients are promised).",
        )

    def handle(self, *args, days=None, **options):
        days = settings.CHANGES_KEPT_DAYS if days is None else days
        if days < 30:
            raise CommandError(f"--days {days}: the feed keeps at least 30 days of changes (clients rely on it).")
        deleted = prune(older_than=datetime.timedelta(days=days))
        self.stdout.write(f"{deleted} changes older than {days} days deleted")
