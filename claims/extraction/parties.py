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
# Those who speak for someone else: what they say is that party's statement, they are its speaker.
SPOKES = (
    r"(?:(?:chief|senior|deputy|official)\s+)?"
    r"(?:spokes(?:man|woman|person)|press\s+secretary|press\s+officer|lawyer|attorney)"
)
SPOKES_ROLE = re.compile(r"spokes|press\s+secretary|press\s+officer|lawyer|attorney", re.I)
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
# A document and who made it: "the charges filed by the prosecutor's office", "a timeline the company published".
MADE_BY = re.compile(
    r"^(?:[Tt]he\s+|[Aa]n?\s+)?(?:charges?|reports?|statements?|indictment|complaint|documents?|figures|data|"
    r"timeline|records?|letter|filing)\s+(?:(?:filed|published|released|issued|compiled|sent|written)\s+by\s+"
    r"(?P<by>.+)|(?P<who>(?:the\s+)?[\w'’-]+(?:\s+[A-Z][\w'’-]*)*)\s+(?:published|released|issued|filed|sent)\b.*)$"
)
_PREPOSITIONS = frozenset(["of", "about", "to", "for", "from", "with", "on", "in", "at", "by"])
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
    source_ref: str | None = None  # the body in "its spokeswoman", "the group's spokesman": resolved likewise


def strip_relative(phrase: str) -> str:
    """ "two officials who asked not to be named" -> "two officials"."""
    return re.split(r"\s+(?:who|which|whose)\s+", phrase, maxsplit=1)[0].strip()


def reads_as_party(phrase: str) -> bool:
    """Whether a phrase can be a name or a description of who spoke, not a clause."""
    phrase = strip_relative(phrase)
    if MADE_BY.match(phrase):
        return True
    ws = phrase.split()
    if not 1 <= len(ws) <= 10 or all(w.lower() in _DETERMINERS for w in ws):
        return False
    if ws[-1].lower() in _DETERMINERS | _PREPOSITIONS:
        return False
    for i, w in enumerate(ws):
        bare = w.strip("()'’").lower()
        if not w[:1].islower():
            continue
        if bare in _VERBISH:
            return False
        # "-ed" and "-ing" words are verbs unless they qualify the phrase's last word ("cycling team").
        qualifies = i == len(ws) - 2 and ws[-1].lower() not in _DETERMINERS | _PREPOSITIONS
        if "-" not in bare and bare not in _ED_ALLOWED and bare.endswith(("ed", "ing")) and not qualifies:
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
    for regex, kind in KIND_WORDS:
        if regex.search(name):
            return kind
    # A person's name with a post ("Ana Ruiz, the mayor") is a person, whatever body the post is in.
    if looks_like_person(name):
        return "person"
    for regex, kind in KIND_WORDS:
        if description and regex.search(description):
            return kind
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
    return all(
        w[:1].isupper() or re.match(r"^(?:al|el|bin|ibn|van|von|de|da|di|la|le|du|del|der)(?:-|$)", w) for w in ws
    )


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
        inside = dictionary.find(name)
        # A known name inside a longer phrase names that party only when it is the phrase's head and
        # the rest describes it ("the Iraqi Popular Mobilisation Forces", "the army's general staff"),
        # not when it names another body ("the PMF's allies").
        if inside is not None and inside[2] == len(name.split()) and inside[1] <= 3:
            found = inside[0]
    if found is None and len(name.split()) == 1:
        # "Rebel-controlled" names the party the record calls "rebels"; a surname names a known person.
        found = dictionary.exact(name + "s") or dictionary.surname(name)
    if role == "" and description:
        role = re.sub(r"^(?:a|an|the)\s+", "", description.strip(), flags=re.IGNORECASE)
    title = PERSON_TITLE.match(name) if found is None else None
    if title and len(name.split()) >= 3:
        # "Major Anders Pell": the title is his role, not his name.
        role = role or name[: title.end() - 1].strip()
        name = name[title.end() - 1 :].strip()
    if found is not None:
        return Party(name=name, role=role or found.role, kind=found.kind, match=found, plural=is_plural(name))
    return Party(name=name, role=role, kind=guess_kind(name, description), plural=is_plural(phrase))


_POSSESSIVE_PRONOUN = {"its": "it", "their": "they", "his": "he", "her": "she"}


def _body(phrase: str, d: Dictionary) -> tuple[Party, str | None]:
    """The body a spokesman speaks for, and the reference to resolve when the phrase is one ("its", "the group")."""
    phrase = re.sub(r"['’]s?$", "", phrase.strip())
    phrase = re.sub(r"^(?:[Aa]n?)\s+(?=[a-z])", "the ", phrase)  # "a government spokesman": the government
    low = phrase.lower()
    if low in _POSSESSIVE_PRONOUN:
        return Party(name=phrase), _POSSESSIVE_PRONOUN[low]
    found = party(phrase, d)
    if found.match is None and is_reference(phrase, d):
        return found, phrase
    return found, None


def _spokesman(person_phrase: str | None, role: str, body_phrase: str, d: Dictionary) -> Parsed:
    speaker = party(person_phrase, d, role=_role(role)) if person_phrase else None
    if speaker is not None and speaker.match is not None and speaker.match.affiliation:
        # The record knows whom this spokesman speaks for: that beats reading "its" or "the group".
        body = d.affiliation_of(speaker.match)
        if body is not None:
            return Parsed(source=Party(name=body.name, role=body.role, kind=body.kind, match=body), speaker=speaker)
    source, ref = _body(body_phrase, d)
    return Parsed(source=source, speaker=speaker, source_ref=ref)


def _spokesman_named(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    return _spokesman(m["person"], m["role"], m["org"], d)


def _spokesman_unnamed(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    # "Its spokeswoman, Ilse Marnau, said": the name comes as an appositive.
    person = appos if appos and looks_like_person(appos) else None
    return _spokesman(person, m["role"], m["org"], d)


def _controlled_outlet(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    outlet = party(m.string, d, appos)
    owner = m["owner"]
    if owner.lower().split()[-1] == "state":
        # "state-run television": the state is the government the record says the outlet belongs to.
        body = d.affiliation_of(outlet.match) if outlet.match else None
        if body is None:
            return Parsed(source=outlet)
        return Parsed(source=Party(name=body.name, role=body.role, kind=body.kind, match=body), via=outlet)
    outlet.kind = outlet.match.kind if outlet.match else "media"
    source, ref = _body(owner, d)
    return Parsed(source=source, via=outlet, source_ref=ref)


def _partisan_outlet(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    outlet = m["outlet"]
    named = re.sub(r"^(?:television|tv|media|radio|newspapers?|channels?|outlets?)\b", "", outlet, flags=re.I).strip()
    source = party(outlet if named else m.string, d, appos)
    if source.match is None:
        source.kind = "media"
    return Parsed(source=source)


def _titled_person(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    return speaking_for(party(m["person"], d, role=m["role"].strip()), d)


def _maker(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    source, ref = _body(m["by"] or m["who"], d)
    return Parsed(source=source, source_ref=ref)


def _described(m: re.Match, d: Dictionary, appos: str) -> Parsed:
    if m["role"].split()[-1] in _PREPOSITIONS | {"and"}:
        return speaking_for(party(m.string, d, appos), d)  # "the central bank of Veldonia" is one name
    named = party(m["name"], d, role=m["role"])
    if named.match is None:
        # "the local newspaper Ilm Bote": the description says what kind of party the name is.
        by_role = next((kind for regex, kind in KIND_WORDS if regex.search(m["role"])), None)
        named.kind = by_role or guess_kind(m["name"])
        if looks_like_person(m["name"]) and PERSON_ROLE.search(m["role"]):
            named.kind = "person"
    return speaking_for(named, d)


def _role(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


_PERSON_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:al-|el-|bin\s+|de\s+|van\s+)?[A-Z][\w'’.-]*){1,3}"
_TITLE = (
    r"(?:(?:[A-Z][a-z]+\s+){0,3}(?:Minister|President|Governor|Mayor|Senator|General|Secretary|Chancellor|"
    r"Commissioner|Director|Judge|Prosecutor|Ambassador|Envoy|Chief|Leader|Coach|Captain|Chairman|Chairwoman)"
    r"|(?:[Tt]he\s+|[Aa]n?\s+)?[A-Za-z][\w\s'’-]*?(?:minister|president|governor|mayor|leader|commander|director|"
    r"prosecutor|coordinator|chief|head|coach|envoy|adviser|official|executive|secretary|chairman|chairwoman|"
    r"engineer|researcher|officer|manager|doctor|analyst|economist|expert))"
)

# How a source phrase divides into parties, tried in order.
RULES: tuple[tuple[re.Pattern, Callable[[re.Match, Dictionary, str], Parsed]], ...] = (
    # "PMF spokesman Ahmed al-Asadi", "the group's spokesman Teodor Vask"
    (re.compile(rf"^(?P<org>.+?)(?:['’]s?)?\s+(?P<role>{SPOKES}),?\s+(?P<person>{_PERSON_NAME})$"), _spokesman_named),
    # "the ministry's spokesman", "Its spokeswoman" (a name may follow as an appositive), "a government spokesman"
    (re.compile(rf"^(?P<org>.+?)(?:['’]s?)?\s+(?P<role>{SPOKES})$"), _spokesman_unnamed),
    # "a spokesman for the ministry"
    (re.compile(rf"^(?:an?\s+|the\s+)?(?P<role>{SPOKES})\s+(?:for|of|at)\s+(?P<org>.+)$"), _spokesman_unnamed),
    # "Hezbollah-controlled media", "Army-run television", "state-run television"
    (
        re.compile(r"^(?:the\s+)?(?P<owner>[\w'’. ]+?)-(?:controlled|run|owned|operated)\s+(?P<outlet>.+)$", re.I),
        _controlled_outlet,
    ),
    # "the pro-Hezbollah al-Manar television": the outlet itself speaks, as a supporter.
    (re.compile(r"^(?:the\s+)?pro-(?P<side>[\w'’.-]+)\s+(?P<outlet>.+)$", re.IGNORECASE), _partisan_outlet),
    # "the charges filed by the prosecutor's office", "a timeline the company published": who made it.
    (MADE_BY, _maker),
    # "Defence Minister Anton Reske", "the regional governor Piet Halvard"
    (re.compile(rf"^(?P<role>{_TITLE})\s+(?P<person>{_PERSON_NAME})$"), _titled_person),
    # "the consumer group Fair Call", "the sports daily Sportbladet": a description, then the name.
    (
        re.compile(
            r"^(?:[Tt]he\s+|[Aa]n?\s+)?(?P<role>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*){0,3})\s+(?P<name>[A-Z][\w'’.&-]*(?:\s+[A-Z0-9][\w'’.&-]*){0,4})$"
        ),
        _described,
    ),
)


_NAMED_APPOSITIVE = re.compile(
    r"^(?:(?:the|a|an)\s+(?:[a-z][\w'’-]*\s+){1,4})?(?P<name>[A-Z][\w'’.&-]*(?:\s+[A-Z0-9][\w'’.&-]*){0,4})$"
)


def is_reference(phrase: str, dictionary: Dictionary) -> bool:
    """A pronoun, a definite description ("the spokesman") or a lone name that needs an earlier mention."""
    low = phrase.lower()
    if low in PRONOUNS:
        return True
    if dictionary.exact(phrase):
        return False
    if re.fullmatch(r"(?:the\s+)?\d+-year-old", low):
        return True
    if (
        re.fullmatch(r"(?:the|this|that)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)?", phrase, re.IGNORECASE)
        and phrase.split()[-1][:1].islower()
    ):
        return True
    return bool(re.fullmatch(r"(?:the\s+)?[A-Z][\w'’-]+", phrase, re.IGNORECASE) and phrase.split()[-1][:1].isupper())


def parse(phrase: str, appos: str, dictionary: Dictionary) -> Parsed:
    """Divide a source phrase into source, speaker and via, by the first rule that fits."""
    phrase = re.sub(r"\s+(?:himself|herself|itself|themselves)$", "", strip_relative(phrase))
    if is_reference(phrase, dictionary) and not (appos and looks_like_person(appos)):
        found = party(phrase, dictionary, appos)
        return Parsed(source=found, ref=phrase)
    for regex, build in RULES:
        m = regex.match(phrase)
        if m:
            return build(m, dictionary, appos)
    # "Ana Ruiz, a spokeswoman for the ministry": the appositive says whom she speaks for.
    spokes = re.match(rf"^(?:an?\s+|the\s+)?(?:\w+\s+)?(?P<role>{SPOKES})\s+(?:for|of|at)\s+(?P<org>.+)$", appos)
    if spokes:
        return _spokesman(phrase, spokes["role"], spokes["org"], dictionary)
    # "Tessaly's foreign minister, Oskar Brenn, said": the appositive is the name, the phrase the post.
    if appos and looks_like_person(appos) and not looks_like_person(phrase):
        return speaking_for(party(appos, dictionary, role=clean_name(phrase)), dictionary)
    # "The state rail operator, Nordrail, said", "Velmar's main sponsor, the insurance group Fenwick, said":
    # a description, then the name it describes.
    named = _NAMED_APPOSITIVE.match(appos) if appos else None
    if (
        (named and not phrase[:1].isupper())
        or (named and re.match(r"^(?:The|A|An)\s+[a-z]", phrase))
        or (named and re.search(r"['’]s?\s+[a-z]", phrase))
    ):
        return speaking_for(party(named["name"], dictionary, role=clean_name(phrase)), dictionary)
    return speaking_for(party(phrase, dictionary, appos), dictionary)


def speaking_for(who: Party, dictionary: Dictionary) -> Parsed:
    """A known spokesman speaks for the body the record says he belongs to."""
    if who.match and who.match.kind == "person" and SPOKES_ROLE.search(who.match.role or ""):
        body = dictionary.affiliation_of(who.match)
        if body is not None:
            return Parsed(source=Party(name=body.name, role=body.role, kind=body.kind, match=body), speaker=who)
    return Parsed(source=who)
