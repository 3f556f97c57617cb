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

from gptpriv.export.facts import Facts, FeedbackIndex, conversation_reader, facts_from, shifted
from gptpriv.export.stream import CUT, LIKELY_START, Broken, Element, Prefixed, StreamError

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


# Where a plain file is split: this process also resolves and writes every conversation,
# so the worker takes the larger part.
SPLIT_AT = 0.46


def find_split(path: Path, size: int) -> tuple[int, int] | None:
    """(comma, brace) file offsets between two top-level conversations near SPLIT_AT."""
    middle = int(size * SPLIT_AT)
    with open(path, "rb") as handle:
        handle.seek(middle)
        window = handle.read(_WINDOW)
    cut = boundary(window)
    return (middle + cut[0], middle + cut[1]) if cut else None


def read_half(path: Path, start: int, size: int, feedback: FeedbackIndex) -> list[Facts | Broken]:
    """The worker: facts of every conversation from `start` (a `{`) to the end of the file."""
    stream = RangeStream(path, start, size, b"[", b"")
    # The `[` put in front stands at file offset start - 1.
    return list(facts_from(conversation_reader(stream.read, start_offset=start - 1), feedback))


def worth_two(size: int | None) -> bool:
    """Two processes pay off for large inputs, where fork exists and there are two cores."""
    return (size is not None and size >= PARALLEL_MIN_BYTES
            and "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1)


def read_in_two(path: Path, size: int, feedback: FeedbackIndex,
                split: tuple[int, int]) -> Iterator[Facts | Broken]:
    """Facts (and broken conversations) in file order."""
    comma, brace = split
    with multiprocessing.get_context("fork").Pool(1) as pool:
        second = pool.apply_async(read_half, (path, brace, size, feedback))
        count = 0
        for item in facts_from(conversation_reader(RangeStream(path, 0, comma, b"", b"]").read), feedback):
            count += 1
            yield item
        # A StreamError from the worker carries file offsets already.
        yield from shifted(second.get(), count)


# -- a stream that cannot be read from its middle (a ZIP member) ----------------------------

# Share of the bytes this process keeps for itself. It also inflates everything, so it
# decodes less: inflating runs at about 0.7x the speed of decoding here.
_OWN_SHARE = 0.16


class _Ring:
    """A single-producer, single-consumer ring of fixed slots in memory shared by fork.

    A pipe holds 64 KiB: the inflating process would wait whenever the decoding one is busy.
    The ring lets it run up to `slots` blocks ahead.
    """

    def __init__(self, context: Any, slots: int = 8, slot_size: int = 4 << 20) -> None:
        import mmap

        self._memory = mmap.mmap(-1, slots * (slot_size + 8))
        self._free, self._full = context.Semaphore(slots), context.Semaphore(0)
        self._slots, self._size, self._count = slots, slot_size, 0

    def put(self, data: bytes) -> None:
        """Send `data` (any length); an empty `data` marks the end."""
        for start in range(0, max(len(data), 1), self._size):
            block = data[start:start + self._size]
            self._free.acquire()
            at = (self._count % self._slots) * (self._size + 8)
            self._memory[at:at + 8] = len(block).to_bytes(8, "little")
            self._memory[at + 8:at + 8 + len(block)] = block
            self._count += 1
            self._full.release()

    def get(self, _size: int = 0) -> bytes:
        self._full.acquire()
        at = (self._count % self._slots) * (self._size + 8)
        length = int.from_bytes(self._memory[at:at + 8], "little")
        block = self._memory[at + 8:at + 8 + length]
        self._count += 1
        self._free.release()
        return block


def _ring_worker(ring: _Ring, feedback: FeedbackIndex, results: Any) -> None:
    """The worker: facts of the array that arrives through the ring, sent back at the end."""
    try:
        results.send(list(facts_from(conversation_reader(ring.get), feedback)))
    except StreamError as error:
        results.send(error)


def boundary(window: bytes, tries: int = 4) -> tuple[int, int] | None:
    """(comma, brace) of a verified top-level boundary in `window`, or None.

    A candidate is verified by reading from it as if it opened an array: a real start
    decodes to a conversation first; a start inside a conversation does not.
    """
    for found in CUT.finditer(window):
        brace = found.end() - 1
        if not LIKELY_START.match(window, brace + 1):
            continue
        reader = conversation_reader(io.BytesIO(b"[" + window[brace:]).read,
                                     chunk=max(1024, len(window) // 4))
        try:
            first = next(iter(reader))
        except (StreamError, StopIteration):
            first = None
        if isinstance(first, Element) and first.value.mapping is not None:
            return window.rindex(b",", found.start(), brace), brace
        tries -= 1
        if not tries:
            return None
    return None


def stream_in_two(handle: Any, size: int, feedback: FeedbackIndex) -> Iterator[Facts | Broken]:
    """Facts in order from a stream read once: the first part goes through a shared-memory
    ring to a forked worker while this process inflates; the rest, from a verified boundary
    on, is decoded here."""
    context = multiprocessing.get_context("fork")
    ring = _Ring(context)
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_ring_worker, args=(ring, feedback, send), daemon=True)
    worker.start()
    send.close()
    try:
        handoff = int(size * (1 - _OWN_SHARE))
        sent, rest, brace = 0, b"", 0
        while True:
            block = handle.read(4 << 20)
            if not block:
                break
            cut = boundary(block) if sent + len(block) >= handoff else None
            if cut is None:
                ring.put(block)
                sent += len(block)
                continue
            comma, brace = cut
            ring.put(block[:comma] + b"]")
            rest = b"[" + block[brace:]
            break
        ring.put(b"")
        # Decode this process's part while the worker decodes the first one; its results
        # come first, so ours wait in a list (a sixth of the conversations' facts).
        own = list(facts_from(conversation_reader(Prefixed(rest, handle.read).read,
                                                  start_offset=sent + brace - 1), feedback)) if rest else []
        first = receive.recv()
    finally:
        worker.join(timeout=1)
        if worker.is_alive():
            worker.terminate()
    if isinstance(first, StreamError):
        raise first
    yield from first
    yield from shifted(own, len(first))
