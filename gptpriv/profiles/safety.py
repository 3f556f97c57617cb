"""The files gptpriv reads and writes beside a person's own: regular files only, read up to
a bound, values nested up to a bound, and temp files named as only gptpriv names them."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from gptpriv.errors import ProfileError

# Tables in arrays in tables: a real profile is 4 deep. tomllib and tomli_w recurse per level.
MAX_NESTING = 32
# Every temp file gptpriv writes is named `.<file>` + TEMP_MARKER + random + `.tmp`: cleanup
# removes only names that gptpriv makes, never a user's own `.x.toml.y.tmp`.
TEMP_MARKER = ".gptpriv-tmp-"


def read_regular(path: Path, limit: int, what: str) -> bytes | None:
    """The bytes of a regular file, at most `limit` + 1 of them; None when absent.

    Opened without blocking, so a FIFO cannot hang the read, and checked with fstat on the
    descriptor itself, so what was checked is what is read. OSError passes to the caller."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ProfileError(f"{path}: not a regular file (a directory, device, FIFO or socket): "
                               f"{what} are only read from plain files")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw: bytes = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise ProfileError(f"{path}: larger than {limit} bytes: not a gptpriv profile")
    return raw


def make_temp(path: Path) -> tuple[int, str]:
    """A new 0600 temp file beside `path`, named as only gptpriv names its temp files."""
    return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TEMP_MARKER}", suffix=".tmp")


_TEMP_NAME = re.compile(r"\..+" + re.escape(TEMP_MARKER) + r"[a-z0-9_]{8}\.tmp")


def is_temp_name(name: str) -> bool:
    return _TEMP_NAME.fullmatch(name) is not None


def remove_stale_temps(path: Path, older_than: float | None = None) -> None:
    """Remove the temp files a killed writer left beside `path` (only those made for `path`);
    with `older_than` (seconds), only those not touched for that long."""
    prefix = f".{path.name}{TEMP_MARKER}"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    cutoff = time.time() - older_than if older_than is not None else None
    for name in names:
        if not (name.startswith(prefix) and is_temp_name(name)):
            continue
        stale = path.parent / name
        with contextlib.suppress(OSError):
            if cutoff is None or stale.lstat().st_mtime < cutoff:
                stale.unlink()


def nesting_depth(value: Any) -> int:
    """How deeply tables and arrays nest, without recursion (the value may be hostile)."""
    deepest, stack = 0, [(value, 1)]
    children: Any
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
