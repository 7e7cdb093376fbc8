"""Synthetic records at scale, for benchmarks and load tests: `manage.py generate_claims`.

A deterministic record (same seed and same starting database, same rows) of organisations and
the people who speak for them, outlets and their articles, topics, claims in eight languages,
the links between claims (denials, support, retractions) and editors' reviews. Why it is
written the way it is (COPY, the search document, what is left out): docs/performance.md.

Three modules, each importing only those before it:

- `phrasebook`: the words (phrase banks in eight languages, `Phrasebook`, `Wordings`, the names
  of places, people, sources and topics);
- `records`: the rows of one run from a seed, as lines of COPY text (`Sizes`, `Generator`);
- `loaders`: writing them to the database, all or nothing (`generate_claims`, on PostgreSQL with
  COPY, elsewhere with INSERTs).
"""

from claims.generate.loaders import (
    GENERATED_USERS,
    PENDING,
    GenerationRefused,
    IndexesUnfinished,
    Summary,
    generate_claims,
)
from claims.generate.records import COLUMNS, Generator, Sizes

__all__ = [
    "COLUMNS",
    "GENERATED_USERS",
    "PENDING",
    "GenerationRefused",
    "Generator",
    "IndexesUnfinished",
    "Sizes",
    "Summary",
    "generate_claims",
]
