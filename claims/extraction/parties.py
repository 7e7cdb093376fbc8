"""Stage 4: who the source phrase names: the source, the speaker for it and the outlet that relayed it.

A phrase is read by the first rule of RULES that fits ("X's spokesman Y", "X-controlled media",
"pro-X television"...), then each party is looked up in the record (the Dictionary) and, when it is
not there, given a proposed kind from KIND_WORDS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from claims.extraction.dictionary import Dictionary, Entry

PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})

# Proposed kinds for parties the record does not know, by the words of their name or description.
# Order matters: "news agency" is media before "agency" is government; "rights group" is an NGO
# before "group" is an armed group.
KIND_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(rf"\b(?:{words})\b", re.IGNORECASE), kind)
    for words, kind in (
        (
            r"television|tv|channel|radio|newspapers?|news\s+agency|media|daily|broadcaster|outlets?|press|"
            r"gazette|times|post|journal|tribune|herald|news|magazine|website|reuters|associated\s+press|afp|bbc|"
            r"cnn|al\s+jazeera|tass|xinhua|interfax|sana|irna",
            "media",
        ),
        (
            r"united\s+nations|u\.?n\.?|unicef|unhcr|world\s+health\s+organi[sz]ation|who|world\s+bank|imf|"
            r"international\s+monetary\s+fund|nato|european\s+union|eu|european\s+commission|african\s+union|"
            r"arab\s+league|opec|wto|iaea|icrc|red\s+cross|red\s+crescent|peacekeepers?",
            "international_org",
        ),
        (
            r"observatory|monitor|monitors|ngo|charity|charities|rights\s+group|human\s+rights|amnesty|watchdog|"
            r"foundation|doctors\s+without\s+borders|msf|aid\s+groups?|relief|non-?profit|campaign(?:ers|\s+group)",
            "ngo",
        ),
        (
            r"mobili[sz]ation\s+forces|militias?|rebels?|insurgents?|fighters|jihadists?|hezbollah|hamas|taliban|"
            r"islamic\s+state|brigades?|factions?|armed\s+groups?|militants?|alliance\s+of\s+militias",
            "armed_group",
        ),
        (
            r"army|military|armed\s+forces|air\s+force|navy|troops|soldiers|command|defen[cs]e\s+forces|forces|"
            r"officers|general\s+staff|commanders?",
            "military",
        ),
        (
            r"ministry|ministries|ministers?|government|governments|presidency|cabinet|parliament|officials?|"
            r"authorities|department|white\s+house|kremlin|embassy|governor|mayor|council|agency|regulators?|"
            r"police|administration|state|prosecutors?|court|senate|congress|city\s+hall",
            "government",
        ),
        (
            r"company|companies|corp|corporation|inc|ltd|plc|bank|firm|airline|manufacturer|maker|insurer|"
            r"retailer|group|analysts|investors|union|hospital|university|clinic|researchers|scientists",
            "other",
        ),
    )
)
# Words that make a name a person's even before any other clue.
PERSON_TITLE = re.compile(
    r"^(?:President|Prime\s+Minister|Minister|Dr|Mr|Mrs|Ms|Gen|General|Col|Colonel|Sen|Senator|Rep|Governor|Mayor|"
    r"Chancellor|King|Queen|Prince|Sheikh|Ayatollah|Pope|Judge|Professor|Prof|Lt|Maj|Major|Captain|Capt|Brig)\.?\s+[A-Z]"
)
PERSON_ROLE = re.compile(
    r"\b(?:spokes(?:man|woman|person)|adviser|advisor|minister|president|director|chief|head|leader|commander|"
    r"official|doctor|nurse|professor|analyst|economist|resident|witness|lawyer|mayor|governor|envoy|ambassador|"
    r"secretary|chairman|chairwoman|executive|founder|manager|researcher|scientist|officer|member|senator|"
    r"lawmaker|farmer|teacher|student|father|mother|owner|activist|engineer|worker)\b",
    re.IGNORECASE,
)
SPOKES = (
    r"(?:(?:chief|senior|deputy|military|foreign\s+ministry|official)\s+)?"
    r"(?:spokes(?:man|woman|person)|press\s+secretary|press\s+officer)"
)
# Lowercase words that show a phrase is a clause, not a name.
_VERBISH = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "began",
        "begun",
        "took",
        "made",
        "went",
        "came",
        "held",
        "seized",
        "surrounded",
        "started",
        "remained",
        "carried",
        "gave",
        "saw",
        "left",
        "lost",
        "won",
        "fell",
        "rose",
        "hit",
        "put",
        "set",
        "say",
        "says",
        "said",
        "told",
        "not",
        "no",
        "there",
        "this",
        "these",
        "those",
        "if",
        "because",
        "when",
        "where",
    ]
)
_ED_ALLOWED = frozenset(
    ["armed", "united", "unnamed", "unidentified", "alleged", "retired", "based", "led", "owned", "run", "controlled"]
)
_DETERMINERS = frozenset(["the", "a", "an", "this", "that", "these", "those"])


@dataclass
class Party:
    """A party named in the text, with its record entry when the record knows it."""

    name: str
    role: str = ""
    kind: str = "other"
    match: Entry | None = None
    plural: bool = False
    speaks_for: Party | None = field(default=None, repr=False)  # the body a spokesman speaks for

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "kind": self.kind,
            "match": self.match.as_match() if self.match else None,
        }

    def same_as(self, other: Party | None) -> bool:
        if other is None:
            return False
        if self.match and other.match:
            return self.match.id == other.match.id
        return self.name.lower() == other.name.lower()


@dataclass
class Parsed:
    """What a source phrase says: who, for whom, through whom, or a reference still to resolve."""

    source: Party
    speaker: Party | None = None
    via: Party | None = None
    ref: str | None = None  # "he", "the spokesman", "Shaaban": resolved by the coreference stage


def strip_relative(phrase: str) -> str:
    """ "two officials who asked not to be named" -> "two officials"."""
    return re.split(r"\s+(?:who|which|whose)\s+", phrase, maxsplit=1)[0].strip()


def reads_as_party(phrase: str) -> bool:
    """Whether a phrase can be a name or a description of who spoke, not a clause."""
    phrase = strip_relative(phrase)
    ws = phrase.split()
    if not 1 <= len(ws) <= 10 or all(w.lower() in _DETERMINERS for w in ws):
        return False
    for w in ws:
        bare = w.strip("()'’").lower()
        if not w[:1].islower():
            continue
        if bare in _VERBISH:
            return False
        if "-" not in bare and bare not in _ED_ALLOWED and (bare.endswith("ed") or bare.endswith("ing")):
            return False
    return True


def clean_name(phrase: str) -> str:
    """The name as a reader would write it: no leading article, no abbreviation in brackets."""
    name = re.sub(r"\s*\([^)]*\)", "", phrase)
    name = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.IGNORECASE)
    name = re.sub(r"['’]s$", "", name)
    return re.sub(r"\s+", " ", name).strip(" ,.")


def guess_kind(name: str, description: str = "") -> str:
    """The proposed kind for a party the record does not know."""
    if PERSON_TITLE.match(name):
        return "person"
    for text in (name, description):
        for regex, kind in KIND_WORDS:
            if text and regex.search(text):
                return kind
    if looks_like_person(name):
        return "person"
    if description and PERSON_ROLE.search(description):
        return "person"
    return "other"


def looks_like_person(name: str) -> bool:
    """Two to four capitalised words with no organisation word: "Bouthaina Shaaban", "Ahmed al-Asadi"."""
    ws = name.split()
    if not 2 <= len(ws) <= 4 or not ws[0][:1].isupper():
        return False
    if any(regex.search(name) for regex, _ in KIND_WORDS):
        return False
    return all(w[:1].isupper() or re.match(r"^(?:al|el|bin|ibn|van|von|de|da|di|la|le|du|del|der)-?", w) for w in ws)


def is_plural(name: str) -> bool:
    """Whether "they" can refer to the party: "militias", "officials", "the Forces"."""
    ws = name.split()
    if not ws:
        return False
    last = ws[-1].lower()
    if last in {"media", "police", "people", "forces", "authorities", "officials", "militias", "militants"}:
        return True
    return ws[-1][:1].islower() and last.endswith("s") and not last.endswith(("ss", "us", "news", "is"))


def party(phrase: str, dictionary: Dictionary, description: str = "", role: str = "") -> Party:
    """One party from a phrase: matched against the record, else with a proposed kind."""
    name = clean_name(phrase)
    found = dictionary.exact(name) or dictionary.exact(phrase)
    if found is None:
        inside = dictionary.find(phrase)
        # A known name inside a longer phrase names that party only when the rest describes it
        # ("the Iraqi Popular Mobilisation Forces"), not when it is a different body ("the PMF's allies").
        if (
            inside is not None
            and len(name.split()) - (inside[2] - inside[1]) <= 2
            and "'s" not in name.replace("’", "'")
        ):
            found = inside[0]
    if found is None and len(name.split()) == 1:
        found = dictionary.surname(name)
    if role == "" and description:
        role = re.sub(r"^(?:a|an|the)\s+", "", description.strip(), flags=re.IGNORECASE)
    if found is not None:
        return Party(name=name, role=role or found.role, kind=found.kind, match=found, plural=is_plural(name))
    return Party(name=name, role=role, kind=guess_kind(name, description), plural=is_plural(phrase))


def _spokesman_named(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    org = party(m["org"], d)
    return Parsed(source=org, speaker=party(m["person"], d, role=_role(m["role"])) if m["person"] else None)


def _spokesman_unnamed(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    return Parsed(source=party(m["org"], d))


def _controlled_outlet(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    owner = m["owner"]
    if owner.lower().split()[-1] == "state":
        return Parsed(source=party(m.string, d, appos))
    outlet = party(m.string, d, appos)
    outlet.kind = outlet.match.kind if outlet.match else "media"
    return Parsed(source=party(owner, d), via=outlet)


def _partisan_outlet(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    outlet = m["outlet"]
    named = re.sub(r"^(?:television|tv|media|radio|newspapers?|channels?|outlets?)\b", "", outlet, flags=re.I).strip()
    source = party(outlet if named else m.string, d, appos)
    if source.match is None:
        source.kind = "media"
    return Parsed(source=source)


def _role(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


# How a source phrase divides into parties, tried in order.
RULES: tuple[tuple[re.Pattern, Callable[[re.Match, Dictionary, str], Parsed]], ...] = (
    # "PMF spokesman Ahmed al-Asadi", "the ministry's spokeswoman Ana Ruiz"
    (
        re.compile(
            rf"^(?P<org>.+?)(?:['’]s?)?\s+(?P<role>{SPOKES}),?\s+(?P<person>[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){{0,4}})$"
        ),
        _spokesman_named,
    ),
    # "the ministry's spokesman", "a spokesman for the ministry"
    (re.compile(rf"^(?P<org>.+?)['’]s?\s+(?P<role>{SPOKES})$"), _spokesman_unnamed),
    (re.compile(rf"^(?:an?\s+|the\s+)?(?P<role>{SPOKES})\s+(?:for|of|at)\s+(?P<org>.+)$"), _spokesman_unnamed),
    # "Hezbollah-controlled media", "army-run television"
    (
        re.compile(r"^(?:the\s+)?(?P<owner>[\w'’. ]+?)-(?:controlled|run|owned|operated)\s+(?P<outlet>.+)$"),
        _controlled_outlet,
    ),
    # "the pro-Hezbollah al-Manar television": the outlet itself speaks, as a supporter.
    (re.compile(r"^(?:the\s+)?pro-(?P<side>[\w'’.-]+)\s+(?P<outlet>.+)$", re.IGNORECASE), _partisan_outlet),
)


def is_reference(phrase: str, dictionary: Dictionary) -> bool:
    """A pronoun, a definite description ("the spokesman") or a lone name that needs an earlier mention."""
    low = phrase.lower()
    if low in PRONOUNS:
        return True
    if dictionary.exact(phrase):
        return False
    if re.fullmatch(r"(?:the|this|that)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)?", phrase):
        return True
    return bool(re.fullmatch(r"(?:the\s+)?[A-Z][\w'’-]+", phrase))


def parse(phrase: str, appos: str, dictionary: Dictionary) -> Parsed:
    """Divide a source phrase into source, speaker and via, by the first rule that fits."""
    phrase = strip_relative(phrase)
    if is_reference(phrase, dictionary):
        return Parsed(source=party(phrase, dictionary, appos), ref=phrase)
    for regex, build in RULES:
        m = regex.match(phrase)
        if m:
            return build(m, dictionary, appos)
    # "Ana Ruiz, a spokeswoman for the ministry": the appositive says whom she speaks for.
    spokes = re.match(rf"^(?:an?\s+|the\s+)?(?:\w+\s+)?(?P<role>{SPOKES})\s+(?:for|of|at)\s+(?P<org>.+)$", appos)
    if spokes:
        return Parsed(
            source=party(spokes["org"], dictionary), speaker=party(phrase, dictionary, role=_role(spokes["role"]))
        )
    who = party(phrase, dictionary, appos)
    return speaking_for(who, dictionary)


def speaking_for(who: Party, dictionary: Dictionary) -> Parsed:
    """A known spokesman speaks for the body the record says he belongs to."""
    if who.match and who.match.kind == "person" and "spokes" in (who.match.role or "").lower():
        body = dictionary.affiliation_of(who.match)
        if body is not None:
            return Parsed(source=Party(name=body.name, role=body.role, kind=body.kind, match=body), speaker=who)
    return Parsed(source=who)
