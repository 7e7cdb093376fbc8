from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from claims.models import Claim

FIXTURE = "albu_kamal_2017"


class Command(BaseCommand):
    help = (
        f"Load the demo record ({FIXTURE}) into an empty database (each record gets a first revision). "
        "A database that already has claims is left as it is, so a restart keeps your edits."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        if Claim.objects.exists():
            self.stdout.write("Claims already present: demo data not loaded again.")
            return
        call_command("loaddata", FIXTURE, verbosity=options["verbosity"])
