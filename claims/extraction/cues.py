"""Stage 2: the reporting words ("cues") that mark an attributed statement, as a table.

Each cue says what kind of statement it introduces (``act``) and what must follow it (``takes``):

- ``clause``: a statement, with or without "that" ("said the army had...", "said that...").
- ``that``: only a "that"-clause, a colon or a quotation: these verbs have other senses
  ("added 500 jobs", "noted a rise") that are not attributions.
- ``np``: a clause or a noun phrase ("reported a surge of...", "denied involvement").
- ``to``: an undertaking, "to" and a verb ("has sworn to recapture...").
- ``obj_to``: a belief, as a "that"-clause or "expect it to remain".
- ``as``: a description, "described X as Y".
- ``according``: "according to X", whose source follows the cue.
- ``of``: an accusation, "accused X of Y", whose date may close it ("... of Y on Friday").

The acts: ``say`` (plain attribution), ``deny``, ``contradict``, ``support`` (which also make links),
``pledge``, ``believe`` and ``describe`` (which shape the draft's wording).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    forms: str  # regex alternation of the verb's written forms
    act: str
    takes: str
    end: bool = False  # may close the sentence after its content: "..., the ministry said."


# Who a statement was told to, part of the cue as written: "told Reuters", "told reporters".
_TOLD = (
    r"told\s+(?:reporters|journalists|the\s+press|a\s+(?:news|press)\s+conference|parliament|lawmakers|"
    r"the\s+(?:agency|newspaper|broadcaster|channel|station|paper|network)|"
    r"(?:local|state|national|public)\s+(?:radio|television|media|newspapers?)|"
    r"(?:a|an|the)\s+(?:court|judge|jury|hearing|rally|(?:news\s+|press\s+)?conference|committee|panel|crowd|"
    r"briefing|gathering|meeting(?:\s+of\s+[^,.;]{1,60}?(?=\s+that\b))?)|"
    r"(?:the\s+)?[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3})"
)

CUES: tuple[Cue, ...] = (
    Cue(r"[Aa]ccording\s+to", "say", "according"),
    Cue(_TOLD, "say", "clause", end=True),
    Cue(r"said|says|say", "say", "clause", end=True),
    Cue(r"added|adds", "say", "that", end=True),
    Cue(r"stated|states|declared|declares|announced|announces", "say", "that", end=True),
    Cue(r"wrote|writes|tweeted|posted", "say", "that", end=True),
    Cue(r"explained|noted|stressed|emphasised|emphasized|insisted|argued|asserted|maintained", "say", "that", end=True),
    Cue(r"acknowledged|admitted|conceded|warned|cautioned|predicted|estimated", "say", "that", end=True),
    Cue(r"claimed|claims|alleged|alleges|suggested|indicated|revealed|disclosed", "say", "that", end=True),
    Cue(r"reported|reports|report", "say", "np", end=True),
    Cue(r"pointed\s+out", "say", "that"),
    Cue(r"pointed(?:,[^,]{1,60},)?\s+to", "say", "np"),
    Cue(r"accused|accuses|accuse", "say", "of"),
    Cue(r"denied|denies|deny|rejected|rejects|reject|dismissed|dismisses|refuted|rebuffed", "deny", "np", end=True),
    Cue(r"disputed|disputes|contested|contests|contradicted|challenged", "contradict", "np"),
    Cue(r"confirmed|confirms|confirm|corroborated|verified", "support", "np", end=True),
    Cue(r"sworn|swore|vowed|vows|vow|pledged|pledges|promised|promises|threatened|threatens", "pledge", "to"),
    Cue(r"expect|expects|expected|believe|believes|believed|think|thinks|fear|fears|feared", "believe", "obj_to"),
    Cue(r"described|describes|describe|branded|labelled|labeled", "describe", "as"),
)


def alternation(only_end: bool = False) -> str:
    """One regex group per table row, ``c0``, ``c1``..., so a match tells which row it was.

    With ``only_end``, just the cues that can close a sentence after their content.
    """
    return "|".join(f"(?P<c{i}>(?:{cue.forms}))" for i, cue in enumerate(CUES) if cue.end or not only_end)


def which(match: re.Match) -> Cue:
    """The table row whose group matched."""
    for name, value in match.groupdict().items():
        if value is not None and name.startswith("c") and name[1:].isdigit():
            return CUES[int(name[1:])]
    raise LookupError("no cue group matched")


def written(text: str) -> str:
    """The cue as a reader sees it: "pointed, in an interview, to" is the cue "pointed to"."""
    return re.sub(r"\s+", " ", re.sub(r",[^,]*,", "", text)).strip()
