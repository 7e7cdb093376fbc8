"""Stage 8: which statements deny, contradict or support which, from the text's own words.

- A denial, contradiction or confirmation that names what it answers ("denied a report by the
  Observatory that...") links to the latest statement by that party.
- One that points back ("but they denied it", "rejected that account") links to the statement it
  follows.
- One with its own content links to the earlier statement it shares most words with.
- What a denier says next in its own defence (a quotation right after the denial) supports the denial.
"""

from __future__ import annotations

import re

RELATION = {"deny": "denies", "contradict": "contradicts", "support": "supports"}

REPORT_NOUN = (
    r"(?:reports?|claims?|allegations?|accusations?|suggestions?|statements?|accounts?|charges?|stor(?:y|ies)|"
    r"criticisms?|assertions?|versions?|figures?|findings)"
)
# "it", "the report", "that account", "such claims", optionally "... as propaganda".
ANAPHOR = re.compile(
    rf"^(?:it|this|that|them|him|her|these|those|(?:the|this|that|these|those|such|his|her|its|their)\s+(?:\w+\s+)?{REPORT_NOUN})\b"
    rf"(?:\s+as\s+[^.]+)?[.,]?$",
    re.IGNORECASE,
)
# "a report by the Observatory that ...": who made the statement being answered, and what it said.
ANSWERED = re.compile(
    rf"^(?:an?\s+|the\s+)?(?:\w+\s+)?{REPORT_NOUN}\s+(?:by|from|of|in)\s+(?P<target>.+?)\s+that\s+(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
UNNAMED_ANSWERED = re.compile(rf"^(?:an?\s+|the\s+)?(?:\w+\s+)?{REPORT_NOUN}\s+that\s+(?P<rest>.+)$", re.I | re.DOTALL)
# "said the true number was closer to forty": a correction of the figure just given.
CORRECTION = re.compile(r"^(?:the\s+)?(?:true|real|actual|correct)\s+(?:number|figure|toll|total|count|amount)\b", re.I)
NEGATION = re.compile(
    r"\b(?:no|not|never|nothing|none|nobody|neither|nor|false|untrue|baseless|unfounded)\b|n't\b", re.I
)

_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "that",
        "this",
        "it",
        "its",
        "their",
        "they",
        "he",
        "she",
        "was",
        "were",
        "is",
        "are",
        "had",
        "has",
        "have",
        "been",
        "be",
        "will",
        "would",
        "not",
        "no",
        "as",
        "into",
        "after",
        "before",
        "over",
        "than",
        "then",
        "there",
        "which",
        "who",
        "what",
        "when",
    ]
)


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z'-]+", text.lower()) if w not in _STOP and len(w) > 2}


def overlap(a: str, b: str) -> float:
    """Shared content words over the smaller side's: how much two statements are about the same thing."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))
