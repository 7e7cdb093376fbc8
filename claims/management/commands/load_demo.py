import datetime
import json

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from claims.extraction import extract_from_record
from claims.extraction.accept import drafts_accept
from claims.models import Article, Claim

FIXTURE = "albu_kamal_2017"
# An article of the extraction corpus (written for the project), read and accepted as an editor would:
# the whole path from a text to anchored claims, on a fresh machine.
DEMO_ARTICLE = settings.BASE_DIR / "bench" / "corpus" / "dravik-siege"


class Command(BaseCommand):
    help = (
        f"Load the demo record ({FIXTURE}) into an empty database (each record gets a first revision), and one "
        "article with its text, its claims extracted from it and accepted. A database that already has claims "
        "is left as it is, so a restart keeps your edits."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        if Claim.objects.exists():
            self.stdout.write("Claims already present: demo data not loaded again.")
            return
        call_command("loaddata", FIXTURE, verbosity=options["verbosity"])
        meta = json.loads(DEMO_ARTICLE.with_suffix(".json").read_text(encoding="utf-8"))
        article = Article(
            title=meta["title"],
            published_on=datetime.date.fromisoformat(meta["published_on"]),
            language=meta["language"],
            body=DEMO_ARTICLE.with_suffix(".txt").read_text(encoding="utf-8"),
        )
        article._change_reason = "load_demo"
        article.save()
        drafts = extract_from_record(article.body, published_on=article.published_on, language=article.language)
        accepted = drafts_accept(article=article, drafts=drafts, user=None)
        if options["verbosity"]:
            self.stdout.write(
                f"Article #{article.pk} ({article.title}): {len(accepted.claims)} claims extracted and accepted."
            )
