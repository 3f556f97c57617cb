"""Reading ChatGPT exports: facts per conversation, streamed, in bounded memory.

    reader = ExportReader("chatgpt-export.zip")
    reader.user                      # user.json, if the export has one
    reader.shared_links              # shared_conversations.json entries (may be empty)
    for item in reader.conversations():
        ...                          # Facts, or Skipped for a malformed conversation

Fatal problems (not an export, not JSON, cut short, a ZIP bomb) raise ExportError with the
file and byte offset or ZIP member; a malformed conversation is yielded as Skipped.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Generator, Iterator
from typing import IO, Any, NamedTuple

import msgspec

from gptpriv.export import parallel, schema
from gptpriv.export.facts import Facts, FeedbackIndex, conversation_reader, decoder, extract, facts_from
from gptpriv.export.manifest import Manifest, Problem, check_shards, library_count, read_manifest
from gptpriv.export.sources import BinaryStream, ExportError, Part, find_parts, read_small
from gptpriv.export.stream import (
    CHUNK,
    DECODE_ERRORS,
    ArrayReader,
    Broken,
    Prefixed,
    StreamError,
    WithoutClosingBrace,
    _error_text,
    element_error,
)

__all__ = ["ExportError", "ExportReader", "Facts", "Manifest", "Problem", "Skipped"]

# `{"conversations": [`, as some tools write an export (EXPORT-FORMAT.md 2), when it is the
# object's first key: then the array is streamed. Other keys first: the object is read whole.
_WRAPPER = re.compile(rb'(?:\xef\xbb\xbf)?\s*\{\s*"conversations"\s*:\s*(?=\[)')


class Skipped(NamedTuple):
    part: str
    index: int  # type: ignore[assignment]  # a field named like tuple.index
    offset: int
    id: str | None
    message: str


def _decode_error(label: str, error: Exception) -> ExportError:
    return ExportError(f"{label}: {_error_text(error, 1)}")


def _stream_error(part: Part, error: StreamError) -> ExportError:
    return ExportError(f"{part.label}: byte {error.offset}: {error}")


def _read_up_to(handle: BinaryStream, size: int) -> bytes:
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
    def __init__(self, path: str, stdin: IO[bytes] | None = None, scan: bool = False) -> None:
        """`scan`: also find sensitive data in the text (gptpriv.scan), while reading."""
        self.scan = scan
        self.parts = find_parts(path, stdin)
        self.label = self.parts.label
        self.warnings = self.parts.warnings  # side files left out: the CLI says each
        self.user: schema.User | None = self._small(self.parts.user, schema.User) if self.parts.user else None
        feedback: list[schema.Feedback] = (self._small(self.parts.feedback, list[schema.Feedback])
                                           if self.parts.feedback else [])
        self.feedback = FeedbackIndex(feedback)
        # Small (one entry per link the user made): read whole, joined to conversations by `check`.
        shared: list[schema.SharedConversation] = (
            self._small(self.parts.shared, list[schema.SharedConversation]) if self.parts.shared else [])
        self.shared_links = [s for s in shared if s.id]
        # Problems with the export as a whole, found on opening it (the manifest) or while
        # reading (a shard the manifest says is incomplete, cut short): `summary.errors`.
        self.problems: list[Problem] = []
        self.manifest: Manifest | None = None
        self._incomplete: set[str] = set()  # shards of another size than the manifest lists
        if self.parts.manifest is not None:
            self.manifest, problems = read_manifest(self.parts.manifest, self.parts.sites_manifest)
            self.problems += problems
            if self.manifest is not None:
                problems = check_shards(self.manifest, self.parts.shard_names(), self.parts.member_label)
                self.problems += problems
                self._incomplete = {p.file for p in problems}
        self.library_files: int | None = None  # files kept in the Library (library_files.json)
        if self.parts.library is not None:
            self.library_files, problem = library_count(self.parts.library)
            self.problems += [problem] if problem else []
        self._finished_bytes = 0
        self._current: ArrayReader | None = None
        self.total_bytes = sum(p.size or 0 for p in self.parts.conversations) or None

    @property
    def bytes_read(self) -> int:
        """Conversation bytes read so far, for a progress bar."""
        return self._finished_bytes + (self._current.bytes_read if self._current else 0)

    @staticmethod
    def _small(part: Part, kind: Any) -> Any:
        try:
            return msgspec.json.decode(read_small(part), type=kind)
        except DECODE_ERRORS as error:
            raise _decode_error(part.label, error) from None

    def conversations(self) -> Generator[Facts | Skipped, None, None]:
        for part in self.parts.conversations:
            try:
                yield from self._read_part(part)
            except ExportError as error:
                if part.label not in self._incomplete:
                    raise
                # The manifest already said this shard is incomplete: what it held up to the
                # break was read, the other shards still are, and its one problem says both.
                at = next(i for i, p in enumerate(self.problems) if p.file == part.label)
                self.problems[at] = Problem(part.label, f"{self.problems[at].message}; read up to "
                                            f"where it breaks: {str(error).removeprefix(part.label + ': ')}")

    def _read_part(self, part: Part) -> Iterator[Facts | Skipped]:
        try:
            with part.open() as handle:
                yield from self._part(part, handle)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ExportError(f"{part.label}: the ZIP member is damaged ({exc})") from None
        except OSError as exc:
            raise ExportError(f"{part.label}: {exc.strerror or exc}") from None

    def _part(self, part: Part, handle: BinaryStream) -> Iterator[Facts | Skipped]:
        head = _read_up_to(handle, 64)  # a pipe may give fewer bytes at a time
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        skip = 0  # bytes before the array's `[`: `{"conversations": ` in a wrapper
        if first == b"{":
            wrapper = _WRAPPER.match(head)
            if wrapper is None:  # one conversation, or a wrapper with other keys first
                data = head + handle.read()
                self._finished_bytes += len(data)
                yield from self._object(part, data)
                return
            # `{"conversations": [...]}` is read as the array it holds, in bounded memory.
            skip, first = wrapper.end(), b"["
            handle = WithoutClosingBrace(Prefixed(head, handle.read).read)  # type: ignore[assignment]
            head = _read_up_to(handle, 64)  # a pipe may give fewer bytes at a time
        if first != b"[":
            what = "empty" if not head.strip() else "not JSON, or not a ChatGPT export"
            if first == b"<":  # the export's chat.html: the same chats, as a page to read
                what = ("an HTML page (the export's chat.html?), not the conversations: give the "
                        "export's ZIP or its conversations.json")
            raise ExportError(f"{part.label}: byte {len(head) - len(head.lstrip())}: {what}")
        shared = False  # read by a thread here into memory shared with the workers
        if part.size is None and parallel.possible():
            # A stream of unknown length (standard input): read enough of it to tell a small
            # one, read here by this process alone, from a large one.
            head += _read_up_to(handle, parallel.STREAM_MIN_BYTES)
            shared = len(head) > parallel.STREAM_MIN_BYTES
        elif parallel.worth_it(part.size):
            try:
                plan = parallel.plan_file(part.path, part.size, wrapped=skip > 0) \
                    if part.path is not None and part.size is not None else None
            except StreamError as error:
                raise _stream_error(part, error) from None
            if plan is not None:
                yield from self._labelled(part, parallel.read_file(plan, self.feedback, self._advance,
                                                                   self.scan))
                return
            shared = part.path is None  # a ZIP member: inflated once, decoded by the workers
        if shared:
            yield from self._labelled(part, parallel.read_stream(
                Prefixed(head, handle.read).read, self.feedback, self._advance, self.scan))
            return
        reader = self._current = conversation_reader(Prefixed(head[skip:], handle.read).read, skip,
                                                     scan=self.scan)
        try:
            yield from self._labelled(part, facts_from(reader, self.feedback))
        finally:
            self._finished_bytes += reader.bytes_read
            self._current = None

    def _advance(self, count: int) -> None:
        self._finished_bytes += count

    @staticmethod
    def _labelled(part: Part, items: Generator[Facts | Broken, None, None]) -> Generator[Facts | Skipped, None, None]:
        """Broken conversations as Skipped, and a stream that fails as one ExportError."""
        try:
            for item in items:
                yield Skipped(part.label, item.index, item.offset, None, item.message) \
                    if isinstance(item, Broken) else item
        except StreamError as error:
            raise _stream_error(part, error) from None
        finally:
            items.close()  # a parallel read ends its workers now, however this one ended

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
        conversations = decoder(self.scan)
        try:
            conv, taken = conversations.decode_one(data)
        except DECODE_ERRORS as error:
            return Skipped(part.label, index, 0, None, element_error(error, 1))
        item = conversations.element(index, 0, conv, taken)
        if isinstance(item, Broken):
            return Skipped(part.label, index, 0, None, item.message)
        return extract(conv, index, 0, self.feedback, taken)
