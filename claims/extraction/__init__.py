"""Drafts of who said what, found in a news text by rules: a pure library that writes nothing.

    from claims.extraction import extract, Dictionary
    drafts = extract(text, published_on=date(2017, 11, 8), dictionary=Dictionary.from_record())

The stages, one module each: segment (units) -> cues -> patterns (source and content around a cue)
-> parties -> coref -> dates -> wording -> links; pipeline runs them. docs/extraction.md has the rules.
"""

from claims.extraction.dictionary import Dictionary
from claims.extraction.pipeline import extract

__all__ = ["Dictionary", "extract"]
