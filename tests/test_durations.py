"""fn.durations scans Go/protobuf durations by hand (start-up, issue 15): it must read
exactly what the pattern it replaced read, to the same number of seconds."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from fn.durations import parse_duration

_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def by_pattern(text: object) -> float | None:
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


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789.nsuµmh -+e١"), max_size=14))
@example("30s")
@example("1m30s")
@example("1.5s")
@example("500ms")
@example(".5s")
@example("1.s")
@example(".s")
@example("1h2m3s4ms5us6µs7ns")
@example("١s")
def test_the_scanner_reads_what_the_pattern_read(text):
    assert parse_duration(text) == by_pattern(text)


def test_what_is_not_a_duration():
    for value in (None, 30, "", "30", "-1s", "s", "1x", "1 s", "1.5.5s"):
        assert parse_duration(value) is None, value
    assert parse_duration("1m30s") == 90.0 and parse_duration("250ms") == 0.25
