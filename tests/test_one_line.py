"""fn.results.one_line escapes with a translate table (start-up, issue 15); it must escape
exactly what the character class it replaced matched, and the same way."""

from __future__ import annotations

import re

from fn.results import one_line

CLASS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def by_regex(text: str) -> str:
    return CLASS.sub(lambda m: NAMED.get(m.group()) or (
        f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"), text)


def test_every_code_point_of_the_basic_plane_is_escaped_as_the_regex_did():
    for start in range(0, 0x10000, 0x1000):
        text = "".join(chr(c) for c in range(start, start + 0x1000) if not 0xD800 <= c < 0xE000)
        assert one_line(text) == by_regex(text)


def test_a_forged_line_stays_one_line():
    assert one_line("a\nistio-mesh-fn: [info] ok\u202e\x1b") == "a\\nistio-mesh-fn: [info] ok\\u202e\\x1b"
    assert one_line("café 😀") == "café 😀"
