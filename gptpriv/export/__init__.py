"""Reading ChatGPT exports: facts per conversation, streamed, in bounded memory.

    reader = ExportReader("chatgpt-export.zip")
    reader.user                      # user.json, if the export has one
    for item in reader.conversations():
        ...                          # Facts, or Skipped for a malformed conversation

Fatal problems (not an export, not JSON, cut short, a ZIP bomb) raise ExportError with the
file and byte offset or ZIP member; a malformed conversation is yielded as Skipped.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, NamedTuple

import msgspec

from gptpriv.export import parallel, schema
from gptpriv.export.facts import FeedbackIndex, Facts, conversation_reader, extract, facts_from
from gptpriv.export.sources import ExportError, Part, find_parts, read_small
from gptpriv.export.stream import (CHUNK, DECODE_ERRORS, ArrayReader, Broken, Prefixed, StreamError,
                                   _error_text, element_error)

__all__ = ["ExportError", "ExportReader", "Facts", "Skipped"]


class Skipped(NamedTuple):
    part: str
    index: int
    offset: int
    id: str | None
    message: str


def _decode_error(label: str, error: Exception) -> ExportError:
    return ExportError(f"{label}: {_error_text(error, 1)}")


def _stream_error(part: Part, error: StreamError) -> ExportError:
    return ExportError(f"{part.label}: byte {error.offset}: {error}")


def _read_up_to(handle: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end: a pipe gives what it has at each read."""
    pieces, got = [], 0
    while got < size:
        piece = handle.read(min(size - got, CHUNK))
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


class ExportReader:
    def __init__(self, path: str, stdin: IO[bytes] | None = None) -> None:
        self.parts = find_parts(path, stdin)
        self.label = self.parts.label
        self.user = self._small(self.parts.user, schema.User) if self.parts.user else None
        feedback = self._small(self.parts.feedback, list[schema.Feedback]) if self.parts.feedback else []
        self.feedback = FeedbackIndex(feedback)
        self._finished_bytes = 0
        self._current: ArrayReader | None = None
        self.total_bytes = sum(p.size or 0 for p in self.parts.conversations) or None

    @property
    def bytes_read(self) -> int:
        """Conversation bytes read so far, for a progress bar."""
        return self._finished_bytes + (self._current.bytes_read if self._current else 0)

    @staticmethod
    def _small(part: Part, kind: object) -> object:
        try:
            return msgspec.json.decode(read_small(part), type=kind)
        except DECODE_ERRORS as error:
            raise _decode_error(part.label, error) from None

    def conversations(self) -> Iterator[Facts | Skipped]:
        for part in self.parts.conversations:
            try:
                with part.open() as handle:
                    yield from self._part(part, handle)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise ExportError(f"{part.label}: the ZIP member is damaged ({exc})") from None
            except OSError as exc:
                raise ExportError(f"{part.label}: {exc.strerror or exc}") from None

    def _part(self, part: Part, handle: IO[bytes]) -> Iterator[Facts | Skipped]:
        head = handle.read(64)
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if first == b"{":
            data = head + handle.read()
            self._finished_bytes += len(data)
            yield from self._object(part, data)
            return
        if first != b"[":
            what = "empty" if not head.strip() else "not JSON, or not a ChatGPT export"
            raise ExportError(f"{part.label}: byte {len(head) - len(head.lstrip())}: {what}")
        shared = False  # read by a thread here into memory shared with the workers
        if part.size is None and parallel.possible():
            # A stream of unknown length (standard input): read enough of it to tell a small
            # one, read here by this process alone, from a large one.
            head += _read_up_to(handle, parallel.STREAM_MIN_BYTES)
            shared = len(head) > parallel.STREAM_MIN_BYTES
        elif parallel.worth_it(part.size):
            try:
                plan = parallel.plan_file(part.path, part.size) if part.path is not None else None
            except StreamError as error:
                raise _stream_error(part, error) from None
            if plan is not None:
                yield from self._labelled(part, parallel.read_file(plan, self.feedback, self._advance))
                return
            shared = part.path is None  # a ZIP member: inflated once, decoded by the workers
        if shared:
            yield from self._labelled(part, parallel.read_stream(
                Prefixed(head, handle.read).read, self.feedback, self._advance))
            return
        reader = self._current = conversation_reader(Prefixed(head, handle.read).read)
        try:
            yield from self._labelled(part, facts_from(reader, self.feedback))
        finally:
            self._finished_bytes += reader.bytes_read
            self._current = None

    def _advance(self, count: int) -> None:
        self._finished_bytes += count

    @staticmethod
    def _labelled(part: Part, items: Iterator[Facts | Broken]) -> Iterator[Facts | Skipped]:
        """Broken conversations as Skipped, and a stream that fails as one ExportError."""
        try:
            for item in items:
                yield Skipped(part.label, item.index, item.offset, None, item.message) \
                    if isinstance(item, Broken) else item
        except StreamError as error:
            raise _stream_error(part, error) from None
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a parallel read ends its workers now, however this one ended

    def _object(self, part: Part, data: bytes) -> Iterator[Facts | Skipped]:
        """One conversation object, or `{"conversations": [...]}`."""
        try:
            wrapper = msgspec.json.decode(data, type=schema.Wrapper)
        except DECODE_ERRORS as error:
            raise _decode_error(part.label, error) from None
        if wrapper.conversations is not None:
            encoder = msgspec.json.Encoder()
            for index, value in enumerate(wrapper.conversations):
                yield self._one(part, encoder.encode(value), index)
        elif wrapper.mapping is not None:
            yield self._one(part, data, 0)
        else:
            raise ExportError(f"{part.label}: a JSON object with neither `mapping` nor "
                              "`conversations`: not a ChatGPT conversation or export")

    def _one(self, part: Part, data: bytes, index: int) -> Facts | Skipped:
        try:
            conv = msgspec.json.decode(data, type=schema.Conversation)
        except DECODE_ERRORS as error:
            return Skipped(part.label, index, 0, None, element_error(error, 1))
        return extract(conv, index, 0, self.feedback)
