"""The record as a dictionary of names: which existing Source a phrase in an article names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Names are compared on lowercase words, so "the Observatory", "Observatory" and "OBSERVATORY" meet.
_WORD = re.compile(r"[\w\u0600-\u06FF]+(?:[-'’.][\w\u0600-\u06FF]+)*\.?", re.UNICODE)
_LEADING_ARTICLE = ("the",)
# The record's dictionary as last built in this process, by database alias: (fingerprint, Dictionary).
_kept: dict = {}
# Longest name, in words, that we look for inside a phrase: bounds the work per phrase.
MAX_NAME_WORDS = 8


def words(text: str) -> list[str]:
    """Lowercase words of a name, with typographic apostrophes made plain and a trailing dot kept off."""
    # A possessive names the same body: "the Council's monitoring mission" is the "Council monitoring mission".
    out = []
    for w in _WORD.findall(text.lower().replace("’", "'")):
        w = w.rstrip(".")
        if w.endswith("'s"):
            w = w[:-2]
        elif w.endswith("'"):
            w = w[:-1]
        out.append(w)
    return out


def key(text: str) -> tuple[str, ...]:
    """The lookup key for a name: its words without a leading "the"."""
    ws = words(text)
    while ws and ws[0] in _LEADING_ARTICLE:
        ws = ws[1:]
    return tuple(ws)


@dataclass(frozen=True)
class Entry:
    """One known source, as much of it as extraction needs."""

    id: int
    slug: str
    name: str
    kind: str
    role: str
    affiliation: str | None

    def as_match(self) -> dict:
        return {"id": self.id, "slug": self.slug, "name": self.name}


class Dictionary:
    """Known sources indexed by every name and alias, for matching phrases found in a text.

    Lookups are by word n-grams of the phrase (at most MAX_NAME_WORDS words), so the cost of
    resolving a phrase does not grow with the number of sources.
    """

    def __init__(self, entries: Iterable[Entry], aliases: Mapping[int, list[str]]):
        self.entries: dict[int, Entry] = {}
        self.by_slug: dict[str, Entry] = {}
        self._names: dict[tuple[str, ...], Entry] = {}
        self._by_word: dict[str, list[Entry]] = {}
        surnames: dict[str, list[Entry]] = {}
        for entry in entries:
            self.entries[entry.id] = entry
            self.by_slug[entry.slug] = entry
            for name in [entry.name, *aliases.get(entry.id, [])]:
                k = key(name)
                # The first source to claim a name keeps it: two sources sharing an alias is the
                # record's ambiguity, and a stable answer is better than the last one loaded.
                if k and k not in self._names:
                    self._names[k] = entry
            name_words = key(entry.name)
            if entry.kind != "person":
                for w in set(name_words):
                    self._by_word.setdefault(w, []).append(entry)
            elif len(name_words) >= 2:
                surnames.setdefault(name_words[-1], []).append(entry)
        # A surname alone names a person only when one known person has it.
        self._surnames = {s: found[0] for s, found in surnames.items() if len(found) == 1}

    @classmethod
    def from_sources(cls, rows: Iterable[Mapping]) -> Dictionary:
        """Build from mappings with keys id, slug, name, kind, role, aliases and affiliation (a slug or None)."""
        entries, aliases = [], {}
        for row in rows:
            entries.append(
                Entry(
                    id=row["id"],
                    slug=row["slug"],
                    name=row["name"],
                    kind=row.get("kind") or "other",
                    role=row.get("role") or "",
                    affiliation=row.get("affiliation"),
                )
            )
            aliases[row["id"]] = list(row.get("aliases") or [])
        return cls(entries, aliases)

    @classmethod
    def from_record(cls) -> Dictionary:
        """Built from every Source in the database, in one query, and kept in this process while they stay
        as they are.

        Building it for 5,000 sources took 160-250 ms (the benchmark's record), a cost every extraction
        paid. Whether the sources changed is one aggregate of about a millisecond: their count, largest
        id and the sum of their versions, which every edit raises, every addition and deletion moves. (Ids
        come back only after a rollback on SQLite; nothing builds a dictionary inside a transaction that
        writes sources.)
        """
        from django.db.models import Count, Max, Sum

        from claims.models import Source

        fingerprint = tuple(Source.objects.aggregate(n=Count("id"), top=Max("id"), edits=Sum("version")).values())
        kept = _kept.get(Source.objects.db)
        if kept is not None and kept[0] == fingerprint:
            return kept[1]
        rows = Source.objects.order_by("id").values(
            "id", "slug", "name", "kind", "role", "aliases", "affiliation__slug"
        )
        dictionary = cls.from_sources({**row, "affiliation": row["affiliation__slug"]} for row in rows)
        _kept[Source.objects.db] = (fingerprint, dictionary)
        return dictionary

    def __len__(self) -> int:
        return len(self.entries)

    def exact(self, phrase: str) -> Entry | None:
        """The source whose name or alias is the whole phrase."""
        return self._names.get(key(phrase))

    def find(self, phrase: str) -> tuple[Entry, int, int] | None:
        """The longest known name inside the phrase: (entry, first word, end word), or None."""
        ws = key(phrase)
        for size in range(min(len(ws), MAX_NAME_WORDS), 0, -1):
            for start in range(len(ws) - size + 1):
                entry = self._names.get(ws[start : start + size])
                if entry is not None:
                    return entry, start, start + size
        return None

    def with_word(self, word: str) -> list[Entry]:
        """Known bodies (not people) whose name has this word: "army" -> "Kalvanian army", ..."""
        w = word.lower()
        return list(dict.fromkeys(self._by_word.get(w, []) + self._by_word.get(w.rstrip("s"), [])))

    def surname(self, word: str) -> Entry | None:
        """The one known person with this surname, if exactly one."""
        return self._surnames.get(word.lower().replace("’", "'"))

    def affiliation_of(self, entry: Entry) -> Entry | None:
        return self.by_slug.get(entry.affiliation) if entry.affiliation else None


EMPTY = Dictionary([], {})
