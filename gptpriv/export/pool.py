"""Worker processes for the parallel reader, started safely on every OS.

- fork where the platform forks safely and this process runs one thread: a child forked
  beside another thread inherits that thread's locks held and never released. macOS system
  libraries start threads of their own, so there (and on Windows, which has no fork) and
  whenever a thread runs here, workers are started by forkserver or spawn instead.
- Workers ignore SIGINT: a Ctrl-C reaches the whole process group, and it is this process
  that stops the read and ends the pool. SIGINT is blocked while they start, so one that
  arrives then is neither lost here nor seen by a worker before it ignores it.
- A killed worker is noticed by the pool (ProcessPoolExecutor watches its own workers'
  sentinels and fails their pending work with BrokenProcessPool).
- Memory shared with the workers is an anonymous mapping under fork, and a named segment
  (multiprocessing.shared_memory) otherwise, unlinked by close().
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

_SIGMASK = hasattr(signal, "pthread_sigmask")  # not on Windows


def _threads() -> int:
    """Threads of this process, those not started by Python too (as fork counts them)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # not on Linux
        return threading.active_count()


def start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform != "darwin" and _threads() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """SIGINT held back in this thread (a process started meanwhile inherits the mask)."""
    if not _SIGMASK:
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def no_sigint_here() -> None:
    """For a thread other than the main one, which alone handles SIGINT: without this, the
    kernel may deliver it to this thread, and Python would see it only later."""
    if _SIGMASK:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _start_worker(initializer: Callable[..., None], args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a SIGINT pending meanwhile is dropped
    if _SIGMASK:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    initializer(*args)


def _nothing() -> None:
    pass


def start(count: int, method: str, initializer: Callable[..., None],
          args: tuple[Any, ...]) -> ProcessPoolExecutor:
    """A pool of `count` workers, all started before this returns (so before any thread
    the caller starts next, and before the pool's own threads under fork)."""
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker, initargs=(initializer, args))
    try:
        with sigint_blocked():
            # Under fork the first task starts every worker; otherwise each task waiting
            # for an idle worker starts one.
            for _ in range(count):
                pool.submit(_nothing)
    except BaseException:  # a SIGINT held back arrives as the mask is restored
        pool.shutdown(cancel_futures=True)
        raise
    return pool


class SharedMemory:
    """`size` bytes shared with workers started by `method`."""

    def __init__(self, size: int, method: str) -> None:
        self.segment: Any = None
        if method == "fork":
            self.buffer: Any = mmap.mmap(-1, size)
            self.name: str | None = None
        else:
            from multiprocessing import shared_memory

            self.segment = shared_memory.SharedMemory(create=True, size=size)
            self.buffer, self.name = self.segment.buf, self.segment.name

    def close(self) -> None:
        """Unmapped, and unlinked when named. Every view of it must have been released."""
        if self.segment is None:
            self.buffer.close()
            return
        self.buffer = None
        try:
            self.segment.close()
        finally:
            self.segment.unlink()


def attach(name: str) -> Any:
    """In a worker: the named segment (mapped as long as the worker lives; its creator
    unlinks it)."""
    from multiprocessing import shared_memory

    try:
        return shared_memory.SharedMemory(name=name, track=False)  # type: ignore[call-arg]
    except TypeError:  # before 3.13, where every attachment is tracked
        return shared_memory.SharedMemory(name=name)
