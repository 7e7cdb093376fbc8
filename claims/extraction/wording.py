"""Stage 7: the statement in neutral words, as an editor would write the claim.

The rules are small rewrites of the attributed content: drop "that" and the quotation marks, put the
source's name for "we" and for a pronoun meaning the source, undo the reporter's backshift
("had crossed" -> "crossed"), turn a denial into the negative statement the denier makes, and
"described X as Y" into "X are Y".
"""

from __future__ import annotations

import re

AUXILIARY = r"\b(?:had|has|have|was|were|is|are|will|would|can|could|did|does|do|should|must)\b"


def _clean(content: str) -> str:
    text = content.strip()
    text = re.sub(r"^(?:that|:)\s+", "", text)
    text = text.strip(" ,;:“”\"‘’'")
    return re.sub(r"\s+", " ", text)


def _sentence(text: str) -> str:
    text = text.strip().rstrip(",;:")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def negate(clause: str) -> str | None:
    """The clause with "not" after the auxiliary of each of its coordinated parts, or None."""
    if not re.search(AUXILIARY, clause):
        return None
    parts = re.split(r"(\s+and\s+)", clause)
    out = []
    for part in parts:
        if part.strip() == "and":
            out.append(part)
            continue
        out.append(re.sub(rf"({AUXILIARY})(?!\s+not\b)", r"\1 not", part, count=1))
    return "".join(out)


def first_person(text: str, name: str) -> str:
    """ "We have no orders" -> "The PMF have no orders" in the voice of the source."""
    possessive = f"{name}'s"
    text = re.sub(r"^(?:We|I)\b", name, text)
    text = re.sub(r"^(?:Our|My)\b", possessive[0].upper() + possessive[1:], text)
    text = re.sub(r"\b(?:our|my)\b", possessive, text)
    return re.sub(r"\b(?:we|us)\b", name, text)


def neutral(content: str, *, act: str, takes: str, name: str, plural: bool, said: str, quoted: bool) -> str:
    """The draft's text from its content. ``said`` is the source and cue as written, for pledges."""
    text = _clean(content)
    if not text:
        return ""
    if quoted:
        return _sentence(first_person(text, name))
    subject = r"^(?:they|it)\b" if plural or name[:1].isupper() else r"^(?:he|she)\b"
    if takes == "to" and text.startswith("to "):
        return _sentence(f"{said} {text}")
    if act == "describe":
        m = re.match(r"^(?P<what>.+?)\s+as\s+(?P<how>.+)$", text)
        if m:
            what = m["what"]
            verb = "are" if re.search(r"s\b", what.split()[-1]) and not what.endswith("ss") else "is"
            return _sentence(f"{what} {verb} {m['how']}")
    if takes == "obj_to":
        m = re.match(r"^(?P<who>.+?)\s+to\s+(?P<rest>\w.+)$", text)
        if m and len(m["who"].split()) <= 6:
            return _sentence(f"{m['who']} will {m['rest']}")
    if act == "deny":
        text = re.sub(subject, name, text, count=1)
        negative = negate(text)
        return _sentence(negative if negative else f"it is not true that {text}")
    text = re.sub(r"\bhad\s+(\w+ed)\b", r"\1", text)
    return _sentence(text)
