"""Go/protobuf durations as Istio accepts them (``30s``, ``1.5s``, ``1m30s``, ``500ms``)."""

from __future__ import annotations

import re

_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: object) -> float | None:
    """Seconds, or None when ``text`` is not a duration. Signs are refused on purpose:
    Istio rejects negative timeouts, and a bare number has no unit to guess."""
    if not isinstance(text, str) or not text:
        return None
    pos, total = 0, 0.0
    while pos < len(text):
        m = _PART.match(text, pos)
        if not m:
            return None
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    return total
