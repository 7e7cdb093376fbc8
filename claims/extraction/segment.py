"""Stage 1: cut an article into units (sentences, with a quotation kept whole) with their offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN_QUOTES = '“"'
CLOSE_QUOTES = '”"'

# A dateline ("BEIRUT/BAGHDAD (Reuters) - "), possibly after a metadata date, opens the first paragraph.
_DATELINE = re.compile(
    r"^\s*(?:date\s+\d{4}-\d{2}-\d{2}\s+|\d{4}-\d{2}-\d{2}\s+)?"
    r"(?:[A-Z][A-Z/ .'’-]{1,40}?(?:,\s+[A-Z][\w .'’-]{1,30}?)?\s*(?:\([^)\n]{1,40}\))?\s*[-–—]{1,2}\s+)?"
)
# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "col",
        "lt",
        "maj",
        "capt",
        "sgt",
        "cpl",
        "adm",
        "sen",
        "rep",
        "gov",
        "st",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "etc",
        "no",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "rev",
        "hon",
        "pres",
        "sec",
        "dept",
        "est",
        "approx",
    ]
)
# A run of stops starts only where the previous character is none, and is taken whole (possessive): a text
# of stops that never end a sentence (a row of dots) is read once, not once from each of its characters.
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++[”\"’']?+(?=\s+[“\"A-Z0-9‘'(])")
# The longest abbreviation worth looking back for ("Lt.Gen.", "U.S.A."): bounds the look behind each stop.
_ABBREVIATION_REACH = 24


@dataclass(frozen=True)
class Unit:
    """A sentence (or a whole quotation) of the text, by character offsets into the original."""

    start: int
    end: int
    paragraph: int
    # The unit opens a quotation that the paragraph does not close: it runs on into the next paragraph.
    open_quote: bool = False


def _is_heading(paragraph: str) -> bool:
    letters = [c for c in paragraph if c.isalpha()]
    return bool(letters) and (not any(c.islower() for c in letters) or paragraph.rstrip()[-1:] not in ".!?”\"’'")


def _quote_depth_after(text: str, depth: int = 0) -> int:
    """The depth of open quotations after `text`, starting from `depth`."""
    for ch in text:
        if ch == "“":
            depth += 1
        elif ch == "”":
            depth = max(0, depth - 1)
        elif ch == '"':
            depth = 0 if depth else 1
    return depth


def _ends_in_abbreviation(text: str) -> bool:
    match = re.search(r"([A-Za-z.]+)\.$", text)
    if not match:
        return False
    word = match.group(1)
    # Initials and dotted abbreviations: "U.S.", "J." in "John J. Smith".
    return word.lower() in _ABBREVIATIONS or len(word) == 1 or "." in word


def _sentences(paragraph: str, offset: int) -> list[tuple[int, int]]:
    spans, start = [], 0
    # The quotation depth is carried from stop to stop: each character is read once, however long a quote.
    depth, read_to = 0, 0
    for match in _SENTENCE_END.finditer(paragraph):
        depth, read_to = _quote_depth_after(paragraph[read_to : match.end()], depth), match.end()
        if depth or _ends_in_abbreviation(paragraph[max(0, match.start() - _ABBREVIATION_REACH) : match.start() + 1]):
            continue
        spans.append((offset + start, offset + match.end()))
        start = match.end()
        while start < len(paragraph) and paragraph[start].isspace():
            start += 1
    if paragraph[start:].strip():
        spans.append((offset + start, offset + len(paragraph.rstrip())))
    return spans


def units(text: str) -> list[Unit]:
    """Sentences of the text in order, skipping the dateline and headings.

    A quotation of several sentences stays one unit, so "“A. B,” she said." keeps its speaker.
    """
    found: list[Unit] = []
    paragraph_index = 0
    for match in re.finditer(r"[^\n]+", text):
        paragraph, offset = match.group(0), match.start()
        if not paragraph.strip() or _is_heading(paragraph):
            continue
        if paragraph_index == 0:
            skip = _DATELINE.match(paragraph).end()
            paragraph, offset = paragraph[skip:], offset + skip
        while paragraph and paragraph[0].isspace():
            paragraph, offset = paragraph[1:], offset + 1
        for start, end in _sentences(paragraph, offset):
            open_quote = bool(_quote_depth_after(text[start:end]))
            found.append(Unit(start, end, paragraph_index, open_quote))
        paragraph_index += 1
    return found


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of text[start:end], quotation marks or not: used to divide a quotation."""
    return _sentences(text[start:end], start)
