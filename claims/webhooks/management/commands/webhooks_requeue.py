from django.core.management.base import BaseCommand

from claims.webhooks.services import deliveries_requeue_stale


class Command(BaseCommand):
    help = (
        "Queue again the pending webhook deliveries no worker is on (after a worker was killed mid-attempt). "
        "Safe to run at any time, e.g. before starting the workers: a delivery is never sent twice at once."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{deliveries_requeue_stale()} deliveries queued again.")
