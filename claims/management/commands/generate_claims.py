import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.generate import GenerationRefused, IndexesUnfinished, generate_claims

# Claim topics, links and reviews wait in memory until the claims are in: some 200 bytes a claim.
MAX_CLAIMS = 10_000_000


class Command(BaseCommand):
    help = (
        "Add N synthetic claims, with the sources, articles, topics, links and reviews they need "
        "(for benchmarks and load tests; see docs/performance.md). The same --seed on the same "
        "database gives the same records. Appends to what is there; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True, metavar="N", help="How many claims to add.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the random choices (default 0).")

    def handle(self, *args, claims, seed, verbosity, **options):
        if not 1 <= claims <= MAX_CLAIMS:
            raise CommandError(f"--claims must be between 1 and {MAX_CLAIMS:,}, not {claims:,}.")
        with self._progress(claims) as bar:
            try:
                summary = generate_claims(claims, seed=seed, progress=bar.update)
            except GenerationRefused as exc:
                raise CommandError(f"{exc} Nothing was written.") from exc
            except IndexesUnfinished as exc:
                raise CommandError(str(exc)) from exc
        if verbosity >= 2:
            for phase, seconds in summary.phases.items():
                self.stdout.write(f"  {phase}: {seconds:.1f} s")
        self.stdout.write(str(summary))

    def _progress(self, total):
        # A bar on a terminal only: a log or a pipe gets the summary alone.
        stream = getattr(self.stderr, "_out", sys.stderr)
        enabled = total >= 1000 and hasattr(stream, "isatty") and stream.isatty()
        return tqdm(total=total, desc="claims", unit=" claims", file=stream, disable=not enabled)
