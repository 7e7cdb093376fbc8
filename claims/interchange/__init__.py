"""Bulk import and export of claims in one file format, CSV or JSON Lines (docs/import-export.md).

- `format`: the columns, how a claim becomes a row and how a row is read back;
- `importer`: `import_claims`, all rows or none (the `import_claims` command);
- `export`: the claim list streamed as a file (`GET /api/claims/?format=csv`).
"""

from claims.interchange.format import COLUMNS, FORMATS, claim_to_row, read_rows, rows_to_lines
from claims.interchange.importer import ImportFailed, Summary, import_claims

__all__ = [
    "COLUMNS",
    "FORMATS",
    "ImportFailed",
    "Summary",
    "claim_to_row",
    "import_claims",
    "read_rows",
    "rows_to_lines",
]
