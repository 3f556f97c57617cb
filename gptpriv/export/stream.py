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
CUT = re.compile(rb"\}\s*,\s*\{")
_BYTE = re.compile(r"\(byte (\d+)\)")
_BRACE = re.compile(rb"\{")
_IN_ARRAY = re.compile(r"`\$\[0\]")
_RAW = msgspec.json.Decoder(list[msgspec.Raw])
# msgspec reports most problems as DecodeError, but nesting deeper than the interpreter's
# recursion limit as RecursionError and bad UTF-8 inside a string as UnicodeDecodeError.
DECODE_ERRORS = (msgspec.DecodeError, RecursionError, ValueError)
_TRUNCATED = object()
# Keys that open a conversation object in real exports (native order starts with "title";
# re-sorted dumps start alphabetically). Cuts before them are tried first: it is only a
# speed-up, every cut is verified by decoding.
LIKELY_START = re.compile(rb'\s*"(title|id|conversation_id|create_time|async_status|'
                           rb'atlas_mode_enabled|blocked_urls|context_scopes|conversation_origin|'
                           rb'conversation_template_id|current_node|default_model_slug|mapping)"')
LIKELY_CUT = re.compile(rb"\}\s*(?P<comma>,)\s*(?P<brace>\{)" + LIKELY_START.pattern)
_TAIL = 1 << 20


class Element(NamedTuple):
    index: int  # type: ignore[assignment]  # a field named like tuple.index
    offset: int  # byte offset in the file; -1 when not known (only broken ones need it)
    value: Any
    taken: Any = None  # what ArrayDecoder's `take` took from it while its buffer was held


class Broken(NamedTuple):
    index: int  # type: ignore[assignment]  # a field named like tuple.index
    offset: int
    message: str


class StreamError(Exception):
    """The stream as a whole is unusable (not an array, cut short)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message, offset)  # both in args: it crosses a process boundary
        self.message, self.offset = message, offset

    def __str__(self) -> str:
        return self.message


def is_truncated(error: Exception) -> bool:
    return isinstance(error, msgspec.DecodeError) and "truncated" in str(error)


def _error_text(error: Exception, base: int) -> str:
    """msgspec's message with the byte offset made absolute (our buffer starts with `[`)."""
    if isinstance(error, RecursionError):
        return "nested too deeply to read"
    if isinstance(error, UnicodeDecodeError):
        return "a string is not valid UTF-8"
    text = str(error)
    found = _BYTE.search(text)
    if found:
        text = _BYTE.sub(f"(byte {base + int(found.group(1)) - 1})", text)
    return lower_first(text)


def element_error(error: Exception, base: int) -> str:
    """The message for one conversation, decoded alone: its path starts at the conversation
    (`$.mapping...`), not at the array it was put in to be decoded (`$[0].mapping...`)."""
    return _IN_ARRAY.sub("`$", _error_text(error, base))


def lower_first(text: str) -> str:
    """`Input data was truncated` -> `input data ...`, but `JSON is ...` stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


_WHITESPACE = b" \t\r\n"
_SCAN_LIMIT = 4096  # candidate cuts looked at per attempt, from the end of the buffer


def _cuts_from_end(buffer: bytearray, low: int) -> Iterator[tuple[int, int, int]]:
    """(`}`, `,`, `{`) positions of each `}` `,` `{` after `low`, from the end, lazily.

    Real exports separate elements with `}, {` (Python-style separators) and compact JSON
    with `},{`: both are found with rfind at C speed. Other spacing (pretty-printed JSON)
    falls back to a regular expression over the buffer.
    """
    found_any = False
    position = len(buffer)
    spaced, tight = buffer.rfind(b"}, {", low, position), buffer.rfind(b"},{", low, position)
    for _ in range(_SCAN_LIMIT):
        if spaced < 0 and tight < 0:
            break
        found_any = True
        if spaced > tight:
            yield spaced, spaced + 1, spaced + 3
            spaced = buffer.rfind(b"}, {", low, spaced)
        else:
            yield tight, tight + 1, tight + 2
            tight = buffer.rfind(b"},{", low, tight)
    if found_any:
        return
    matches = list(CUT.finditer(buffer, low))
    for match in reversed(matches[-_SCAN_LIMIT:]):
        close = match.start()
        yield close, buffer.index(b",", close), match.end() - 1


TRUNCATED_END = "the file ends before the array is closed (truncated?)"


def decode_in_place(decoder: Any, buffer: bytearray | memoryview, open_at: int, close: int) -> Any:
    """Decode buffer[open_at..close] as an array, without copying it: the byte at `open_at`
    and the one after `close` are set to `[` and `]` for the decode, then put back. Raises
    what the decoder raises."""
    saved = buffer[open_at], buffer[close + 1]
    buffer[open_at], buffer[close + 1] = 0x5B, 0x5D  # `[` and `]`
    try:
        with memoryview(buffer) as view, view[open_at:close + 2] as part:
            return decoder.decode(part)
    finally:
        buffer[open_at], buffer[close + 1] = saved


class Prefixed:
    """A stream with bytes already read put back in front of it."""

    def __init__(self, head: bytes, read: Callable[[int], bytes]) -> None:
        self._head, self._at, self._read = head, 0, read

    def read(self, size: int = -1) -> bytes:
        if self._at < len(self._head):
            end = len(self._head) if size < 0 else self._at + size
            data = self._head[self._at:end]
            self._at += len(data)
            if self._at == len(self._head):
                self._head, self._at = b"", 0
            return data
        return self._read(size)


class WithoutClosingBrace:
    """A stream of `{"conversations": [...]}` with the object's last `}` taken off, so that
    from its `[` on it reads as a bare array. The `}` and whitespace a read ends with are held
    back until more comes: only at the end is it known which `}` is the object's."""

    _TRAILING = b" \t\r\n}"

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read, self._held, self._at, self._eof = read, b"", 0, False

    def read(self, size: int = -1) -> bytes:
        while not self._eof:
            data = self._read(size)
            if not data:
                self._eof = True
                rest = self._held.strip()
                if not rest:
                    raise StreamError("the file ends before the object is closed (truncated?)", self._at)
                return b"" if rest == b"}" else rest  # anything else: for the array reader to report
            data = self._held + data if self._held else data
            kept = data.rstrip(self._TRAILING)
            self._held = data[len(kept):]
            if kept:
                self._at += len(kept)
                return kept
        return b""


class ArrayDecoder:
    """Decodes JSON arrays of one element type; isolates broken elements so the rest are kept."""

    def __init__(self, item_type: Any, accept: Callable[[Any], bool] = lambda _: True,
                 take: Callable[[Any], Any] | None = None) -> None:
        """`take(element)`, run as soon as it is decoded (its result is the Element's `taken`),
        must let go of every view of the buffer (msgspec.Raw) the element holds."""
        self.decoder = msgspec.json.Decoder(list[item_type])
        self.single = msgspec.json.Decoder(item_type)
        self._accept = accept
        self._take = take

    def decode(self, buffer: Any) -> list[tuple[Any, Any]]:
        """Each element of the array in `buffer`, with what `take` took from it: done before
        returning, so that nothing decoded still holds a view of `buffer`."""
        items = self.decoder.decode(buffer)
        take = self._take
        return [(item, take(item)) for item in items] if take else [(item, None) for item in items]

    def decode_one(self, data: bytes) -> tuple[Any, Any]:  # one element, not in an array
        item = self.single.decode(data)
        return item, self._take(item) if self._take else None

    def element(self, index: int, offset: int, item: Any, taken: Any = None) -> Element | Broken:
        if not self._accept(item):
            return Broken(index, offset, "not a conversation object")
        return Element(index, offset, item, taken)

    def framed(self, buffer: Any, base: int, index: int = 0) -> list[Element | Broken]:
        """Every element of `buffer`, which holds one whole array (`[` ... `]`, no more);
        `base` is the file offset of its `[`, `index` the number of its first element. The
        buffer is only read, never copied unless an element in it is broken."""
        try:
            items = self.decode(buffer)
        except DECODE_ERRORS:
            return list(self.isolate(bytes(buffer[1:-1]), base + 1, index))
        first = _BRACE.search(buffer)
        return self.elements(items, base + (first.start() if first else 0), index)

    def elements(self, items: list[tuple[Any, Any]], base: int, index: int) -> list[Element | Broken]:
        """Elements of what `decode` returned. Offsets of elements after the first are not
        known without a second pass; only broken elements need one, and isolate gives them
        theirs."""
        return [self.element(index + i, base if i == 0 else -1, item, taken)
                for i, (item, taken) in enumerate(items)]

    def isolate(self, data: bytes, base: int, index: int) -> Iterator[Element | Broken]:
        """Decode `data` one element at a time; report broken ones, keep the rest.

        From each candidate start, the element is extended cut by cut while it decodes as
        truncated. A start that gives corruption is either the broken element itself or a
        place inside it: we then try the next candidate start, until one decodes to a single
        conversation again.
        """
        cuts = [m.start() for m in CUT.finditer(data)] + [len(data) - 1]
        broken: tuple[int, str] | None = None
        start = 0
        while start < len(data):
            first = next(k for k, cut in enumerate(cuts) if cut >= start)
            kind, payload, k = self._one_element(data, start, cuts, first, base)
            if kind == "ok" or kind == "wrong":
                if broken is not None:
                    yield Broken(index, base + broken[0], broken[1])
                    index, broken = index + 1, None
                yield (self.element(index, base + start, *payload) if kind == "ok"
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
                items = self.decode(piece)
            except DECODE_ERRORS as error:
                try:
                    raw = _RAW.decode(piece)  # syntax only: is this one complete element?
                except DECODE_ERRORS as syntax:
                    if is_truncated(syntax):
                        continue
                    return "bad", _error_text(syntax, base + start), k
                if len(raw) != 1:
                    return "bad", "not a conversation object", k
                return "wrong", element_error(error, base + start), k
            if len(items) == 1 and self._accept(items[0][0]):
                return "ok", items[0], k
            return ("wrong" if len(items) == 1 else "bad"), "not a conversation object", k
        return "bad", "the element is cut short", len(cuts) - 1

    @staticmethod
    def _next_start(data: bytes, cut: int) -> int:
        position = data.find(b"{", cut + 1)
        return len(data) if position < 0 else position


class ArrayReader:
    """Yields Element or Broken for each element of the JSON array read from `read`."""

    def __init__(self, read: Callable[[int], bytes], array: ArrayDecoder, chunk: int = CHUNK,
                 start_offset: int = 0) -> None:
        """`start_offset`: where byte 0 of this stream sits in the file, for messages."""
        self._start_offset = start_offset
        self._read = read
        self._array = array
        self._chunk = chunk
        self.bytes_read = 0

    def __iter__(self) -> Iterator[Element | Broken]:
        # `data` holds what was read and not yet consumed; `open_at` is the byte just before
        # the next element (the array's `[`, or the `,` after the previous element). Each
        # part is decoded in place: that byte is set to `[` and the one after the cut to `]`
        # for the decode, then restored, so no part is ever copied.
        data, open_at, eof = self._open()
        base = self._start_offset  # file offset of data[0]
        index = 0
        want = self._chunk
        while True:
            while not eof and len(data) - open_at < want:
                more = self._read(max(self._chunk, want - (len(data) - open_at)))
                if not more:
                    eof = True
                else:
                    self.bytes_read += len(more)
                    data += more
            if eof:
                yield from self._last(data, open_at, base, index)
                return
            cut = self._decode_cut(data, open_at)
            if cut is None:
                want = (len(data) - open_at) * 2  # one element longer than the buffer
                continue
            close, comma, items = cut
            first = base + data.find(b"{", open_at)
            if items is None:  # corruption in this part: isolate it
                results = list(self._array.isolate(bytes(data[open_at + 1:close + 1]),
                                             base + open_at + 1, index))
            else:
                results = self._array.elements(items, first, index)
            yield from results
            index += len(results)
            open_at = comma
            if open_at > self._chunk:  # drop what was consumed (one memmove per chunk)
                del data[:open_at]
                base += open_at
                open_at = 0
            want = self._chunk

    def _open(self) -> tuple[bytearray, int, bool]:
        """Read up to the `[` that opens the array; return the data, its index, and EOF."""
        head = self._read(self._chunk)
        self.bytes_read += len(head)
        skip = 3 if head.startswith(b"\xef\xbb\xbf") else 0
        stripped = head[skip:].lstrip()
        offset = len(head) - len(stripped)
        if not stripped.startswith(b"["):
            raise StreamError("expected a JSON array of conversations", offset)
        return bytearray(head), offset, not head

    def _decode_in_place(self, data: bytearray, open_at: int, close: int) -> Any:
        """Decode data[open_at..close] as an array; `_TRUNCATED`, or None when corrupt."""
        try:
            return decode_in_place(self._array, data, open_at, close)
        except DECODE_ERRORS as error:
            return _TRUNCATED if is_truncated(error) else None

    def _decode_cut(self, data: bytearray, open_at: int) -> tuple[int, int, list[Any] | None] | None:
        """Find a cut between two top-level elements and decode up to it.

        Returns (`}` position, `,` position, items or None if that part is corrupt), or None
        when no cut works (the buffer holds less than one element). Cuts followed by a key
        that opens a conversation are found with one regular-expression pass over the last
        MiB (then the whole buffer) and tried from the end; any other cut comes after.
        """
        tries = 0
        tail = max(open_at, len(data) - _TAIL)
        for low in ((tail, open_at) if tail > open_at else (open_at,)):
            matches = [m.start() for m in LIKELY_CUT.finditer(data, low)]
            for close in reversed(matches[-_MAX_TRIES:]):
                items = self._decode_in_place(data, open_at, close)
                tries += 1
                if items is not _TRUNCATED:
                    return close, data.index(b",", close), items
            if matches:
                break
        for close, comma, _brace in _cuts_from_end(data, open_at):
            if tries >= 2 * _MAX_TRIES:
                break
            items = self._decode_in_place(data, open_at, close)
            tries += 1
            if items is not _TRUNCATED:
                return close, comma, items
        return None

    def _last(self, data: bytearray, open_at: int, base: int, index: int) -> Iterator[Element | Broken]:
        end = len(data.rstrip())
        if end <= open_at or data[end - 1] != 0x5D:  # `]`
            raise StreamError(TRUNCATED_END, base + end)
        if not data[open_at + 1:end - 1].strip():
            return
        data[open_at] = 0x5B  # `[`: from here to the array's own `]` is one whole array
        with memoryview(data) as view, view[open_at:end] as part:
            results = self._array.framed(part, base + open_at, index)
        yield from results
