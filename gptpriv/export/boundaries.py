"""Where one top-level conversation ends and the next begins, found without parsing all
that comes before: what lets several processes read one export, each from its own part.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import IO, NamedTuple, Optional

import msgspec

from gptpriv.export.stream import (
    DECODE_ERRORS,
    LIKELY_CUT,
    TRUNCATED_END,
    StreamError,
    decode_in_place,
    is_truncated,
)

WINDOW = 1024 * 1024  # where a plain file is searched for a boundary; grows when needed
MAX_WINDOW = 32 * 1024 * 1024


def boundary(buffer: bytearray | memoryview, start: int = 0, end: int | None = None,
             tries: int = 4) -> tuple[tuple[int, int] | None, int]:
    """(comma, brace) of the first verified top-level boundary in buffer[start:end], or None;
    and where to search again once more has been read after the buffer.

    Candidates are `}, {` followed by a key that opens a conversation. One is verified by
    decoding a conversation from it: a start inside a conversation (a list of objects in
    its metadata, say) does not decode as one. A candidate whose conversation runs past the
    end of the buffer is undecided: the next search starts there.
    """
    end = len(buffer) if end is None else end
    for found in LIKELY_CUT.finditer(buffer, start, end):
        comma, brace = found.start("comma"), found.start("brace")
        starts = _starts_conversation(buffer, brace, end)
        if starts:
            return (comma, brace), brace
        if starts is None:
            return None, found.start()
        tries -= 1
        if not tries:
            break
    return None, max(start, end - 64)  # a candidate may be cut off at the end


class _Anything(msgspec.Struct):
    """Any JSON object, skipped over."""


class _Opening(msgspec.Struct):
    mapping: Optional[dict[str, _Anything]] = None


# Verifying a boundary needs the syntax of a conversation and its `mapping`, not its facts:
# skipping the rest is faster than decoding it.
_OPENINGS = msgspec.json.Decoder(list[_Opening])


def _starts_conversation(buffer: bytearray | memoryview, brace: int, end: int) -> bool | None:
    """Whether one whole conversation starts at `brace`; None when the buffer ends first.

    It is decoded up to each following candidate in turn: up to one inside it, it is cut
    short ("truncated"); up to its real end, it decodes. Each try is decoded in place.
    """
    for after in islice(LIKELY_CUT.finditer(buffer, brace + 1, end), 8):
        try:
            items = decode_in_place(_OPENINGS, buffer, brace - 1, after.start())
        except DECODE_ERRORS as error:
            if is_truncated(error):
                continue
            return False
        return len(items) == 1 and items[0].mapping is not None
    return None


# -- a plain file: where to cut it ------------------------------------------------------

class FilePlan(NamedTuple):
    path: Path
    opening: int  # file offset of the array's `[`
    closing: int  # ... and of its `]`
    first: tuple[int, int]  # the first boundary


def plan_file(path: Path, size: int, unit: int, wrapped: bool = False) -> FilePlan | None:
    """Where the array opens and closes and its first boundary; None when none is found
    (then one process reads the file as a stream). The first boundary is looked for about
    `unit` bytes in. `wrapped`: the array is the value of
    `{"conversations": ...}`, the first `[` of the file, closed by the `]` before its `}`."""
    with open(path, "rb") as handle:
        head = handle.read(64)
        handle.seek(max(0, size - 4096))
        tail = handle.read()
        stripped = tail.rstrip()
        if wrapped:
            if not stripped.endswith(b"}"):
                raise StreamError("the file ends before the object is closed (truncated?)",
                                  size - (len(tail) - len(stripped)))
            stripped = stripped[:-1].rstrip()
        end = size - (len(tail) - len(stripped))
        if not stripped.endswith(b"]"):
            raise StreamError(TRUNCATED_END, end)
        opening = head.index(b"[")
        # Not found near the start: the file is shaped unlike any export seen (no key that
        # opens a conversation comes first), and looking further would read all of it.
        first = boundary_after(handle, opening + unit, min(end - 1, opening + unit + 2 * MAX_WINDOW))
    return FilePlan(path, opening, end - 1, first) if first else None


def boundary_after(handle: IO[bytes], at: int, closing: int) -> tuple[int, int] | None:
    """The first verified boundary at or after file offset `at`, before `closing`."""
    window = WINDOW
    while at < closing:
        handle.seek(at)
        data = bytearray(handle.read(min(window, closing - at)))
        cut, _ = boundary(data)
        if cut is not None:
            return at + cut[0], at + cut[1]
        if window < MAX_WINDOW:
            window *= 2  # the conversations here are long: look at more of them
        else:
            at += window // 2
    return None
