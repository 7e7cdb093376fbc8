"""Request parsers that refuse input the database would choke on."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


class StrictJSONParser(JSONParser):
    """JSON, minus what is valid JSON but not valid text, and nesting deep enough to
    exhaust Python's recursion limit.

    `"\\ud800"` parses to a Python string no database can store (a lone UTF-16
    surrogate); without this check it would surface as a 500 at save time.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        # JSON is UTF-8 (RFC 8259 8.1) and a charset parameter means nothing for it: honouring one
        # (`charset=latin-1` on UTF-8 bytes) would store garbled text instead of what was sent.
        parser_context = {**(parser_context or {}), "encoding": "utf-8"}
        try:
            data = super().parse(stream, media_type, parser_context)
            has_lone_surrogate = _has_lone_surrogate(data)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
        if has_lone_surrogate:
            raise ParseError("JSON parse error - strings must be valid Unicode (lone surrogate escape found).")
        return data
