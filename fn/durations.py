"""Go/protobuf durations as Istio accepts them (``30s``, ``1.5s``, ``1m30s``, ``500ms``)."""

from __future__ import annotations

_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
# Tried in this order, so that "ms" is not read as "m" (the order of the alternation
# ``(ns|us|µs|ms|s|m|h)`` this scanner replaced: compiling that pattern was ~0.3 ms of
# every start-up; tests/test_durations.py holds the two side by side).
_UNITS = ("ns", "us", "µs", "ms", "s", "m", "h")


def parse_duration(text: object) -> float | None:
    """Seconds, or None when ``text`` is not a duration. Signs are refused on purpose:
    Istio rejects negative timeouts, and a bare number has no unit to guess."""
    if not isinstance(text, str) or not text:
        return None
    pos, total, end = 0, 0.0, len(text)
    while pos < end:
        # A number: digits with an optional fraction ("1", "1.", "1.5"), or ".5".
        start = pos
        while pos < end and text[pos].isdecimal():
            pos += 1
        whole = pos > start
        if pos < end and text[pos] == ".":
            pos += 1
            fraction = pos
            while pos < end and text[pos].isdecimal():
                pos += 1
            if not whole and pos == fraction:
                return None
        elif not whole:
            return None
        unit = next((u for u in _UNITS if text.startswith(u, pos)), None)
        if unit is None:
            return None
        total += float(text[start:pos]) * _UNIT[unit]
        pos += len(unit)
    return total
