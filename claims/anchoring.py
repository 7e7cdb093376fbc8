"""Anchors: where a passage lies in an article's text, and finding it again when the text changes.

An anchor holds both selectors of the W3C Web Annotation model: a TextPositionSelector
(`start`, `end`: character offsets) and a TextQuoteSelector (`exact` with a little `prefix`
and `suffix` context). Position alone breaks with the first edit above the passage; the quote
alone is ambiguous when the words recur. Re-anchoring tries, as Hypothesis' client does:

1. the same position, if the same words are still there;
2. the same words elsewhere, the occurrence whose context matches best, nearest the old place;
3. the best approximate match (rapidfuzz's partial ratio) scoring at least `FUZZY_THRESHOLD`;

and otherwise says plainly that the anchor is lost ("orphaned"). docs/articles-and-anchors.md
has the measurements behind the threshold. Pure functions of text: no database here.
"""

from dataclasses import asdict, dataclass, fields, replace

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

# Characters of context kept on each side (Hypothesis keeps 32).
CONTEXT = 32
# The least partial-ratio score (0-100) an approximate match needs, and the shortest passage matched
# approximately at all. Measured by bench/anchoring.py (docs/articles-and-anchors.md): a deleted
# passage of 40 characters still scored up to 75.6 against the rest of its article, one of 80 up to
# 61; a 20-character one up to 100, since short runs of words recur.
FUZZY_THRESHOLD = 77
FUZZY_MIN_LENGTH = 32
# Occurrences of a repeated passage weighed before the nearest is taken: more is a phrase like "said".
MAX_OCCURRENCES = 1000


@dataclass(frozen=True)
class Anchor:
    """Both selectors of a passage, and how it was last found (an AnchorStatus value, or "" for none)."""

    start: int | None
    end: int | None
    exact: str = ""
    prefix: str = ""
    suffix: str = ""
    status: str = ""

    @property
    def placed(self) -> bool:
        return self.start is not None and self.end is not None

    def as_fields(self) -> dict:
        """The anchor as the fields of an appearance that stores it (`FIELDS`)."""
        return asdict(self)


# An anchor's fields, in order: also the columns of an appearance that stores one (claims.models.Appearance).
FIELDS = tuple(field.name for field in fields(Anchor))


def describe(body: str, start: int, end: int, status: str = "anchored") -> Anchor:
    """The anchor of `body[start:end]`, with its context."""
    return Anchor(
        start=start,
        end=end,
        exact=body[start:end],
        prefix=body[max(0, start - CONTEXT) : start],
        suffix=body[end : end + CONTEXT],
        status=status,
    )


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def locate_quote(body: str, exact: str, prefix: str = "", suffix: str = "", near: int | None = None) -> int | None:
    """The start of the occurrence of `exact` whose context best matches, nearest `near`; None if absent."""
    if not exact:
        return None
    best, best_key = None, None
    position = body.find(exact)
    for _ in range(MAX_OCCURRENCES):
        if position < 0:
            break
        context = _common_suffix(body[max(0, position - len(prefix)) : position], prefix) + _common_prefix(
            body[position + len(exact) : position + len(exact) + len(suffix)], suffix
        )
        key = (-context, abs(position - near) if near is not None else position)
        if best_key is None or key < best_key:
            best, best_key = position, key
        position = body.find(exact, position + 1)
    return best


def _nearest(body: str, needle: str, lo: int, hi: int, target: int) -> int | None:
    """The start of the occurrence of `needle` in body[lo:hi] nearest `target`, or None."""
    best, at = None, body.find(needle, lo, hi)
    while at >= 0:
        if best is None or abs(at - target) < abs(best - target):
            best = at
        at = body.find(needle, at + 1, hi)
    return best


def locate_fuzzy(body: str, exact: str, prefix: str = "", suffix: str = "") -> tuple[int, int, float] | None:
    """The best approximate match of `exact` in `body` as (start, end, score), if it reaches the threshold.

    partial_ratio finds the best window as long as the passage; an edit changes the passage's length.
    Its ends are then the unchanged context around that window when it is still there (the usual
    case: an edit inside the passage), else found by aligning the passage with the text around the
    window, moved out to whole words.
    """
    if len(exact) < FUZZY_MIN_LENGTH or not body:
        return None
    found = fuzz.partial_ratio_alignment(exact, body, score_cutoff=FUZZY_THRESHOLD)
    if found is None:
        return None
    margin = len(exact) // 4 + 1
    lo, hi = max(0, found.dest_start - margin), min(len(body), found.dest_end + margin)
    matched = [op for op in Levenshtein.opcodes(exact, body[lo:hi]) if op.tag == "equal"]
    if not matched:
        return None
    first, last = matched[0], matched[-1]
    start = max(0, lo + first.dest_start - first.src_start)
    end = min(len(body), lo + last.dest_end + (len(exact) - last.src_end))
    # The context, where it survived, gives the ends exactly.
    before = _nearest(body, prefix, max(0, lo - len(prefix)), hi, start - len(prefix)) if prefix else None
    after = _nearest(body, suffix, lo, min(len(body), hi + len(suffix)), end) if suffix else None
    if before is not None and before + len(prefix) < end:
        start = before + len(prefix)
    if after is not None and after > start:
        end = after
    while start > 0 and body[start - 1].isalnum() and body[start].isalnum():
        start -= 1
    while end < len(body) and body[end - 1].isalnum() and body[end].isalnum():
        end += 1
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    if fuzz.ratio(exact, body[start:end]) < FUZZY_THRESHOLD:
        return None
    return start, end, found.score


def relocate(body: str, anchor: Anchor) -> Anchor:
    """`anchor` found again in `body` (which may have changed): anchored, moved, fuzzy or orphaned."""
    if not anchor.exact:
        return anchor  # nothing to look for: an appearance with no anchor
    if anchor.placed and body[anchor.start : anchor.end] == anchor.exact:
        return describe(body, anchor.start, anchor.end, "anchored")
    start = locate_quote(body, anchor.exact, anchor.prefix, anchor.suffix, near=anchor.start)
    if start is not None:
        return describe(body, start, start + len(anchor.exact), "moved")
    found = locate_fuzzy(body, anchor.exact, anchor.prefix, anchor.suffix)
    if found is not None:
        return describe(body, found[0], found[1], "fuzzy")
    # The passage is gone. Its words and context are kept, so a later edit that restores them finds it.
    return replace(anchor, start=None, end=None, status="orphaned")


@dataclass(frozen=True)
class Segment:
    """A run of an article's text, and the anchored item (or None) it belongs to."""

    text: str
    item: object = None


def segments(body: str, anchored: list[tuple[int, int, object]]) -> list[Segment]:
    """`body` cut into runs, each either plain or inside one anchor, for showing passages highlighted.

    `anchored` holds (start, end, item). Where two passages overlap, the later one starts where the
    earlier ends, so every character is shown once.
    """
    runs, at = [], 0
    for start, end, item in sorted(anchored, key=lambda a: (a[0], a[1])):
        start = max(start, at)
        if start >= end:
            continue
        if start > at:
            runs.append(Segment(body[at:start]))
        runs.append(Segment(body[start:end], item))
        at = end
    if at < len(body):
        runs.append(Segment(body[at:]))
    return runs


def in_context(body: str, start: int, end: int, width: int = 200) -> tuple[str, str, str]:
    """(before, passage, after): the passage with up to `width` characters each side, cut at spaces."""
    before = body[max(0, start - width) : start]
    after = body[end : end + width]
    if start - width > 0 and " " in before:
        before = "…" + before[before.index(" ") + 1 :]
    if end + width < len(body) and " " in after:
        after = after[: after.rindex(" ")] + "…"
    return before, body[start:end], after
