"""Read a large conversations file or ZIP member with every core.

The input is cut into units of about UNIT bytes at verified boundaries between top-level
conversations. A pool of forked workers decodes each unit, framed as a JSON array, and
extracts its facts; this process takes the facts back in file order and resolves and writes
them meanwhile. Work is handed out unit by unit, so a core that is slowed down (a busy
neighbour, a unit of long conversations) does less, not the whole run waits for it.

- A plain file is read by the workers themselves, each unit at its own offsets.
- A ZIP member cannot be read from its middle: a thread of this process inflates it (zlib
  lets go of the GIL while it inflates) into slots of memory shared with the workers. A pipe
  would cost more than the decoding it feeds.

Only where fork exists and there is more than one core; a file in which no boundary can be
found is read by one process.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any, NamedTuple

from gptpriv.export.facts import CONVERSATIONS, Facts, FeedbackIndex, facts_from, shifted
from gptpriv.export.stream import DECODE_ERRORS, LIKELY_CUT, Broken, StreamError, is_truncated

PARALLEL_MIN_BYTES = 64 * 1024 * 1024
# Bytes of JSON per unit of work: about 15 ms of decoding, so a run ends with the cores
# evenly loaded, and a unit's decoded objects stay a few MB.
UNIT = 6 * 1024 * 1024
_BLOCK = 1024 * 1024  # what the ZIP thread inflates at a time
_WINDOW = 1024 * 1024  # where a plain file is searched for a boundary; grows when needed
_MAX_WINDOW = 32 * 1024 * 1024
_SLOTS = 4  # units in flight from a ZIP member: one per worker being decoded, and the next
_TRUNCATED_END = "the file ends before the array is closed (truncated?)"

Items = list[Facts | Broken]


def workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, 8)


def worth_it(size: int | None) -> bool:
    """Several processes pay off for large inputs, where fork exists and there are cores."""
    return (size is not None and size >= PARALLEL_MIN_BYTES
            and "fork" in multiprocessing.get_all_start_methods() and workers() > 1)


# -- boundaries between conversations ------------------------------------------------------

def boundary(buffer: bytes | bytearray, start: int = 0, end: int | None = None,
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
        comma = buffer.index(b",", found.start())
        brace = buffer.index(b"{", comma)
        starts = _starts_conversation(buffer, brace, end)
        if starts:
            return (comma, brace), brace
        if starts is None:
            return None, found.start()
        tries -= 1
        if not tries:
            break
    return None, max(start, end - 64)  # a candidate may be cut off at the end


def _starts_conversation(buffer: bytes | bytearray, brace: int, end: int) -> bool | None:
    """Whether one whole conversation starts at `brace`; None when the buffer ends first.

    It is decoded up to each following candidate in turn: up to one inside it, it is cut
    short ("truncated"); up to its real end, it decodes.
    """
    for after in islice(LIKELY_CUT.finditer(buffer, brace + 1, end), 8):
        try:
            items = CONVERSATIONS.decoder.decode(b"[" + buffer[brace:after.start() + 1] + b"]")
        except DECODE_ERRORS as error:
            if is_truncated(error):
                continue
            return False
        return len(items) == 1 and items[0].mapping is not None
    return None


# -- the workers ---------------------------------------------------------------------------

class _Worker:
    """What a worker process is given once, when it starts (inherited through fork)."""

    feedback: FeedbackIndex = FeedbackIndex()
    file: IO[bytes] | None = None
    shared: mmap.mmap | None = None
    slot_size = 0
    # A plain file's units are read into one buffer, kept: a new one for each unit would
    # cost a page fault for every 4 KiB of it.
    buffer = bytearray()


def _start_worker(feedback: FeedbackIndex, path: Path | None, shared: mmap.mmap | None,
                  slot_size: int) -> None:
    _Worker.feedback = feedback
    _Worker.file = open(path, "rb") if path is not None else None  # noqa: SIM115 (lives as long as the worker)
    _Worker.shared, _Worker.slot_size = shared, slot_size


class _Unit(NamedTuple):
    """Content between two boundaries: framed as `[` content `]`, its `[` at file offset base."""

    base: int
    length: int  # of the content
    slot: int = -1  # where a ZIP member's unit waits in shared memory, or -1
    data: bytes | None = None  # a unit too long for a slot, sent as it is


def _unit_facts(unit: _Unit) -> tuple[Items, int]:
    """A worker's task: the facts of one unit, and how many bytes it covered."""
    if unit.data is not None:
        elements = CONVERSATIONS.framed(unit.data, unit.base)
    elif unit.slot >= 0:
        assert _Worker.shared is not None
        at = unit.slot * _Worker.slot_size
        with memoryview(_Worker.shared) as memory, memory[at:at + unit.length + 2] as framed:
            elements = CONVERSATIONS.framed(framed, unit.base)
    else:
        assert _Worker.file is not None
        if len(_Worker.buffer) < unit.length + 2:
            _Worker.buffer = bytearray(unit.length + 2)
        _Worker.file.seek(unit.base + 1)
        with memoryview(_Worker.buffer) as buffer, buffer[:unit.length + 2] as framed:
            got = _Worker.file.readinto(framed[1:-1])
            if got != unit.length:
                raise StreamError("the file changed while it was read", unit.base + 1 + got)
            framed[0], framed[-1] = 0x5B, 0x5D  # `[` and `]`
            elements = CONVERSATIONS.framed(framed, unit.base)
    return list(facts_from(elements, _Worker.feedback)), unit.length


def _in_order(pool: Any, units: Iterator[_Unit], advance: Callable[[int], None],
              done: Callable[[], None] = lambda: None) -> Iterator[Facts | Broken]:
    """Facts of every unit, in file order, numbered across units."""
    count = 0
    for items, length in pool.imap(_unit_facts, units):
        yield from shifted(items, count)
        count += len(items)
        advance(length)
        done()


def _pool(feedback: FeedbackIndex, path: Path | None = None, shared: mmap.mmap | None = None,
          slot_size: int = 0) -> Any:
    context = multiprocessing.get_context("fork")
    return context.Pool(workers(), initializer=_start_worker,
                        initargs=(feedback, path, shared, slot_size))


# -- a plain file --------------------------------------------------------------------------

class FilePlan(NamedTuple):
    path: Path
    opening: int  # file offset of the array's `[`
    closing: int  # ... and of its `]`
    first: tuple[int, int]  # the first boundary


def plan_file(path: Path, size: int) -> FilePlan | None:
    """Where the array opens and closes and its first boundary; None when none is found
    (then one process reads the file as a stream)."""
    with open(path, "rb") as handle:
        head = handle.read(64)
        handle.seek(max(0, size - 4096))
        tail = handle.read()
        stripped = tail.rstrip()
        end = size - (len(tail) - len(stripped))
        if not stripped.endswith(b"]"):
            raise StreamError(_TRUNCATED_END, end)
        opening = head.index(b"[")
        first = _boundary_after(handle, opening + UNIT, end - 1)
    return FilePlan(path, opening, end - 1, first) if first else None


def _boundary_after(handle: IO[bytes], at: int, closing: int) -> tuple[int, int] | None:
    """The first verified boundary at or after file offset `at`, before `closing`."""
    window = _WINDOW
    while at < closing:
        handle.seek(at)
        data = handle.read(min(window, closing - at))
        cut, _ = boundary(data)
        if cut is not None:
            return at + cut[0], at + cut[1]
        if window < _MAX_WINDOW:
            window *= 2  # the conversations here are long: look at more of them
        else:
            at += window // 2
    return None


def _file_units(plan: FilePlan) -> Iterator[_Unit]:
    """Units of a plain file, found lazily (in the pool's task thread) as workers take them."""
    start, cut = plan.opening + 1, plan.first
    with open(plan.path, "rb") as handle:
        while cut is not None:
            comma, brace = cut
            yield _Unit(start - 1, comma - start)
            start = brace
            cut = _boundary_after(handle, start + UNIT, plan.closing) \
                if plan.closing - start > UNIT * 3 // 2 else None
    yield _Unit(start - 1, plan.closing - start)


def read_file(plan: FilePlan, feedback: FeedbackIndex,
              advance: Callable[[int], None]) -> Iterator[Facts | Broken]:
    """Facts (and broken conversations) of a plain file, in file order."""
    with _pool(feedback, path=plan.path) as pool:
        yield from _in_order(pool, _file_units(plan), advance)


# -- a stream read once (a ZIP member) -----------------------------------------------------

class _Slots:
    """Fixed slots of memory shared with the workers, each holding one framed unit.

    The inflating thread waits for a free slot; a slot is freed when its unit's facts have
    been taken, in order, so slot n % count is always the free one.
    """

    def __init__(self, count: int, size: int) -> None:
        self.memory = mmap.mmap(-1, count * size)
        self.count, self.size = count, size
        self.free = threading.Semaphore(count)
        self.stopped = threading.Event()

    def place(self, number: int, content: bytearray, length: int, base: int) -> _Unit | None:
        """Copy content[:length] in as unit `number`; None when the reading was stopped.

        A unit too long for a slot (one huge conversation) is sent as bytes, but still
        takes its turn, so that slots are freed in the order they were taken.
        """
        while not self.free.acquire(timeout=0.1):
            if self.stopped.is_set():
                return None
        if self.stopped.is_set():
            return None
        if length + 2 > self.size:
            return _Unit(base, length, data=b"[" + content[:length] + b"]")
        at = (number % self.count) * self.size
        self.memory[at] = 0x5B  # `[`
        self.memory[at + 1:at + 1 + length] = memoryview(content)[:length]
        self.memory[at + 1 + length] = 0x5D  # `]`
        return _Unit(base, length, slot=number % self.count)

    def stop(self) -> None:
        self.stopped.set()
        self.free.release(self.count)


def _stream_units(read: Callable[[int], bytes], slots: _Slots) -> Iterator[_Unit]:
    """Units of a stream, placed in shared slots as it is inflated (in the pool's task thread)."""
    # pending[:fill] is content not yet handed out; pending[0] is at file offset `base`. It is
    # allocated once (growing only for a huge conversation) and written in place: appending
    # to a bytearray that is also cut from the front copies it over and over.
    pending, fill = bytearray(UNIT + 2 * _BLOCK), 0
    base = number = look_from = 0
    want, opened = _BLOCK, False
    while True:
        block = read(want)
        if not opened:  # the caller saw the `[` in the first block: start after it
            base = block.index(b"[") + 1
            block, opened = block[base:], True
        if block:
            if fill + len(block) > len(pending):
                pending.extend(bytes(max(fill + len(block) - len(pending), len(pending))))
            pending[fill:fill + len(block)] = block
            fill += len(block)
            if fill < UNIT:
                continue
            cut, look_from = boundary(pending, max(look_from, UNIT - _BLOCK), fill)
            if cut is None:
                want = min(want * 2, _MAX_WINDOW)  # long conversations: read more before looking again
                continue
            comma, brace = cut
            want, look_from = _BLOCK, 0
        else:
            stripped = len(pending[:fill].rstrip())
            if not stripped or pending[stripped - 1] != 0x5D:
                raise StreamError(_TRUNCATED_END, base + stripped)
            comma = brace = stripped - 1
        unit = slots.place(number, pending, comma, base - 1)
        if unit is None:
            return
        yield unit
        number += 1
        if not block:
            return
        pending[:fill - brace] = pending[brace:fill]  # the next unit's start, to the front
        fill -= brace
        base += brace


def read_stream(read: Callable[[int], bytes], feedback: FeedbackIndex,
                advance: Callable[[int], None]) -> Iterator[Facts | Broken]:
    """Facts (and broken conversations) of a stream that opens with `[`, in order."""
    slots = _Slots(_SLOTS, UNIT + 2 * _BLOCK + 2)
    pool = _pool(feedback, shared=slots.memory, slot_size=slots.size)
    try:
        yield from _in_order(pool, _stream_units(read, slots), advance, done=slots.free.release)
    finally:
        slots.stop()  # first: the pool's task thread may wait for a slot, and the pool joins it
        pool.terminate()
