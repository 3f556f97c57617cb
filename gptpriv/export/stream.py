"""Decode a huge top-level JSON array element by element, in bounded memory.

The stream is read a few MiB at a time. The buffer is cut after a `}` that is followed by
`,` and `{` (the only place two objects can sit side by side is in an array), and the cut is
decoded as an array with msgspec. A cut that falls inside a nested array or a string leaves
an unfinished document, which msgspec reports as "truncated" (without a byte offset): we then
try an earlier cut, or read more. Real corruption is reported as "malformed ... (byte N)" or
as a type error: the conversations around it are then decoded one by one, so that only the
broken one is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import msgspec

CHUNK = 4 * 1024 * 1024
_MAX_TRIES = 6
_CUT = re.compile(rb"\}\s*,\s*\{")
_BYTE = re.compile(r"\(byte (\d+)\)")
_RAW = msgspec.json.Decoder(list[msgspec.Raw])
# Keys that open a conversation object in real exports (native order starts with "title";
# re-sorted dumps start alphabetically). Cuts before them are tried first: it is only a
# speed-up, every cut is verified by decoding.
_LIKELY_START = re.compile(rb'\s*"(title|id|conversation_id|create_time|async_status|'
                           rb'atlas_mode_enabled|blocked_urls|context_scopes|conversation_origin|'
                           rb'conversation_template_id|current_node|default_model_slug|mapping)"')


class Element(NamedTuple):
    index: int
    offset: int  # byte offset of the element in the stream
    value: Any


class Broken(NamedTuple):
    index: int
    offset: int
    message: str


class StreamError(Exception):
    """The stream as a whole is unusable (not an array, cut short)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _is_truncated(error: msgspec.DecodeError) -> bool:
    return "truncated" in str(error)


def _error_text(error: msgspec.DecodeError, base: int) -> str:
    """msgspec's message with the byte offset made absolute (our buffer starts with `[`)."""
    text = str(error)
    found = _BYTE.search(text)
    if found:
        text = _BYTE.sub(f"(byte {base + int(found.group(1)) - 1})", text)
    return lower_first(text)


def lower_first(text: str) -> str:
    """`Input data was truncated` -> `input data ...`, but `JSON is ...` stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


class ArrayReader:
    """Yields Element or Broken for each element of the JSON array read from `read`."""

    def __init__(self, read: Callable[[int], bytes], item_type: Any,
                 accept: Callable[[Any], bool] = lambda _: True, chunk: int = CHUNK) -> None:
        self._read = read
        self._decoder = msgspec.json.Decoder(list[item_type])
        self._accept = accept
        self._chunk = chunk
        self.bytes_read = 0

    def __iter__(self) -> Iterator[Element | Broken]:
        buffer, base, eof = self._open()
        index = 0
        want = self._chunk
        while True:
            while not eof and len(buffer) < want:
                more = self._read(max(self._chunk, want - len(buffer)))
                if not more:
                    eof = True
                else:
                    self.bytes_read += len(more)
                    buffer += more
            if eof:
                yield from self._last(buffer, base, index)
                return
            cut = self._decode_cut(buffer)
            if cut is None:
                want = len(buffer) * 2  # one element longer than the buffer: read more
                continue
            end, items = cut
            if items is None:  # corruption in this part: isolate it
                results = list(self._isolate(buffer[:end + 1], base, index))
            else:
                results = self._elements(items, base, index)
            for result in results:
                yield result
            index += len(results)
            start = buffer.index(b"{", end + 1)
            base += start
            buffer = buffer[start:]
            want = self._chunk

    def _open(self) -> tuple[bytes, int, bool]:
        """Read up to the `[` that opens the array; return the rest, its offset and EOF."""
        head = self._read(self._chunk)
        self.bytes_read += len(head)
        skip = 3 if head.startswith(b"\xef\xbb\xbf") else 0
        stripped = head[skip:].lstrip()
        offset = len(head) - len(stripped)
        if not stripped.startswith(b"["):
            raise StreamError("expected a JSON array of conversations", offset)
        return stripped[1:], offset + 1, not head

    def _decode_cut(self, buffer: bytes) -> tuple[int, list[Any] | None] | None:
        """Find a cut between two top-level elements and decode up to it.

        Returns (index of the `}` cut after, decoded items or None if that part is corrupt),
        or None when no cut in the buffer works (the buffer holds less than one element).
        """
        tail = max(0, len(buffer) - self._chunk)
        cuts = [m.start() for m in _CUT.finditer(buffer, tail)]
        if not cuts and tail:
            cuts = [m.start() for m in _CUT.finditer(buffer)]
        likely = [c for c in cuts if _LIKELY_START.match(buffer, buffer.index(b"{", c + 1) + 1)]
        tries = sorted(likely, reverse=True) + sorted(set(cuts) - set(likely), reverse=True)
        for end in tries[:_MAX_TRIES]:
            try:
                return end, self._decoder.decode(b"[" + buffer[:end + 1] + b"]")
            except msgspec.DecodeError as error:
                if _is_truncated(error):
                    continue
                return end, None
        return None

    def _last(self, buffer: bytes, base: int, index: int) -> Iterator[Element | Broken]:
        body = buffer.rstrip()
        if not body.endswith(b"]"):
            raise StreamError("the file ends before the array is closed (truncated?)",
                              base + len(body))
        body = body[:-1]
        if not body.strip():
            return
        try:
            items = self._decoder.decode(b"[" + body + b"]")
        except msgspec.DecodeError:
            yield from self._isolate(body, base, index)
            return
        yield from self._elements(items, base, index)

    def _elements(self, items: list[Any], base: int, index: int) -> list[Element | Broken]:
        # Offsets of elements after the first are not known without a second pass; only
        # broken elements need one, and _isolate gives them theirs.
        return [
            Element(index + i, base if i == 0 else -1, item) if self._accept(item)
            else Broken(index + i, base if i == 0 else -1, "not a conversation object")
            for i, item in enumerate(items)
        ]

    def _isolate(self, data: bytes, base: int, index: int) -> Iterator[Element | Broken]:
        """Decode `data` one element at a time; report broken ones, keep the rest.

        From each candidate start, the element is extended cut by cut while it decodes as
        truncated. A start that gives corruption is either the broken element itself or a
        place inside it: we then try the next candidate start, until one decodes to a single
        conversation again.
        """
        cuts = [m.start() for m in _CUT.finditer(data)] + [len(data) - 1]
        broken: tuple[int, str] | None = None
        start = 0
        while start < len(data):
            first = next(k for k, cut in enumerate(cuts) if cut >= start)
            kind, payload, k = self._one_element(data, start, cuts, first, base)
            if kind == "ok" or kind == "wrong":
                if broken is not None:
                    yield Broken(index, base + broken[0], broken[1])
                    index, broken = index + 1, None
                yield (Element(index, base + start, payload) if kind == "ok"
                       else Broken(index, base + start, payload))
                index += 1
                start = self._next_start(data, cuts[k])
                continue
            if broken is None:
                broken = (start, payload)
            start = self._next_start(data, cuts[first])
        if broken is not None:
            yield Broken(index, base + broken[0], broken[1])

    def _one_element(self, data: bytes, start: int, cuts: list[int], first: int,
                     base: int) -> tuple[str, Any, int]:
        """Decode one element starting at `start`, extending it cut by cut while truncated.

        Returns ("ok", value, k), ("wrong", message, k) for a complete element of the wrong
        shape, or ("bad", message, k) when the bytes from `start` are not valid JSON.
        """
        for k in range(first, len(cuts)):
            piece = b"[" + data[start:cuts[k] + 1] + b"]"
            try:
                items = self._decoder.decode(piece)
            except msgspec.DecodeError as error:
                try:
                    raw = _RAW.decode(piece)  # syntax only: is this one complete element?
                except msgspec.DecodeError as syntax:
                    if _is_truncated(syntax):
                        continue
                    return "bad", _error_text(syntax, base + start), k
                if len(raw) != 1:
                    return "bad", "not a conversation object", k
                return "wrong", _error_text(error, base + start), k
            if len(items) == 1 and self._accept(items[0]):
                return "ok", items[0], k
            return ("wrong" if len(items) == 1 else "bad"), "not a conversation object", k
        return "bad", "the element is cut short", len(cuts) - 1

    @staticmethod
    def _next_start(data: bytes, cut: int) -> int:
        position = data.find(b"{", cut + 1)
        return len(data) if position < 0 else position
