"""Stage 5: what "he", "they", "the spokesman" or a surname refers to, from the parties named before.

The discourse keeps the parties in the order the text names them; a reference goes to the latest
one that fits it, by the rules of REFERENCE_RULES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claims.extraction.parties import Party

# Nouns of a definite description and the kinds of party they can stand for.
HEAD_KINDS = {
    "ministry": {"government"},
    "government": {"government"},
    "agency": {"government", "media"},
    "army": {"military"},
    "military": {"military"},
    "group": {"armed_group", "ngo", "other"},
    "militia": {"armed_group"},
    "monitor": {"ngo"},
    "observatory": {"ngo"},
    "organisation": {"ngo", "international_org", "other"},
    "organization": {"ngo", "international_org", "other"},
    "company": {"other"},
    "firm": {"other"},
    "bank": {"other"},
    "channel": {"media"},
    "television": {"media"},
    "broadcaster": {"media"},
    "newspaper": {"media"},
    "station": {"media"},
    "site": {"media"},
    "daily": {"media"},
    "mission": {"international_org"},
    "council": {"government", "international_org"},
    "authority": {"government"},
    "federation": {"other"},
    "union": {"other"},
    "team": {"other"},
    "operator": {"other"},
}
PERSON_NOUNS = frozenset(
    [
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "official",
        "minister",
        "president",
        "adviser",
        "advisor",
        "commander",
        "general",
        "director",
        "chief",
        "doctor",
        "professor",
        "analyst",
        "envoy",
        "ambassador",
        "governor",
        "mayor",
        "officer",
        "executive",
    ]
)


@dataclass
class Mention:
    party: Party
    speaks_for: Party | None = None
    relays_for: Party | None = None  # an outlet that carried this party's statement: "It said" is that again


class Discourse:
    """The parties named so far, latest last."""

    def __init__(self, dictionary=None, text: str = ""):
        self.mentions: list[Mention] = []
        self.dictionary = dictionary
        # First five letters of each word of the text: "Kalvania's" meets "Kalvanian".
        self.stems = {w[:5] for w in re.findall(r"[a-z]+", text.lower())}

    def add(self, party: Party | None, speaks_for: Party | None = None, relays_for: Party | None = None) -> None:
        if party is not None:
            self.mentions.append(Mention(party, speaks_for, relays_for))

    def by_head(self, head: str) -> Mention | None:
        """A known body whose name has this noun, when the article names its qualifier ("Kalvania's" for
        "the Kalvanian army"); the shortest such name when several do."""
        if self.dictionary is None:
            return None
        found = self.dictionary.with_word(head)
        if not found:
            return None
        named = [e for e in found if all(w[:5] in self.stems for w in e.name.lower().split() if w != head)]
        pool = named or (found if len(found) == 1 else [])
        if not pool:
            return None
        best = min(pool, key=lambda e: (not e.name.lower().endswith(head), len(e.name.split()), e.id))
        return Mention(Party(name=best.name, role=best.role, kind=best.kind, match=best))

    def _latest(self, fits) -> Mention | None:
        for mention in reversed(self.mentions):
            if fits(mention.party):
                return mention
        return None

    def resolve(self, ref: str, exclude: Party | None = None) -> Mention | None:
        """The latest mention the reference can mean, or None; never ``exclude`` (who a denial answers)."""
        if exclude is not None:
            kept = self.mentions
            self.mentions = [m for m in kept if not m.party.same_as(exclude)]
            try:
                return self.resolve(ref)
            finally:
                self.mentions = kept
        low = ref.lower()
        if low in ("he", "she"):
            return self._latest(lambda p: p.kind == "person")
        if low == "they":
            return self._latest(lambda p: p.kind != "person" and (p.plural or p.kind != "other"))
        if low == "it":
            return self._latest(lambda p: p.kind != "person" and not p.plural)
        if re.fullmatch(r"(?:the\s+)?\d+-year-old", low):
            return self._latest(lambda p: p.kind == "person")
        m = re.fullmatch(r"(?:the|this|that)\s+(?:[a-z][\w-]*\s+)?([a-z][\w-]*)", low)
        if m:
            head = m.group(1)
            if head in PERSON_NOUNS:
                return self._latest(lambda p: p.kind == "person" and head in (p.role or "").lower()) or self._latest(
                    lambda p: p.kind == "person"
                )
            kinds = HEAD_KINDS.get(head)
            # A body named with the noun beats one only of the noun's kind: "the government" is the
            # Marovian government before it is the defence ministry.
            return (
                self._latest(
                    lambda p: p.kind != "person" and (head in p.name.lower().split() or head in (p.role or "").lower())
                )
                or self.by_head(head)
                or self._latest(lambda p: bool(kinds) and p.kind in kinds)
            )
        word = re.sub(r"^the\s+", "", ref).lower()
        return self._latest(lambda p: word in [w.lower() for w in re.split(r"[\s-]+", p.name)]) or self.by_head(word)
