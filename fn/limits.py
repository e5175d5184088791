"""Input limits shared by the function and ``analyze``: one size limit for everything
read (stdin, PATH arguments, --config, --mesh-config, files found in directories), reads
that stop at it whatever ``st_size`` claims, and the YAML nesting depth."""

from __future__ import annotations

import math
import os
import stat

from yaml.nodes import MappingNode, Node, SequenceNode

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

MIB = 1 << 20

# Input size is what bounds memory: the node graphs cost most of the ~55 bytes of memory
# per byte of YAML at the peak (docs/performance.md). Rendered monorepos of large
# platforms reach 50-200 MB; 128 MiB (~7 GB at peak) takes most of them.
# ISTIO_MESH_FN_MAX_INPUT_MB moves the limit.
MAX_INPUT_ENV = "ISTIO_MESH_FN_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 128
# Larger values are typos (a 1 TiB input would need ~80 TB of memory), and below this
# ceiling MiB * 2**20 is an exact int a read() call accepts.
MAX_INPUT_MB_CEILING = 1 << 20

# libyaml refuses deeper documents ("exceeded maximum nesting depth"), so this is the
# depth every input could already reach; the pure-Python parser has no such limit and
# callers that walk node graphs check it themselves (``nesting_depth``).
MAX_NESTING_DEPTH = 1000

_CHUNK = MIB


class LimitSettingError(ValueError):
    """ISTIO_MESH_FN_MAX_INPUT_MB holds something that is no usable size."""


class InputTooLarge(Exception):
    """More input than the limit allows; the message says how to raise it."""


def max_input_bytes() -> int:
    raw = os.environ.get(MAX_INPUT_ENV, "")
    if not raw.strip():
        return DEFAULT_MAX_INPUT_MB * MIB
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    try:
        mb = float(raw)
    except ValueError:
        raise LimitSettingError(f"{MAX_INPUT_ENV}={shown!r} is not a number of MiB (e.g. 64)") from None
    if not math.isfinite(mb) or not 0 < mb <= MAX_INPUT_MB_CEILING:
        raise LimitSettingError(
            f"{MAX_INPUT_ENV}={shown!r} is out of range: give a number of MiB above 0 and at most "
            f"{MAX_INPUT_MB_CEILING} (the default is {DEFAULT_MAX_INPUT_MB})")
    return max(1, int(mb * MIB))


def _amount(n: int) -> str:
    if n % MIB == 0:
        return f"{n // MIB} MiB"
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n} bytes"


def too_large(size: int, limit: int | None = None, exact: bool = True) -> str:
    limit = max_input_bytes() if limit is None else limit
    what = f"input is {_amount(size)}, over" if exact else "input is over"
    return f"{what} the {_amount(limit)} limit (set {MAX_INPUT_ENV} to raise it)"


class Budget:
    """What is left of the input limit; every read of one run takes from it, so the limit
    bounds all input together, not each file."""

    def __init__(self, limit: int | None = None):
        self.limit = max_input_bytes() if limit is None else limit
        self.used = 0

    def read(self, fh: BinaryIO, label: str, drain: bool = False) -> bytes:
        """All of ``fh``, or InputTooLarge as soon as it passes the limit. Reads are
        bounded whatever the file claims (FIFOs and devices report size 0). ``drain``
        reads and drops the rest past the limit (memory stays bounded), for a writer
        that must not see a broken pipe; then the message gives the full size."""
        room = self.limit - self.used
        try:
            st = os.fstat(fh.fileno())
        except (OSError, AttributeError, ValueError):
            st = None
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_size > room:
            # A regular file says how big it is: refuse before reading any of it.
            raise InputTooLarge(f"{label}: {too_large(self.used + st.st_size, self.limit)}")
        chunks: list[bytes] = []
        got = 0
        while got <= room:
            chunk = fh.read(min(_CHUNK, room + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > room:
            chunks.clear()
            size = self.used + got
            if drain:
                while chunk := fh.read(_CHUNK):
                    size += len(chunk)
            raise InputTooLarge(f"{label}: {too_large(size, self.limit, exact=drain)}")
        self.used += got
        return b"".join(chunks)


def nesting_depth(root: Node, stop_at: int = MAX_NESTING_DEPTH) -> int:
    """Levels of collections under ``root`` (a scalar is 0), counted without recursion;
    the count stops just past ``stop_at``."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            children = node.value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > stop_at:
            return deepest
        stack.extend((c, depth + 1) for c in children if isinstance(c, (MappingNode, SequenceNode)))
    return deepest
