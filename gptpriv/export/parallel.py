"""Read a large plain conversations file with both cores: the file is split at a verified
top-level boundary near its middle, a forked worker reads the second half while this process
reads the first, and the results are joined in file order.

Only for a file on disk (a ZIP member or stdin cannot be read from the middle) and only where
fork exists; anything unexpected falls back to one process.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gptpriv.export import schema
from gptpriv.export.facts import Facts, FeedbackIndex, extract
from gptpriv.export.stream import _CUT, _LIKELY_START, ArrayReader, Broken, Element, StreamError

PARALLEL_MIN_BYTES = 64 * 1024 * 1024
_WINDOW = 16 * 1024 * 1024


class RangeStream:
    """Bytes [start, end) of a file, with bytes added before and after (to make an array)."""

    def __init__(self, path: Path, start: int, end: int, before: bytes, after: bytes) -> None:
        self._file = open(path, "rb")
        self._file.seek(start)
        self._left, self._before, self._after = end - start, before, after

    def read(self, size: int) -> bytes:
        if self._before:
            data, self._before = self._before, b""
            return data
        if self._left > 0:
            data = self._file.read(min(size, self._left))
            self._left -= len(data)
            if data:
                return data
            self._left = 0
        data, self._after = self._after, b""
        if not data:
            self._file.close()
        return data


def find_split(path: Path, size: int) -> tuple[int, int] | None:
    """(comma, brace) file offsets between two top-level conversations near the middle.

    A candidate is verified by reading from it as if it opened an array: a real start
    decodes to a conversation first; a start inside a conversation does not.
    """
    middle = size // 2
    with open(path, "rb") as handle:
        handle.seek(middle)
        window = handle.read(_WINDOW)
    tries = 0
    for found in _CUT.finditer(window):
        brace = found.end() - 1
        if not _LIKELY_START.match(window, brace + 1):
            continue
        tries += 1
        stream = io.BytesIO(b"[" + window[brace:])
        reader = ArrayReader(stream.read, schema.Conversation,
                             accept=schema.Conversation.looks_like_one, chunk=_WINDOW // 4)
        try:
            first = next(iter(reader))
        except (StreamError, StopIteration):
            first = None
        if isinstance(first, Element) and first.value.mapping is not None:
            return middle + window.rindex(b",", found.start(), brace), middle + brace
        if tries == 4:
            return None
    return None


def read_half(path: Path, start: int, size: int, feedback: FeedbackIndex) -> list[Any]:
    """The worker: facts of every conversation from `start` (a `{`) to the end of the file."""
    stream = RangeStream(path, start, size, b"[", b"")
    results: list[Any] = []
    shift = start - 1  # stream offset 1 is file offset `start`
    for item in ArrayReader(stream.read, schema.Conversation, accept=schema.Conversation.looks_like_one):
        offset = item.offset + shift if item.offset >= 0 else -1
        if isinstance(item, Broken):
            results.append(("broken", item.index, offset, item.message))
        else:
            results.append(extract(item.value, item.index, offset, feedback))
    return results


def can_split(path: Path | None, size: int | None) -> bool:
    return (path is not None and size is not None and size >= PARALLEL_MIN_BYTES
            and "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1)


def read_in_two(path: Path, size: int, feedback: FeedbackIndex, split: tuple[int, int],
                reader_bytes: list[int]) -> Iterator[Facts | tuple[str, int, int, str]]:
    """Facts in file order; broken elements as ("broken", index, offset, message)."""
    comma, brace = split
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        second = pool.apply_async(read_half, (path, brace, size, feedback))
        first = RangeStream(path, 0, comma, b"", b"]")
        count = 0
        reader = ArrayReader(first.read, schema.Conversation, accept=schema.Conversation.looks_like_one)
        for item in reader:
            count += 1
            if isinstance(item, Broken):
                yield ("broken", item.index, item.offset, item.message)
            else:
                yield extract(item.value, item.index, item.offset, feedback)
        reader_bytes[0] = reader.bytes_read
        try:
            rest = second.get()
        except StreamError as error:
            raise StreamError(str(error), error.offset + brace - 1) from None
        reader_bytes[0] = size
        for item in rest:
            if isinstance(item, Facts):
                yield item._replace(index=item.index + count)
            else:
                yield (item[0], item[1] + count, item[2], item[3])
