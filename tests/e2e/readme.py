"""The README's usage examples, as the tests run them. A fenced block in the usage section
is preceded by a tag: `<!-- e2e: run NAME -->` (bash runs it), `<!-- e2e: file PATH -->`
(it must be exactly that file), `<!-- e2e: needs-standalone-kustomize NAME -->` (run where
the standalone kustomize exists), or `<!-- e2e: skip REASON -->`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .conftest import ROOT

README = ROOT / "README.md"
TAGGED = re.compile(r"^<!-- e2e: (\S+) (.+?) -->\n```(\w*)\n(.*?)\n```$", re.M | re.S)
FENCE = re.compile(r"^```(\w*)\n(.*?)\n```$", re.M | re.S)


@dataclass
class Block:
    kind: str
    arg: str
    lang: str
    body: str


def usage_section() -> str:
    text = README.read_text()
    start, end = text.index("<!-- usage:start -->"), text.index("<!-- usage:end -->")
    return text[start:end]


def blocks() -> list[Block]:
    return [Block(*m.groups()) for m in TAGGED.finditer(usage_section())]


def untagged_fences() -> list[str]:
    section = usage_section()
    tagged = {m.start(3) for m in TAGGED.finditer(section)}
    # A fence is tagged when the tag line sits right above it.
    out = []
    for m in FENCE.finditer(section):
        above = section[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if not above.startswith("<!-- e2e: "):
            out.append(m.group(0)[:80])
    return out


def run_block(name: str) -> Block:
    found = [b for b in blocks() if b.kind in ("run", "needs-standalone-kustomize") and b.arg == name]
    assert len(found) == 1, f"README usage section: want one block named {name!r}, found {len(found)}"
    return found[0]
