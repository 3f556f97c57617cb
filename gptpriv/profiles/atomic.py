"""Writing a file so that readers see the old content or the new, never half, and so that it
survives a crash: temp file beside it, fsync, rename, fsync of the directory, on each OS as
it allows (macOS's F_FULLFSYNC; Windows, where a directory cannot be fsynced and a rename
over an open file is refused for a moment)."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from gptpriv.profiles.safety import make_temp

# Read when called, so that a test can take the Windows paths on another OS.
_WINDOWS = sys.platform == "win32"
_MACOS = sys.platform == "darwin"
# Windows refuses to rename over a file another process has open (a gptpriv reading it, an
# editor, a virus scanner or the search indexer): the PermissionError lasts as long as that
# handle, usually milliseconds. Elsewhere a PermissionError is a real permission problem.
REPLACE_RETRY_SECONDS = 2.0


def write_atomic(path: Path, payload: bytes) -> None:
    """Replace `path` with `payload` so that readers see the old file or the new, never half."""
    with atomic_file(path) as handle:
        handle.write(payload)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A file to write that replaces `path` only when the block ends without error.

    mkstemp creates the temp file 0600, and the rename keeps that mode even over a file a
    user had at 0644. The temp file is closed before the rename, as Windows requires.
    """
    fd, tmp = make_temp(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            _sync(handle.fileno())
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if _WINDOWS:
        # A directory cannot be opened there (os.open raises PermissionError), and NTFS
        # journals the rename itself.
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        _sync(dir_fd)  # makes the rename itself durable
    finally:
        os.close(dir_fd)


def _sync(fd: int) -> None:
    """Push a file's data (or a directory's entries) to stable storage.

    On macOS fsync(2) only hands the data to the drive, which may keep it in its cache and
    write it later or out of order; F_FULLFSYNC also flushes that cache (fsync(2) and fcntl(2)
    man pages). File systems that do not support it (some network and FAT volumes) refuse it,
    and fsync is the best there is.
    """
    if _MACOS:
        import fcntl

        try:
            # Defined on macOS only: the type stubs of other platforms do not have it.
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)  # type: ignore[attr-defined,unused-ignore]
            return
        except OSError:
            pass
    os.fsync(fd)


def _replace(tmp: str, path: Path) -> None:
    """os.replace, retried for up to REPLACE_RETRY_SECONDS on Windows while another process
    has `path` open (see REPLACE_RETRY_SECONDS)."""
    if not _WINDOWS:
        os.replace(tmp, path)
        return
    deadline = time.monotonic() + REPLACE_RETRY_SECONDS
    pause = 0.005
    while True:
        try:
            os.replace(tmp, path)
            return
        except PermissionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
