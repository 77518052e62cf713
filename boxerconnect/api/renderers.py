"""The API's JSON renderer: DRF's output, written by orjson.

DRF's `JSONRenderer` encodes with the standard library's `json` (pure Python for the
structure): a warm page of 100 profiles spent about a tenth of its CPU there
(bench/warm_path.py), re-encoding a body its read model had just decoded. orjson writes the
same compact form (`,` and `:` separators, UTF-8 rather than `\\u` escapes) in C. What DRF
adds is kept: types orjson does not know (Decimal, lazy strings, QuerySets, ...) and
datetimes go through DRF's own `JSONEncoder.default`, and U+2028/U+2029 are escaped as DRF
escapes them. `tests/boxerconnect/test_renderers.py` holds the bytes equal to DRF's for
generated data, so a cached body and a fresh one render alike. Two differences, both pinned
there: a float under 1e-4 is written `1e-7` (Python writes `1e-07`: the same number), and a
NaN or infinity renders as `null` (DRF raises, a 500; the parser refuses them on input, so
only a computed value could carry one).

Anything else (an indented render for the browsable API, `ensure_ascii`, a value orjson
refuses such as an integer over 64 bits or a lone surrogate) is DRF's own path, unchanged.
No maintained package does this: drf-orjson-renderer renders an unknown type as `null` and
datetimes in orjson's own format, which would change the API's bytes.
"""

from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# Datetimes and dataclasses go to DRF's encoder too (orjson would write its own forms).
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_default = JSONEncoder().default


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if indent is not None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
            body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return body
