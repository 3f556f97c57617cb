"""Read a large conversations file or ZIP member with every core.

The input is cut into units of about UNIT bytes at verified boundaries between top-level
conversations. A pool of workers decodes each unit, framed as a JSON array, and
extracts its facts; this process takes the facts back in file order and resolves and writes
them meanwhile. Work is handed out unit by unit, so a core that is slowed down (a busy
neighbour, a unit of long conversations) does less, not the whole run waits for it.

- A plain file is read by the workers themselves, each unit at its own offsets.
- A ZIP member cannot be read from its middle: a thread of this process inflates it (zlib
  lets go of the GIL while it inflates) into slots of memory shared with the workers. A pipe
  would cost more than the decoding it feeds.

A thread of this process finds the units and hands them to the pool (see pool.py for how the
workers are started, on each OS, and stopped); it starts once every worker has. Only where
there is more than one core; a file in which no boundary can be found is read by one process.
"""

from __future__ import annotations

import io
import os
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from gptpriv.export import boundaries
from gptpriv.export import pool as processes
from gptpriv.export.boundaries import MAX_WINDOW, FilePlan, boundary, boundary_after
from gptpriv.export.facts import CONVERSATIONS, Facts, FeedbackIndex, decoder, facts_from, shifted
from gptpriv.export.stream import TRUNCATED_END, Broken, StreamError

PARALLEL_MIN_BYTES = 64 * 1024 * 1024
# Bytes of JSON per unit of work: about 20 ms of decoding, so a run ends with the cores
# evenly loaded, and a unit's decoded objects stay a few MB.
UNIT = 8 * 1024 * 1024
# A stream of unknown length (standard input) is read by workers once it proves longer than
# a unit; what is read to find out is held in memory until then.
STREAM_MIN_BYTES = UNIT
_BLOCK = 1024 * 1024  # what the ZIP thread inflates at a time

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
    """Whether there is more than one core."""
    return workers() > 1


def worth_it(size: int | None) -> bool:
    """Several processes pay off for large inputs."""
    return size is not None and size >= PARALLEL_MIN_BYTES and possible()


# -- the workers ---------------------------------------------------------------------------

class _Worker:
    """What a worker process is given once, when it starts."""

    feedback: FeedbackIndex = FeedbackIndex()
    conversations = CONVERSATIONS  # or facts.SCANNED, when the text is scanned
    file: io.BufferedReader | None = None
    shared: Any = None  # the slots' memory
    segment: Any = None  # ... when it is a named segment: kept, or it would be unmapped
    slot_size = 0
    # A plain file's units are read into one buffer, kept: a new one for each unit would
    # cost a page fault for every 4 KiB of it.
    buffer = bytearray()


def _start_worker(feedback: FeedbackIndex, path: Path | None, shared: Any, slot_size: int,
                  scan: bool = False) -> None:
    """`shared` is the slots' memory itself (inherited through fork) or its segment's name."""
    _Worker.feedback = feedback
    _Worker.conversations = decoder(scan)
    _Worker.file = open(path, "rb") if path is not None else None  # noqa: SIM115 (lives as long as the worker)
    if isinstance(shared, str):
        _Worker.segment = processes.attach(shared)
        shared = _Worker.segment.buf
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
        elements = _Worker.conversations.framed(unit.data, unit.base)
    elif unit.slot >= 0:
        assert _Worker.shared is not None
        at = unit.slot * _Worker.slot_size
        with memoryview(_Worker.shared) as memory, memory[at:at + unit.length + 2] as framed:
            elements = _Worker.conversations.framed(framed, unit.base)
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
            elements = _Worker.conversations.framed(framed, unit.base)
    facts: list[Facts] = []
    broken: list[Broken] = []
    for item in facts_from(elements, _Worker.feedback):
        if isinstance(item, Broken):
            broken.append(item)
        else:
            facts.append(item)
    return _RESULTS_OUT.encode((facts, broken)), unit.length


KILLED = "a worker process was killed (out of memory?)"


def _in_order(pool: Any, units: Generator[_Unit, None, None], advance: Callable[[int], None],
              room: _Room) -> Iterator[Facts | Broken]:
    """Facts of every unit, in file order, numbered across units.

    A thread takes the units (which finds them, or inflates them) and hands each to the pool
    at once; this process takes the results back in order, freeing `room` for the next.
    """
    handed: queue.SimpleQueue[tuple[int, Future[Any] | BaseException | None]] = queue.SimpleQueue()
    feeder = threading.Thread(target=_feed, args=(pool, units, handed), name="gptpriv-units",
                              daemon=True)
    count = 0
    try:
        feeder.start()
        while True:
            start, got = handed.get()
            if got is None:
                return
            if isinstance(got, BrokenProcessPool):
                raise StreamError(KILLED, start) from None
            if isinstance(got, BaseException):
                raise got
            try:
                encoded, length = got.result()
            except BrokenProcessPool:
                # A worker was killed (by the kernel, short of memory, say): the pool fails
                # the work it had not finished, this unit first.
                raise StreamError(KILLED, start) from None
            room.give()
            facts, broken = _RESULTS_IN.decode(encoded)
            items: list[Facts | Broken] = [*facts, *broken]
            if broken:
                items.sort(key=_index)
            yield from shifted(items, count)
            count += len(items)
            advance(length)
    finally:
        room.stop()  # first: the thread may wait for room
        if feeder.ident is not None:
            feeder.join()


def _feed(pool: Any, units: Generator[_Unit, None, None],
          handed: queue.SimpleQueue[tuple[int, Future[Any] | BaseException | None]]) -> None:
    """The feeding thread: each unit to the pool, and where it starts with its future."""
    try:
        processes.no_sigint_here()
        for unit in units:
            try:
                future = pool.submit(_unit_facts, unit)
            except BrokenProcessPool as broken:
                handed.put((unit.base + 1, broken))
                return
            handed.put((unit.base + 1, future))
    except BaseException as error:  # noqa: BLE001 (raised in order, in the reader)
        handed.put((0, error))
        return
    finally:
        units.close()  # the generator's file and slot views, now rather than when collected
    handed.put((0, None))


def _index(item: Facts | Broken) -> int:
    return item.index


def _pool(method: str, feedback: FeedbackIndex, path: Path | None = None,
          shared: Any = None, slot_size: int = 0, scan: bool = False) -> Any:
    return processes.start(workers(), method, _start_worker, (feedback, path, shared, slot_size, scan))


class _Room:
    """At most `count` units handed out and not yet taken back: the thread that finds them
    waits for room; stop() lets it go."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.free = threading.Semaphore(count)
        self.stopped = threading.Event()

    def wait(self) -> bool:
        """False when the reading was stopped."""
        while not self.free.acquire(timeout=0.1):
            if self.stopped.is_set():
                return False
        return not self.stopped.is_set()

    def give(self) -> None:
        self.free.release()

    def stop(self) -> None:
        self.stopped.set()
        self.free.release(self.count)


# -- a plain file --------------------------------------------------------------------------

def plan_file(path: Path, size: int, wrapped: bool = False) -> FilePlan | None:
    """boundaries.plan_file with this reader's unit size (tests make it small)."""
    return boundaries.plan_file(path, size, UNIT, wrapped)


def _file_units(plan: FilePlan, room: _Room | None = None) -> Generator[_Unit, None, None]:
    """Units of a plain file, found lazily (in the feeding thread) as there is room."""
    start = plan.opening + 1
    cut: tuple[int, int] | None = plan.first
    with open(plan.path, "rb") as handle:
        while cut is not None:
            comma, brace = cut
            if room is not None and not room.wait():
                return
            yield _Unit(start - 1, comma - start)
            start = brace
            cut = boundary_after(handle, start + UNIT, plan.closing) \
                if plan.closing - start > UNIT * 3 // 2 else None
    if room is None or room.wait():
        yield _Unit(start - 1, plan.closing - start)


def read_file(plan: FilePlan, feedback: FeedbackIndex, advance: Callable[[int], None],
              scan: bool = False) -> Generator[Facts | Broken, None, None]:
    """Facts (and broken conversations) of a plain file, in file order."""
    room = _Room(2 * workers())  # one being decoded and one waiting, for each worker
    pool = _pool(processes.start_method(), feedback, path=plan.path, scan=scan)
    try:
        yield from _in_order(pool, _file_units(plan, room), advance, room)
    finally:
        pool.shutdown(cancel_futures=True)


# -- a stream read once (a ZIP member) -----------------------------------------------------

class _Slots(_Room):
    """Fixed slots of memory shared with the workers, each holding one framed unit.

    The inflating thread waits for a free slot; a slot is freed when its unit's facts have
    been taken, in order, so slot n % count is always the free one.
    """

    def __init__(self, count: int, size: int, method: str) -> None:
        super().__init__(count)
        self.memory = processes.SharedMemory(count * size, method)
        self.size = size
        self.view: memoryview | None = None  # the slot last taken

    def take(self, number: int) -> memoryview | None:
        """The slot for unit `number`, once it is free; None when the reading was stopped."""
        if not self.wait():
            return None
        at = (number % self.count) * self.size
        self.view = memoryview(self.memory.buffer)[at:at + self.size]
        return self.view

    def close(self) -> None:
        """Once the inflating thread has ended: the memory is unmapped (and unlinked)."""
        if self.view is not None:
            self.view.release()  # still held if the thread stopped within a unit
        self.memory.close()


def _stream_units(read: Callable[[int], bytes], slots: _Slots) -> Generator[_Unit, None, None]:
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
            want = min(want * 2, MAX_WINDOW)  # long conversations: read more before looking again
        buffer[comma] = 0x5D  # `]`
        if isinstance(buffer, memoryview):
            yield _Unit(origin, comma - 1, slot=number % slots.count)
        else:
            yield _Unit(origin, comma - 1, data=bytes(buffer[:comma + 1]))
        carry = bytes(buffer[brace:fill])
        origin += brace - 1
        number += 1
        slot.release()


def read_stream(read: Callable[[int], bytes], feedback: FeedbackIndex, advance: Callable[[int], None],
                scan: bool = False) -> Generator[Facts | Broken, None, None]:
    """Facts (and broken conversations) of a stream that opens with `[`, in order."""
    # A slot per worker, and one being inflated into.
    method = processes.start_method()
    slots = _Slots(workers() + 1, UNIT + 2 * _BLOCK + 2, method)
    try:
        shared = slots.memory.buffer if slots.memory.name is None else slots.memory.name
        pool = _pool(method, feedback, shared=shared, slot_size=slots.size, scan=scan)
        try:
            yield from _in_order(pool, _stream_units(read, slots), advance, slots)
        finally:
            pool.shutdown(cancel_futures=True)  # the workers are done with the slots
    finally:
        slots.close()
