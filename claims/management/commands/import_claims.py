import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.interchange import FORMATS, ImportFailed, import_claims

EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class Command(BaseCommand):
    help = (
        "Import claims from a CSV or JSON Lines file (columns and rules: docs/import-export.md). "
        "All rows or none: if any row is bad, nothing is written and every bad row is listed. "
        "A row whose claim exists (same source, date and text) updates it where it differs, so "
        "importing a file again changes nothing. Each record written gets a revision, 'import FILE'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import, or - for standard input (then give --format).")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file's extension.")

    def handle(self, *args, file, format, **options):
        fmt = format or EXTENSIONS.get(Path(file).suffix.lower())
        if fmt is None:
            raise CommandError(
                f"Cannot tell the format of {file!r} from its name: give --format {' or --format '.join(FORMATS)}."
            )
        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from exc
        reason = f"import {'standard input' if file == '-' else Path(file).name}"
        try:
            summary = import_claims(data, fmt, reason=reason, progress=self._progress)
        except ImportFailed as exc:
            problems = f"{len(exc.errors)} problem{'s' if len(exc.errors) != 1 else ''}" if exc.errors else "A problem"
            raise CommandError(f"{problems} in {file}; nothing was imported.\n{exc}") from exc
        self.stdout.write(str(summary))

    def _progress(self, items, description, total):
        # A bar on a terminal only: a log or a pipe gets the summary alone.
        stream = getattr(self.stderr, "_out", sys.stderr)
        enabled = total >= 1000 and hasattr(stream, "isatty") and stream.isatty()
        return tqdm(items, desc=description, total=total, unit=" rows", file=stream, disable=not enabled)
