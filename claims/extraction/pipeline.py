"""The extraction pipeline: units, cues and their arrangement, parties, references, dates, wording, links."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from claims.extraction import coref, dates, links, parties, patterns, segment, wording
from claims.extraction.dictionary import EMPTY, Dictionary
from claims.extraction.parties import Party

_CITING = re.compile(r"\b(?:citing|quoting)\s+(?P<cited>[^.;]+)")
# "..., citing the researcher Lina Torp, who had seen it." closing what a media outlet said.
# "said little", "reported what it called...": no statement follows.
_NOT_A_STATEMENT = re.compile(
    r"\s*(?:little|nothing|what|whether|how|why|where|which|who|was|were|is|are|has|had|will)\b"
)
_LEADING_CITING = re.compile(r",?\s*(?:citing|quoting)\s+[^;]+?,\s+(?:that\s+)?(?=\S)(?=that\b|[a-z])")
_TRAILING_CITING = re.compile(r",\s+(?:citing|quoting)\s+[^.;]+$")
_TRAILING_DATE = re.compile(
    r"\s+(?:(?:late\s+|early\s+)?on\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|last\s+(?:week|month)"
    r"|yesterday)(?:\s+(?:morning|afternoon|evening|night))?$"
)
# "rejected that account, saying the sums did not add up": the answer's own content follows "saying".
_ANSWER_SAYING = re.compile(
    r"^(?P<anaphor>.+?)(?P<when>\s+(?:on|late\s+on|in|last|this)\s+[^,]{1,30})?,\s+"
    r"(?:saying|calling\s+it|describing\s+it\s+as)\s*:?\s+"
    r"(?:(?:in|on)\s+(?:a|an|its|his|her|their)\s+[^,]{1,40}?\s+)?(?:that\s+)?(?P<rest>.+)$",
    re.DOTALL,
)
_PERSON_APPOSITIVE = re.compile(
    r"(?P<name>[A-Z][\w'’-]+(?:\s+(?:al-|el-|bin\s+|de\s+)?[A-Z][\w'’-]+){1,3}),\s+(?:a|an|the)\s+(?P<role>[^,.]{3,80})[,.]"
)
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:of|for|the|al-[\w'’-]+|[A-Z][\w'’-]*))*")


_LEADING_PHRASE = re.compile(
    r"(?:(?:on|in|at|late|early|during|via|through|by|from|outside|last|this)\s+[^,:;“”\"]{1,60}?\s+)+(?=that\b)"
)


@dataclass
class Draft:
    """One statement being built; turned into the public dict at the end."""

    source: Party
    speaker: Party | None
    via: Party | None
    cue: str
    act: str
    takes: str
    start: int
    end: int
    unit: int
    quote: str = ""
    text: str = ""
    claimed_on: datetime.date | None = None
    precision: str = "day"
    dated: bool = False  # its own words gave the date
    continuation: bool = False  # its source was named earlier ("he", "the spokesman", a surname)
    from_quote: bool = False
    anaphoric: bool = False
    answer_says: bool = False  # an anaphoric answer with its own content ("rejected it, saying ...")
    answered: Party | None = None  # "a report by X": whose statement a denial answers
    links: list[tuple[str, Draft]] = field(default_factory=list)

    def as_dict(self, index: dict[int, int]) -> dict:
        return {
            "text": self.text,
            "quote": self.quote,
            "cue": self.cue,
            "span": {"start": self.start, "end": self.end},
            "source": self.source.as_dict(),
            "speaker": self.speaker.as_dict() if self.speaker else None,
            "via": self.via.as_dict() if self.via else None,
            "claimed_on": self.claimed_on.isoformat(),
            "claimed_on_precision": self.precision,
            "links": [{"relation": relation, "draft": index[id(target)]} for relation, target in self.links],
        }


# Before content: spaces, punctuation, and "that" as a conjunction (not "that account").
_LEADING_NOISE = re.compile(rf"^(?:\s+|that\b(?!\s+(?:\w+\s+)?{links.REPORT_NOUN}\b)|:|,|[“\"‘])", re.I)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the content without surrounding spaces, "that", colons, commas and quotation marks."""
    while start < end:
        piece = text[start:end]
        m = _LEADING_NOISE.match(piece)
        if not m or not m.end():
            break
        start += m.end()
    while end > start and text[end - 1] in " \t\n,.;:!?”\"’'":
        end -= 1
    return start, end


def _takes_ok(takes: str, content: str) -> bool:
    body = content.strip()
    if len(body.split()) < 1:
        return False
    if takes == "that":
        return bool(re.match(r"^(?:that\b|:|[“\"])", body))
    if takes == "to":
        return body.startswith("to ")
    if takes == "as":
        return " as " in body
    if takes == "of":
        return bool(re.search(r"\S\s+of\s+\S", body))
    if takes == "obj_to":
        return bool(re.match(r"^(?:that\b|\S+(?:\s+\S+){0,5}\s+to\s+\w)", body))
    return len(body.split()) >= 2 or bool(links.ANAPHOR.match(body))


class Extractor:
    """One run over one text: the state the stages share (the discourse, the drafts so far)."""

    def __init__(self, text: str, published_on: datetime.date, dictionary: Dictionary):
        self.text = text
        self.published = published_on
        self.dictionary = dictionary
        self.discourse = coref.Discourse(dictionary, text)
        self.drafts: list[Draft] = []

    # Stage 3: cues and their arrangement in each unit.
    def matches(self, unit: segment.Unit) -> list[patterns.Match]:
        text = self.text
        clause_starts = [unit.start] + [m.end() for m in patterns.CLAUSE_START.finditer(text, unit.start, unit.end)]
        # "after X said...", "when Y denied...": a clause of its own, unless inside what someone said.
        subordinate = [m.end() for m in patterns.SUBORDINATE_START.finditer(text, unit.start, unit.end)]
        quoted = patterns.quote_regions(text, unit.start, unit.end)
        found: list[patterns.Match] = []
        for cue, _written, cs, ce in patterns.cue_matches(text, unit.start, unit.end):
            if any(qs < cs < qe for qs, qe in quoted):
                continue
            if re.search(r"\b(?:the|a|an|its|his|her|their|this|that)\s+$", text[max(unit.start, cs - 8) : cs]):
                continue  # "the report", "a claim": a noun, not a cue
            starts = sorted((s for s in clause_starts if s <= cs), reverse=True)
            inside = [f for f in found if f.content_start <= cs < f.content_end]
            if inside and not any(inside[0].content_start < s <= cs for s in starts):
                continue
            if not inside:
                # A clause after "after", "when"... only when the sentence's start gives no source.
                starts += sorted((s for s in subordinate if s <= cs), reverse=True)
            best = None
            for left_start in starts:
                for candidate in patterns.arrange(text, left_start, cue, cs, ce, unit.end):
                    if not candidate.source:
                        # ", but said ...": the subject of the clause before says it too.
                        if left_start == unit.start or not found:
                            continue
                        candidate.source, candidate.appos = found[-1].source, found[-1].appos
                    if self._acceptable(candidate):
                        best = candidate
                        break
                if best:
                    break
            if best is None:
                continue
            for earlier in found:
                if earlier.content_start < best.source_start <= earlier.content_end:
                    boundary = max(s for s in clause_starts if s <= best.source_start)
                    cut = max(
                        text.rfind(",", earlier.content_start, boundary),
                        text.rfind(";", earlier.content_start, boundary),
                    )
                    earlier.content_end = cut if cut > earlier.content_start else boundary
            found.append(best)
        return found

    def _acceptable(self, m: patterns.Match) -> bool:
        if re.search(r"\b(?:not|never)\b", m.aux):
            return False
        if (
            m.cue.takes != "according"
            and m.content_after_cue
            and _NOT_A_STATEMENT.match(self.text, m.content_start, m.content_end)
        ):
            return False
        if not parties.reads_as_party(m.source):
            return False
        passive = m.row.startswith("object")  # "was accused by X of Y": the "of" is part of the row
        if (
            m.content_after_cue
            and not passive
            and not _takes_ok(m.cue.takes, self.text[m.content_start : m.content_end])
        ):
            return False
        return m.content_end > m.content_start

    # Stage 4 and 5: who, resolving references against the discourse.
    def parties_of(self, m: patterns.Match, previous: Draft | None) -> tuple[Party, Party | None, Party | None, bool]:
        appos = m.appos
        cited = _CITING.search(m.tail) or _CITING.match(appos)
        if cited and cited.start() == 0 and appos:
            appos = ""  # "MNA, citing the governor, said": the appositive is the citation, not a description
        parsed = parties.parse(m.source, appos, self.dictionary)
        source, speaker, via = parsed.source, parsed.speaker, parsed.via
        continuation = False
        if parsed.source_ref:
            # "His lawyer, Greta Holm": "his" is someone named before, not the lawyer.
            mention = self.discourse.resolve(parsed.source_ref, exclude=speaker)
            if mention is not None:
                source = mention.speaks_for or mention.party
        if parsed.ref:
            content = self.text[m.content_start : m.content_end].strip()
            if (
                parsed.ref.lower() in ("they", "he", "she", "it")
                and previous is not None
                and m.cue.act in links.RELATION
                and links.ANAPHOR.match(content)
            ):
                # "X reported that Y did Z, but they denied it": the one who denies is who the report was about.
                subject = _subject(self.text[previous.start : previous.end])
                if subject and parties.is_plural(subject) == (parsed.ref.lower() == "they"):
                    answered = parties.parse(subject, "", self.dictionary)
                    return answered.source, answered.speaker, None, False
            answering = m.cue.act in links.RELATION and self.drafts
            mention = self.discourse.resolve(parsed.ref, exclude=self.drafts[-1].source if answering else None)
            if mention is not None:
                continuation = True
                if mention.speaks_for is not None:
                    source, speaker = mention.speaks_for, mention.party
                elif mention.relays_for is not None:
                    source, via = mention.relays_for, mention.party
                else:
                    again = parties.speaking_for(mention.party, self.dictionary)
                    source, speaker = again.source, again.speaker
            else:
                again = parties.speaking_for(source, self.dictionary)
                source, speaker = again.source, again.speaker
        if cited and source.kind == "media":
            named = _cited(cited["cited"], self.dictionary)
            via, source, speaker = source, named.source, named.speaker
        told = re.match(
            r"told\s+(?P<whom>the\s+(?:agency|newspaper|broadcaster|channel|station|paper|network))$", m.cue_text
        )
        if told and via is None:
            mention = self.discourse.resolve(told["whom"])
            if mention is not None and mention.party.kind == "media":
                via = mention.party
        return source, speaker, via, continuation

    def _named(self, phrase: str) -> Party:
        """A party named in passing ("a report by the army"), resolved against those named before."""
        parsed = parties.parse(phrase, "", self.dictionary)
        ref = parsed.ref or parsed.source_ref
        mention = self.discourse.resolve(ref) if ref else None
        return (mention.speaks_for or mention.party) if mention else parsed.source

    def remember(self, source: Party, speaker: Party | None, via: Party | None = None) -> None:
        self.discourse.add(source)
        if via is not None:
            self.discourse.add(via, relays_for=source)
        if speaker is not None:
            self.discourse.add(speaker, speaks_for=source)

    def mentions_in(self, unit: segment.Unit) -> None:
        """Parties named in the reporter's own sentences, for "he" and "the spokesman" later on."""
        piece = self.text[unit.start : unit.end]
        for m in _PERSON_APPOSITIVE.finditer(piece):
            if parties.looks_like_person(m["name"]):
                self.discourse.add(parties.party(m["name"], self.dictionary, m["role"]))
        for m in _CAPITALISED_RUN.finditer(piece):
            found = self.dictionary.find(m.group(0)) if len(self.dictionary) else None
            if found:
                entry = found[0]
                self.discourse.add(Party(name=entry.name, role=entry.role, kind=entry.kind, match=entry))
            elif m.start() > 0 and parties.looks_like_person(m.group(0)):
                # A person named in passing ("... when Viktor Hald went on trial"), for "Hald" or "he" later.
                # Not at a sentence's start, where any word is capitalised ("Neighbouring Tessaly").
                self.discourse.add(Party(name=m.group(0), kind="person"))

    # Stages 6 and 7: date and wording, per draft.
    def draft(self, m: patterns.Match, unit_index: int, previous: Draft | None) -> list[Draft]:
        start, end = _trim(self.text, m.content_start, m.content_end)
        context = m.context
        leading = dates.LEADING_DATE.match(self.text, start, end) if m.content_after_cue else None
        if leading:
            context += " " + leading.group(0)
            start, end = _trim(self.text, leading.end(), end)
        leading = _LEADING_PHRASE.match(self.text, start, end) if m.content_after_cue else None
        if leading:
            # "said in a statement that...", "told parliament on March 3 that...": about the saying, not the said.
            context += " " + leading.group(0)
            start, end = _trim(self.text, leading.end(), end)
        leading = _LEADING_CITING.match(self.text, start, end) if m.content_after_cue else None
        if leading:
            # "reported, citing the union IMW, that ...": the citation comes before the content.
            m.tail += " " + leading.group(0)
            start, end = _trim(self.text, leading.end(), end)
        if m.content_after_cue:
            citing = _TRAILING_CITING.search(self.text, start, end)
            if citing:
                context += " " + citing.group(0)
                m.tail += citing.group(0)
                start, end = _trim(self.text, start, citing.start())
            trailing = _TRAILING_DATE.search(self.text, start, end) if m.cue.takes in ("of", "np") else None
            if trailing:
                # "accused the rebels of it on Friday": the time of the accusation, closing it.
                context += " " + trailing.group(0)
                start, end = _trim(self.text, start, trailing.start())
        source, speaker, via, continuation = self.parties_of(m, previous)
        own_date = dates.find(context, self.published)
        claimed_on, precision = dates.claimed_on(context, m.aux, self.published)
        base = Draft(
            source=source,
            speaker=speaker,
            via=via,
            cue=m.cue_text,
            act=m.cue.act,
            takes=m.cue.takes,
            start=start,
            end=end,
            unit=unit_index,
            claimed_on=claimed_on,
            precision=precision,
            dated=own_date is not None,
            continuation=continuation or bool(re.search(r"\b(?:also|added|adds)\b", m.aux + " " + m.cue_text)),
        )
        if (m.quote and m.row.startswith("quote")) or m.row == "source cue: quote":
            return self._quote_drafts(base, m)
        content = self.text[start:end]
        if m.cue.act in links.RELATION:
            saying = _ANSWER_SAYING.match(content)
            if saying and links.ANAPHOR.match(saying["anaphor"].strip()):
                base.anaphoric = True
                context += " " + (saying["when"] or "")
                base.claimed_on, base.precision = dates.claimed_on(context, m.aux, self.published)
                base.dated = dates.find(context, self.published) is not None
                base.start, base.end = _trim(self.text, start + saying.start("rest"), end)
                base.text = wording.neutral(
                    self.text[base.start : base.end],
                    act="say",
                    takes="clause",
                    name="",
                    plural=False,
                    said="",
                    quoted=False,
                )
                base.answer_says = True
                return [base]
            answered = links.ANSWERED.match(content)
            unnamed = links.UNNAMED_ANSWERED.match(content)
            if answered:
                base.answered = self._named(answered["target"])
                base.start, base.end = _trim(self.text, start + answered.start("rest"), end)
            elif unnamed:
                base.start, base.end = _trim(self.text, start + unnamed.start("rest"), end)
            elif links.ANAPHOR.match(content):
                base.anaphoric = True
                base.start = m.cue_start
        if not base.anaphoric:
            quotes = patterns.quote_regions(self.text, base.start, base.end)
            if quotes:
                base.quote = self.text[quotes[0][0] + 1 : quotes[0][1] - 1].strip(" ,")
            base.text = self.word(base, self.text[base.start : base.end], m)
        return [base]

    def word(self, d: Draft, content: str, m: patterns.Match | None, quoted: bool = False) -> str:
        name = (d.source.match.name if d.source.match else d.source.name) or d.source.name
        said = f"{name} {(m.aux if m else '').strip()} {d.cue}".replace("  ", " ")
        return wording.neutral(
            content, act=d.act, takes=d.takes, name=name, plural=d.source.plural, said=said, quoted=quoted
        )

    def _quote_drafts(self, base: Draft, m: patterns.Match) -> list[Draft]:
        """One draft per quotation; a quotation broken by its cue ("A," she said, "B.") is two."""
        return [self._quoted(base, qs, qe, m) for qs, qe in filter(None, (m.quote, m.quote2))]

    def _quoted(self, like: Draft, start: int, end: int, m: patterns.Match | None, **changes) -> Draft:
        s, e = _trim(self.text, start, end)
        d = Draft(**{**like.__dict__, "links": [], "start": s, "end": e, "from_quote": True, **changes})
        d.act, d.takes = "say", "clause"
        d.quote = self.text[s:e] + ("." if self.text[e : e + 1] in ",." else "")
        d.text = self.word(d, self.text[s:e], m, quoted=True)
        return d

    def floating(self, unit: segment.Unit, unit_index: int) -> list[Draft]:
        """A quotation with no cue of its own belongs to the latest speaker, if one spoke just before."""
        piece = self.text[unit.start : unit.end]
        if not patterns.FLOATING_QUOTE.match(piece) or not self.drafts:
            return []
        owner = self.drafts[-1]
        if unit_index - owner.unit > 2:
            return []
        return [self._quoted(owner, unit.start, unit.end, None, unit=unit_index, continuation=True)]

    def run(self) -> list[dict]:
        units = segment.units(self.text)
        self._paragraph = [u.paragraph for u in units]
        self._unit_start = [u.start for u in units]
        found = [self.matches(u) for u in units]
        pending_quotes: list[tuple[segment.Unit, int]] = []
        for i, unit in enumerate(units):
            self.mentions_in(unit)
            if not found[i]:
                if unit.open_quote and i + 1 < len(units) and found[i + 1]:
                    pending_quotes.append((unit, i))
                    continue
                self.drafts.extend(self.floating(unit, i))
                continue
            previous_in_unit = None
            for m in found[i]:
                new = self.draft(m, i, previous_in_unit)
                if pending_quotes and new and new[0].from_quote:
                    # A quotation over several paragraphs is attributed where it ends.
                    for q_unit, q_index in pending_quotes:
                        self.drafts.append(self._quoted(new[0], q_unit.start, q_unit.end, m, unit=q_index))
                pending_quotes = []
                for d in new:
                    self._inherit_date(d)
                    self.drafts.append(d)
                    self.remember(d.source, d.speaker, d.via)
                previous_in_unit = new[-1] if new else previous_in_unit
        self.link()
        index = {id(d): n for n, d in enumerate(self.drafts)}
        return [d.as_dict(index) for d in self.drafts]

    def _inherit_date(self, d: Draft) -> None:
        """A continuation with no date words of its own was said when the statement it continues was."""
        if d.dated or not d.continuation or not self.drafts:
            return
        # Only the statement just before, and only when no other sentence or two came between.
        earlier = self.drafts[-1]
        if earlier.source.same_as(d.source) and d.unit - earlier.unit <= 2:
            d.claimed_on, d.precision = earlier.claimed_on, earlier.precision

    # Stage 8: links between drafts.
    def link(self) -> None:
        for d in list(self.drafts):
            relation = links.RELATION.get(d.act)
            if relation is None and links.CORRECTION.match(self.text[d.start : d.end]):
                earlier = [e for e in self.drafts[: self.drafts.index(d)] if not e.source.same_as(d.source)]
                if earlier and d.unit - earlier[-1].unit <= 2:
                    d.links.append(("contradicts", earlier[-1]))
                continue
            if relation:
                # The answered statement may be inserted before d: look d up each time.
                target = self._answered(d, self.drafts.index(d))
                if target is not None:
                    d.links.append((relation, target))
                    if d.anaphoric and not d.answer_says:
                        d.text = self._answer_text(d, target)
        self._denial_spokesman()

    def _answered(self, d: Draft, n: int) -> Draft | None:
        earlier = [e for e in self.drafts[:n] if not e.source.same_as(d.source)]
        if d.answered is not None:
            # The report answered is the latest by that party, or (when the text gives it after the
            # denial, as news writing often does) the next one within three sentences.
            later = [e for e in self.drafts[n + 1 :] if e.unit - d.unit <= 3 and not e.source.same_as(d.source)]
            for e in [*reversed(earlier), *later]:
                if any(p is not None and p.same_as(d.answered) for p in (e.source, e.speaker, e.via)):
                    return e
            # The answered report is not in the text as a statement of its own: it becomes one.
            new = Draft(
                source=d.answered,
                speaker=None,
                via=None,
                cue="report",
                act="say",
                takes="clause",
                start=d.start,
                end=d.end,
                unit=d.unit,
                claimed_on=d.claimed_on,
                precision=d.precision,
            )
            new.text = wording.neutral(
                self.text[d.start : d.end],
                act="say",
                takes="clause",
                name=d.answered.name,
                plural=False,
                said="",
                quoted=False,
            )
            self.drafts.insert(n, new)
            return new
        if d.anaphoric:
            candidates = [e for e in earlier if d.unit - e.unit <= 2]
            return candidates[-1] if candidates else None
        content = self.text[d.start : d.end]
        scored = [(links.overlap(content, self.text[e.start : e.end]), -i, e) for i, e in enumerate(earlier)]
        scored = [s for s in scored if s[0] >= 1 / 3]
        return max(scored, key=lambda s: (s[0], -s[1]))[2] if scored else None

    def _answer_text(self, d: Draft, target: Draft) -> str:
        name = d.source.match.name if d.source.match else d.source.name
        content = self.text[target.start : target.end]
        if d.act == "deny":
            return wording.neutral(
                content, act="deny", takes="clause", name=name, plural=d.source.plural, said="", quoted=False
            )
        return target.text

    def _denial_spokesman(self) -> None:
        """What a party says right after its own denial backs the denial (``supports``), and whoever
        says it for the party (its spokesman) gave the denial too; a negative sentence of their
        quotation is the denial's own words."""
        for n, d in enumerate(self.drafts):
            after = next((e for e in self.drafts[n + 1 :] if e.unit > d.unit), None)
            if after is None or after.unit != d.unit + 1 or not after.source.same_as(d.source):
                continue
            # "The ministry said X. Its spokeswoman, Y, said Z.": Y spoke for it both times.
            if d.speaker is None and after.speaker is not None:
                d.speaker = after.speaker
            if d.act not in ("deny", "contradict") or (d.from_quote and not d.links) or after.links:
                continue
            after.links.append(("supports", d))
            if after.from_quote and not d.quote:
                negative = [
                    self.text[s:e].strip().rstrip(",")
                    for s, e in segment.sentence_spans(self.text, after.start, after.end)
                    if links.NEGATION.search(self.text[s:e])
                ]
                if negative:
                    d.quote = negative[-1] + ("" if negative[-1][-1:] in ".!?" else ".")


def _cited(phrase: str, dictionary: Dictionary) -> parties.Parsed:
    """ "the rebels' field commander in the area, Oleg Varn": the name after the comma is who is cited."""
    head, _, rest = phrase.strip().partition(", ")
    rest = parties.strip_relative(rest.split(",")[0])
    if rest and parties.looks_like_person(rest):
        return parties.parse(head, rest, dictionary)
    return parties.parse(head, "", dictionary)


def _subject(clause: str) -> str | None:
    """The words before the first verb of a clause: "Iraqi militias" in "Iraqi militias had crossed..."."""
    m = re.match(
        r"^(?:that\s+)?(?P<subject>(?:[\w'’-]+\s+){0,5}?[\w'’-]+)\s+(?:had|has|have|was|were|is|are|\w+ed|of)\b", clause
    )
    return m["subject"] if m else None


def extract(
    text: str, published_on: datetime.date, language: str = "en", dictionary: Dictionary | None = None
) -> list[dict]:
    """Drafts of the attributed statements in a news text: who said what, when, through whom.

    Offline and deterministic; writes nothing. ``language`` other than English gives no drafts, as
    the rules are English news writing's.
    """
    if not text or not text.strip() or (language or "en").lower()[:2] != "en":
        return []
    return Extractor(text, published_on, dictionary or EMPTY).run()
