import datetime
import sys
from collections import Counter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.models import ISO_DATE, Article, Source


class Command(BaseCommand):
    help = (
        "Import an article's text from a UTF-8 plain-text file (or - for standard input). With --url of an "
        "article already recorded, its text (and any other field given) is replaced, and the claims "
        "anchored in it are found again; otherwise a new article is made. Prints the article's id."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--title", help="Required for a new article.")
        parser.add_argument("--published-on", help="YYYY-MM-DD")
        parser.add_argument("--url", default="")
        parser.add_argument("--publisher", help="The publishing source's slug.")
        parser.add_argument("--language", help="BCP 47 code, such as en or ar (default en).")
        parser.add_argument("--dateline", help="e.g. BEIRUT")

    def handle(self, *args, file, title, published_on, url, publisher, language, dateline, **options):
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
            body = raw.decode("utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text (byte {exc.start}).") from exc
        # Offsets into the text are characters of the text as stored: one newline convention.
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        fields = {"body": body}
        if title is not None:
            fields["title"] = title
        if published_on is not None:
            if not ISO_DATE.fullmatch(published_on):
                raise CommandError(f"--published-on: enter a date as YYYY-MM-DD, not {published_on!r}.")
            try:
                fields["published_on"] = datetime.date.fromisoformat(published_on)
            except ValueError as exc:
                raise CommandError(f"--published-on: {published_on} is not a date.") from exc
        if publisher is not None:
            fields["publisher"] = Source.objects.filter(slug=publisher).first()
            if fields["publisher"] is None:
                raise CommandError(f"--publisher: no source has the slug {publisher!r}.")
        for name, value in (("language", language), ("dateline", dateline)):
            if value is not None:
                fields[name] = value
        with transaction.atomic():
            article = Article.objects.filter(url=url).select_for_update().first() if url else None
            created = article is None
            if created:
                if title is None:
                    raise CommandError("--title is required for a new article.")
                article = Article(url=url)
            for name, value in fields.items():
                setattr(article, name, value)
            try:
                article.full_clean()
            except ValidationError as exc:
                problems = "; ".join(
                    f"--{name.replace('_', '-')}: {' '.join(messages)}"
                    if name != "body"
                    else f"{file}: {' '.join(messages)}"
                    for name, messages in exc.message_dict.items()
                )
                raise CommandError(f"Nothing was imported. {problems}") from exc
            article._change_reason = f"import_article {'standard input' if file == '-' else Path(file).name}"
            article.save()
        statuses = Counter(article.appearances.exclude(status="").values_list("status", flat=True))
        found = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) or "none"
        what = "Created" if created else f"Updated (anchors: {found})"
        self.stdout.write(f"{what} article #{article.pk}: {article.title} ({len(body):,} characters)")
