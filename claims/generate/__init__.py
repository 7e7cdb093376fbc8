"""Synthetic records at scale, for benchmarks and load tests: `manage.py generate_claims` (see `records`)."""

from claims.generate.records import (
    COLUMNS,
    GENERATED_USERS,
    PENDING,
    GenerationRefused,
    Generator,
    IndexesUnfinished,
    Sizes,
    Summary,
    generate_claims,
)

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
