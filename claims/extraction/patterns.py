"""Stage 3: around each cue, the arrangement of source and content that news writing uses, as a table.

For each cue found in a unit, the text to its left and to its right are matched against the rows
below; each row is a pair of anchored regexes with named groups ``source`` (who), ``content`` or
``quote`` (what), and optional ``intro``, ``appos``, ``aux`` and ``tail`` whose words may date the
statement or describe the source. The first row whose source reads as a name wins, so quotations
come before the looser "content, source said".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claims.extraction import cues
from claims.extraction.cues import Cue

Q_OPEN = r"[“\"]"
Q_CLOSE = r"[”\"]"
END = r"[.!?]?[”\"’]?\s*$"

# Who: a phrase without the punctuation that ends a noun phrase. Whether it reads as a name is
# checked in code (parties.reads_as_party), which is simpler than a grammar in the regex.
SOURCE = r"(?P<source>[^,;:“”\"]{2,100}?)"
# At the start of a clause a source is a capitalised name, a determiner, a quantity or a pronoun.
SOURCE_AT_START = (
    r"(?P<source>(?:[A-Z]|(?:the|a|an|many|some|several|most|two|three|four|other|he|she|they|it|we|"
    r"officials|analysts|experts|residents|witnesses|critics|police|doctors)\b)[^,;:“”\"]{0,100}?)"
)
APPOS = r"(?:,\s+(?P<appos>[^,;“”\"]{2,120}?),)?"
# Words between source and cue: tense, adverbs and a time ("have in recent weeks reported").
AUX = (
    r"(?P<aux>(?:(?:has|have|had|also|later|earlier|again|previously|repeatedly|publicly|separately|already|"
    r"would|will|did|does|do|not|never|first|then|now|on\s+\w+|in\s+recent\s+\w+|last\s+\w+|this\s+\w+|[a-z]+ly)\s+)*)"
)
# After a cue that closes the sentence: a time, a place, a medium, "citing ...", or a participle
# clause in the reporter's voice (", signaling ...").
TAIL = (
    r"(?P<tail>(?:,?\s+(?:on|in|at|late|early|earlier|last|this|yesterday|today|citing|quoting|adding|"
    r"while|when|after|before|during|via|through|without|as|from|to|by)\b(?:(?!\bthat\b)[^.!?])*"
    r"|,\s+[a-z]+ing\b[^.!?]*)?)"
)
INTRO = (
    r"(?P<intro>(?:(?:On|In|At|By|Late|Early|Earlier|Later|Last|This|Yesterday|Today|Separately|Meanwhile|"
    r"However|Also|Despite|After|Before|During|Since|Speaking|Asked|Still|But|And|Instead)\b[^,;“”\"]{0,80},\s+"
    # a time needs no comma: "On Tuesday he told parliament..."
    r"|(?:(?:Late\s+|Early\s+)?On\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|[A-Z][a-z]{2,8}\.?\s+\d{1,2})"
    r"|Yesterday|Today|Earlier|Later|Last\s+(?:week|month|year))\s+)*)"
)
# "apologised to customers and said...": another verb of the same subject before the cue.
COORD = r"(?P<coord>(?<=\s)[a-z]+(?:ed|d)\b(?>(?:(?!\sand\s)[^;“”\"]){0,160}),?\s+and\s+)?"
APPOS_AFTER = r"(?:,\s+(?P<appos>(?:[^.!?]|\.(?=\d))+?))?"  # "8.4 percent" does not end it


@dataclass(frozen=True)
class Row:
    """One arrangement: what must stand left of the cue and what right of it."""

    name: str
    left: re.Pattern
    right: re.Pattern
    example: str
    takes: frozenset = frozenset()  # the cue rows (by ``takes``) it applies to; empty for all but "according"
    end: bool = False  # needs a cue that may close the sentence
    say_only: bool = False  # "..., said X": only plain attribution verbs come before their source


def _row(name, left, right, example, takes=(), end=False, say_only=False) -> Row:
    return Row(
        name, re.compile(left, re.DOTALL), re.compile(right, re.DOTALL), example, frozenset(takes), end, say_only
    )


_ALL_BUT_ACCORDING = ("clause", "that", "np", "to", "obj_to", "as", "of")

ROWS: tuple[Row, ...] = (
    _row(
        "quote, source cue",
        rf"^{Q_OPEN}(?P<quote>.+?)[,.?!]?{Q_CLOSE},?\s+{SOURCE}\s+{AUX}$",
        rf"^{TAIL}{END}",
        "“We will not leave,” the mayor said.",
        _ALL_BUT_ACCORDING,
        end=True,
    ),
    _row(
        "quote, cue source",
        rf"^{Q_OPEN}(?P<quote>.+?)[,.?!]?{Q_CLOSE},?\s+$",
        rf"^\s+{SOURCE}{APPOS_AFTER}{END}",
        "“We will not leave,” said Maria Lopez, the mayor.",
        _ALL_BUT_ACCORDING,
        end=True,
        say_only=True,
    ),
    _row(
        "quote, source cue, quote",
        rf"^{Q_OPEN}(?P<quote>.+?),{Q_CLOSE}\s+{SOURCE}\s+{AUX}$",
        rf"^(?P<tail>[^,]*),\s+{Q_OPEN}(?P<quote2>.+?){Q_CLOSE}\s*$",
        "“We will not leave,” the mayor said, “whatever the cost.”",
        _ALL_BUT_ACCORDING,
        end=True,
    ),
    _row(
        "source cue: quote",
        rf"^{INTRO}{SOURCE_AT_START}{APPOS}\s+{AUX}$",
        rf"^(?P<tail>(?:\s+(?:on|in|at|late|early|last|this|to|during|after|before|from)\b[^:“”\"]{{0,50}}?)?)\s*[:,]\s*{Q_OPEN}(?P<quote>.+?)[”\"]?\s*$",
        "The mayor said: “We will not leave.”",
        _ALL_BUT_ACCORDING,
    ),
    _row(
        "according to source, content",
        rf"^{INTRO}$",
        rf"^\s+{SOURCE}(?:,\s+(?P<appos>(?:a|an|the)\s[^,]+?))?,\s+(?P<content>.+?){END}",
        "According to the ministry, the dam is safe.",
        ("according",),
    ),
    _row(
        "content, according to source",
        r"^(?P<content>.+?),?\s+$",
        rf"^\s+{SOURCE}{APPOS_AFTER}{END}",
        "The dam is safe, according to the ministry.",
        ("according",),
    ),
    _row(
        "source cue content",
        rf"^{INTRO}{SOURCE_AT_START}{APPOS}\s+{COORD}{AUX}$",
        rf"^(?P<content>.+?){END}",
        "The ministry said the dam was safe.",
        _ALL_BUT_ACCORDING,
    ),
    _row(
        "..., but cue content (the same source)",
        r"^$",
        rf"^(?P<content>.+?){END}",
        "The firm denied the report, but said it was reviewing its plants.",
        _ALL_BUT_ACCORDING,
    ),
    _row(
        "object was cue by source of content",
        rf"^{INTRO}(?P<object>[^,;“”\"]{{2,80}}?)\s+(?:was|were|has\s+been|have\s+been|had\s+been|is|are)\s+$",
        rf"^\s+by\s+{SOURCE}\s+of\s+(?P<content>.+?){END}",
        "The company was accused by the union of ignoring warnings.",
        ("of",),
    ),
    _row(
        "content, source cue",
        rf"^(?P<content>.+?),[”\"]?\s+{SOURCE}\s+{AUX}$",
        rf"^{TAIL}{END}",
        "The dam is safe, the ministry said on Monday.",
        _ALL_BUT_ACCORDING,
        end=True,
    ),
    _row(
        "content, cue source",
        r"^(?P<content>.+?),[”\"]?\s+$",
        rf"^\s+{SOURCE}{APPOS_AFTER}{END}",
        "The dam is safe, said the minister, Ana Ruiz.",
        _ALL_BUT_ACCORDING,
        end=True,
        say_only=True,
    ),
    _row(
        "content, source cue, content",
        rf"^(?P<content>[^,]+?),\s+{SOURCE}\s+$",
        rf"^,\s+(?P<content2>.+?){END}",
        "The dam, the minister said, is safe.",
        _ALL_BUT_ACCORDING,
        end=True,
    ),
)

CUE_FINDER = re.compile(rf"(?<![\w-])(?:{cues.alternation()})(?![\w-])")
# A quotation standing alone: its speaker is named in a neighbouring unit.
FLOATING_QUOTE = re.compile(rf"^{Q_OPEN}(?P<quote>.+?)(?:[.!?]?[”\"]\s*)?$", re.DOTALL)
# Where a new clause with its own attribution may begin inside a sentence.
CLAUSE_START = re.compile(r"(?:,|;)\s+(?:and|but|while|whereas|although|though)\s+|;\s+")
SUBORDINATE_START = re.compile(r"\s(?:after|when|because|since|before|until|as)\s+")


@dataclass
class Match:
    """One attribution found in a unit: offsets are into the whole text."""

    row: str
    cue: Cue
    cue_text: str
    cue_start: int
    cue_end: int
    source: str
    source_start: int
    content_start: int
    content_end: int
    quote: tuple[int, int] | None = None
    quote2: tuple[int, int] | None = None
    appos: str = ""
    context: str = ""  # intro, aux and tail: where date words about the statement itself are
    aux: str = ""
    tail: str = ""
    content_after_cue: bool = False


def _span(m: re.Match, group: str, base: int) -> tuple[int, int] | None:
    if group not in m.re.groupindex or m.group(group) is None:
        return None
    return base + m.start(group), base + m.end(group)


def _group(m: re.Match, name: str) -> str:
    return (m.group(name) or "") if name in m.re.groupindex else ""


def cue_matches(text: str, start: int, end: int):
    """Every cue in text[start:end], as (row, written text, start, end)."""
    for m in CUE_FINDER.finditer(text, start, end):
        yield cues.which(m), m.group(0), m.start(), m.end()


def quote_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where quotations lie in text[start:end]: a cue inside one is the speaker's word, not the reporter's."""
    regions, opened = [], None
    for i in range(start, end):
        ch = text[i]
        if opened is None and ch in '“"':
            opened = i
        elif opened is not None and (ch == "”" or (ch == '"' and text[opened] == '"')):
            regions.append((opened, i + 1))
            opened = None
    if opened is not None:
        regions.append((opened, end))
    return regions


def arrange(text: str, left_start: int, cue: Cue, cue_start: int, cue_end: int, unit_end: int):
    """Every row that fits around this cue, in table order, as Match candidates."""
    left = text[left_start:cue_start]
    right = text[cue_end:unit_end]
    for row in ROWS:
        if cue.takes not in row.takes or (row.end and not cue.end) or (row.say_only and cue.act != "say"):
            continue
        lm = row.left.match(left)
        if not lm:
            continue
        rm = row.right.match(right)
        if not rm:
            continue
        in_left = "source" in row.left.groupindex
        sm = lm if in_left else rm
        base_s = left_start if in_left else cue_end
        if "source" not in sm.re.groupindex:
            sm, base_s = None, left_start  # the same source as the clause before: filled in by the caller
        content = _span(lm, "content", left_start) or _span(rm, "content", cue_end)
        content2 = _span(rm, "content2", cue_end)
        quote = _span(lm, "quote", left_start) or _span(rm, "quote", cue_end)
        quote2 = _span(rm, "quote2", cue_end)
        if content is None:
            content = quote
        if content2:
            content = (content[0], content2[1])
        elif quote2:
            content = (content[0], quote2[1])
        yield Match(
            row=row.name,
            cue=cue,
            cue_text=cues.written(text[cue_start:cue_end]),
            cue_start=cue_start,
            cue_end=cue_end,
            source=sm.group("source").strip() if sm else "",
            source_start=base_s + sm.start("source") if sm else base_s,
            content_start=content[0],
            content_end=content[1],
            quote=quote,
            quote2=quote2,
            appos=(_group(lm, "appos") or _group(rm, "appos")).strip(),
            context=" ".join(
                filter(None, (_group(lm, "intro"), _group(lm, "coord"), _group(lm, "aux"), _group(rm, "tail")))
            ),
            aux=_group(lm, "aux"),
            tail=_group(rm, "tail"),
            content_after_cue="content" in row.right.groupindex and "content" not in row.left.groupindex,
        )
