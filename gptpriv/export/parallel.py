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

import io
import mmap
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

import msgspec

from gptpriv.export.boundaries import boundary
from gptpriv.export.facts import (
    CONVERSATIONS,
    Facts,
    FeedbackIndex,
    facts_from,
    shifted,
)
from gptpriv.export.stream import TRUNCATED_END, Broken, StreamError

PARALLEL_MIN_BYTES = 64 * 1024 * 1024
# Bytes of JSON per unit of work: about 20 ms of decoding, so a run ends with the cores
# evenly loaded, and a unit's decoded objects stay a few MB.
UNIT = 8 * 1024 * 1024
# A stream of unknown length (standard input) is read by workers once it proves longer than
# a unit; what is read to find out is held in memory until then.
STREAM_MIN_BYTES = UNIT
_BLOCK = 1024 * 1024  # what the ZIP thread inflates at a time
_WINDOW = 1024 * 1024  # where a plain file is searched for a boundary; grows when needed
_MAX_WINDOW = 32 * 1024 * 1024

# A unit's results cross from worker to this process as msgpack, not pickle: about five times
# cheaper to write and read (Facts and Broken are named tuples msgspec knows how to type).
_RESULTS_OUT = msgspec.msgpack.Encoder()
_RESULTS_IN = msgspec.msgpack.Decoder(tuple[list[Facts], list[Broken]])


def workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, 8)


def possible() -> bool:
    """Whether there is more than one core, and fork to start workers that share our memory."""
    return "fork" in multiprocessing.get_all_start_methods() and workers() > 1


def worth_it(size: int | None) -> bool:
    """Several processes pay off for large inputs."""
    return size is not None and size >= PARALLEL_MIN_BYTES and possible()


# -- the workers ---------------------------------------------------------------------------

class _Worker:
    """What a worker process is given once, when it starts (inherited through fork)."""

    feedback: FeedbackIndex = FeedbackIndex()
    file: io.BufferedReader | None = None
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


def _unit_facts(unit: _Unit) -> tuple[bytes, int]:
    """A worker's task: the facts of one unit, encoded, and how many bytes it covered."""
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
    facts: list[Facts] = []
    broken: list[Broken] = []
    for item in facts_from(elements, _Worker.feedback):
        if isinstance(item, Broken):
            broken.append(item)
        else:
            facts.append(item)
    return _RESULTS_OUT.encode((facts, broken)), unit.length


def _in_order(pool: Any, units: Iterator[_Unit], advance: Callable[[int], None],
              done: Callable[[], None] = lambda: None) -> Iterator[Facts | Broken]:
    """Facts of every unit, in file order, numbered across units."""
    count = 0
    started: deque[int] = deque()  # where each unit handed out and not yet taken back starts
    results = pool.imap(_unit_facts, _noted(units, started))
    workers = _workers_of()
    while True:
        try:
            encoded, length = results.next(timeout=_WATCH_SECONDS)
        except StopIteration:
            return
        except multiprocessing.TimeoutError:
            # A worker that was killed (by the kernel, short of memory) never answers for its
            # unit, and the pool would wait for it forever.
            if not workers <= _workers_of():
                raise StreamError("a worker process was killed (out of memory?)",
                                  started[0] if started else 0) from None
            continue
        started.popleft()
        facts, broken = _RESULTS_IN.decode(encoded)
        items: list[Facts | Broken] = [*facts, *broken]
        if broken:
            items.sort(key=_index)
        yield from shifted(items, count)
        count += len(items)
        advance(length)
        done()


_WATCH_SECONDS = 0.5  # how often the workers are checked on while a result is awaited


def _noted(units: Iterator[_Unit], started: deque[int]) -> Iterator[_Unit]:
    for unit in units:
        started.append(unit.base + 1)
        yield unit


def _workers_of() -> set[int]:
    """Process ids of this process's live children: the pool's workers."""
    return {child.pid for child in multiprocessing.active_children() if child.pid is not None}


def _index(item: Facts | Broken) -> int:
    return item.index


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


def plan_file(path: Path, size: int, wrapped: bool = False) -> FilePlan | None:
    """Where the array opens and closes and its first boundary; None when none is found
    (then one process reads the file as a stream). `wrapped`: the array is the value of
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
        first = _boundary_after(handle, opening + UNIT, min(end - 1, opening + UNIT + 2 * _MAX_WINDOW))
    return FilePlan(path, opening, end - 1, first) if first else None


def _boundary_after(handle: IO[bytes], at: int, closing: int) -> tuple[int, int] | None:
    """The first verified boundary at or after file offset `at`, before `closing`."""
    window = _WINDOW
    while at < closing:
        handle.seek(at)
        data = bytearray(handle.read(min(window, closing - at)))
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
    start = plan.opening + 1
    cut: tuple[int, int] | None = plan.first
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

    def take(self, number: int) -> memoryview | None:
        """The slot for unit `number`, once it is free; None when the reading was stopped."""
        while not self.free.acquire(timeout=0.1):
            if self.stopped.is_set():
                return None
        if self.stopped.is_set():
            return None
        at = (number % self.count) * self.size
        return memoryview(self.memory)[at:at + self.size]

    def stop(self) -> None:
        self.stopped.set()
        self.free.release(self.count)


def _stream_units(read: Callable[[int], bytes], slots: _Slots) -> Iterator[_Unit]:
    """Units of a stream, inflated straight into shared slots (in the pool's task thread).

    Each unit is written as `[` content `]` into its slot: the first boundary after about
    UNIT bytes is found there, its comma becomes the `]`, and what follows is carried to the
    next slot. A unit that outgrows its slot (one huge conversation) goes on in memory of
    its own and is sent as bytes; it still takes its turn, so slots are freed in order.
    """
    block = read(_BLOCK)
    origin = block.index(b"[")  # file offset of the byte before the content (the caller saw it)
    carry, number, eof = block[origin + 1:], 0, False
    while not eof:
        slot = slots.take(number)
        if slot is None:
            return
        buffer: memoryview | bytearray = slot
        fill = 1 + len(carry)
        if fill + 1 > len(buffer):
            buffer = bytearray(fill + 1)
        buffer[0] = 0x5B  # `[`
        buffer[1:fill] = carry
        want, look_from = _BLOCK, 1
        while True:
            block = read(want)
            if not block:
                eof = True
                content = bytes(buffer[1:fill]).rstrip()
                if not content.endswith(b"]"):
                    raise StreamError(TRUNCATED_END, origin + 1 + len(content))
                comma = brace = len(content)  # the array's own `]` closes the last unit
                break
            if fill + len(block) + 1 > len(buffer):
                if isinstance(buffer, memoryview):
                    buffer = bytearray(buffer[:fill])
                buffer[fill:] = block
            else:
                buffer[fill:fill + len(block)] = block
            fill += len(block)
            if fill < UNIT:
                continue
            cut, look_from = boundary(buffer, max(look_from, UNIT - _BLOCK), fill)
            if cut is not None:
                comma, brace = cut
                break
            want = min(want * 2, _MAX_WINDOW)  # long conversations: read more before looking again
        buffer[comma] = 0x5D  # `]`
        if isinstance(buffer, memoryview):
            yield _Unit(origin, comma - 1, slot=number % slots.count)
        else:
            yield _Unit(origin, comma - 1, data=bytes(buffer[:comma + 1]))
        carry = bytes(buffer[brace:fill])
        origin += brace - 1
        number += 1
        slot.release()


def read_stream(read: Callable[[int], bytes], feedback: FeedbackIndex,
                advance: Callable[[int], None]) -> Iterator[Facts | Broken]:
    """Facts (and broken conversations) of a stream that opens with `[`, in order."""
    # A slot per worker, and one being inflated into.
    slots = _Slots(workers() + 1, UNIT + 2 * _BLOCK + 2)
    pool = _pool(feedback, shared=slots.memory, slot_size=slots.size)
    try:
        yield from _in_order(pool, _stream_units(read, slots), advance, done=slots.free.release)
    finally:
        slots.stop()  # first: the pool's task thread may wait for a slot, and the pool joins it
        pool.terminate()
