"""Drafts of who said what, found in a news text by rules: a pure library that writes nothing.

    from claims.extraction import extract, Dictionary
    drafts = extract(text, published_on=date(2017, 11, 8), dictionary=Dictionary.from_record())
    drafts = extract_from_record(text, published_on=date(2017, 11, 8))  # the same, as the service reads

The stages, one module each: segment (units) -> cues -> patterns (source and content around a cue)
-> parties -> coref -> dates -> wording -> links; pipeline runs them. docs/extraction.md has the rules.
"""

from claims.extraction.dictionary import Dictionary
from claims.extraction.pipeline import extract


def extract_from_record(text: str, *, published_on, language: str = "en") -> list[dict]:
    """`extract` with the record's sources as its dictionary: how the API, the admin and the demo read a text."""
    return extract(text, published_on=published_on, language=language, dictionary=Dictionary.from_record())


__all__ = ["Dictionary", "extract", "extract_from_record"]
