"""The API's JSON parser: a body it cannot turn into plain, storable data is a 400, never a 500.

DRF's own JSONParser turns `ValueError`s (malformed JSON, invalid UTF-8, integers over
Python's 4,300-digit limit) into a 400 `parse_error`, but not these, which this subclass adds:
- `RecursionError`: 50,000 `[` (any nesting deeper than the interpreter's recursion limit);
- numbers that overflow to infinity (`1e999`), like the NaN/Infinity literals DRF refuses;
- lone UTF-16 surrogates (`"\\ud800"`): valid JSON escapes that no UTF-8 encoder (hashing,
  PostgreSQL) accepts later. A valid pair (an emoji written `\\ud83d\\ude00`) is one character.
"""

import codecs
import json
import math
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A \uXXXX escape of a surrogate (D800-DFFF): only then can the parsed data hold a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"Number out of range: {text[:40]}")
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"Out of range float values are not JSON compliant: {name}")


def _is_lone_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def _holds_lone_surrogate(data: Any) -> bool:
    """Walks the parsed data without recursion (it may be nested ~1,000 deep)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if any(_is_lone_surrogate(char) for char in item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (the project's default) that refuses everything above with a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as exc:  # UnicodeDecodeError included
            raise ParseError(f"JSON parse error - {exc}") from None
        if _SURROGATE_ESCAPE.search(text) and _holds_lone_surrogate(data):
            raise ParseError("JSON parse error - a string holds a lone UTF-16 surrogate.")
        return data
