from django.core.management.base import BaseCommand

from claims.events.feed import rebase_restored, restored_ahead


class Command(BaseCommand):
    help = (
        "After restoring a dump into another PostgreSQL server: put the change feed's restored entries before "
        "the ones written since, so that the feed serves again (docs/changes-and-webhooks.md, 'Moving the "
        "database'). Clients that followed the feed before the move are told to copy again (410)."
    )

    def handle(self, *args, **options):
        if not restored_ahead("default"):
            self.stdout.write("The change feed is in order: nothing to do.")
            return
        moved = rebase_restored()
        self.stdout.write(f"{moved} restored changes moved before the ones written since; the feed serves again.")
