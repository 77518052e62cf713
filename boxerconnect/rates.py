"""Rate strings like `120/min`, `5/15min`, `10/hour` (no Django imports: settings use it)."""

import re

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"5/15min"` → (5, 900): requests allowed per window of seconds.

    Raises ValueError with a readable message for anything else.
    """
    match = _RATE.match(rate or "")
    if not match:
        raise ValueError(f"invalid rate {rate!r} (use e.g. 120/min, 5/15min, 10/hour)")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNIT_SECONDS[unit[0]]
