"""The API's JSON renderer: DRF's output, byte for byte, encoded by orjson."""

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# Times, dataclasses and anything else orjson would write its own way go through DRF's encoder.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
_default = JSONEncoder().default


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSONRenderer, several times faster on large pages (a page of 50 claims is ~75 KB).

    The bytes are DRF's: compact, UTF-8 rather than \\u escapes, and U+2028/U+2029 escaped
    for JavaScript. Indented output (the browsable API, `; indent=N`) and anything orjson
    refuses (integers beyond 64 bits) are left to DRF's encoder.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                encoded = orjson.dumps(data, default=_default, option=_OPTIONS)
            except TypeError:
                pass
            else:
                return encoded.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return super().render(data, accepted_media_type, renderer_context)
