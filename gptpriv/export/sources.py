"""Find the parts of an export in what the user points at: a ZIP as downloaded, an unzipped
folder, `conversations.json`, the sharded `conversations-000.json ...`, one conversation
object, or standard input. Detected from the content, not the name. Nothing is extracted to
disk: ZIP members are streamed by name."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, NamedTuple

from gptpriv.errors import GptprivError

_SHARD = re.compile(r"conversations(-\d+)?\.json")
# deflate cannot compress better than about 1032:1; real exports compress 5-20:1.
MAX_RATIO = 200
_RATIO_FLOOR = 16 * 1024 * 1024  # small members are never refused for their ratio


class ExportError(GptprivError):
    """An input that cannot be read as an export at all: one line, exit 2."""


class Part(NamedTuple):
    label: str  # what error messages name: a path, or `archive.zip:member`
    open: Callable[[], IO[bytes]]
    size: int | None
    path: Path | None = None  # a plain file on disk, which can be read from its middle


class Parts(NamedTuple):
    label: str
    conversations: tuple[Part, ...]
    user: Part | None
    feedback: Part | None


def find_parts(path: str, stdin: IO[bytes] | None = None) -> Parts:
    if path == "-":
        if stdin is None:
            raise ExportError("-: no standard input")
        return Parts("-", (Part("<stdin>", lambda: stdin, None),), None, None)
    target = Path(path)
    if target.is_dir():
        return _folder(target)
    try:
        with open(target, "rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise ExportError(f"{path}: {os.strerror(exc.errno or 0).lower() or exc}") from None
    if magic[:2] == b"PK":
        return _zip(target)
    return Parts(path, (_file_part(target),), None, None)


def _file_part(path: Path) -> Part:
    return Part(str(path), lambda: open(path, "rb"), path.stat().st_size, path)


def _folder(folder: Path) -> Parts:
    names = sorted(os.listdir(folder))
    shards = [n for n in names if _SHARD.fullmatch(n)]
    if not shards:
        raise ExportError(f"{folder}: no conversations.json or conversations-NNN.json in this folder")

    def optional(name: str) -> Part | None:
        return _file_part(folder / name) if name in names else None

    return Parts(str(folder), tuple(_file_part(folder / n) for n in shards),
                 optional("user.json"), optional("message_feedback.json"))


def _zip(path: Path) -> Parts:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExportError(f"{path}: not a readable ZIP archive ({exc})") from None
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        parts = info.filename.replace("\\", "/").split("/")
        # Only names inside the archive count; `..` and absolute names are never read.
        if info.is_dir() or ".." in parts or info.filename.startswith(("/", "\\")):
            continue
        members.setdefault(parts[-1], info)
    shards = sorted(n for n in members if _SHARD.fullmatch(n))
    if not shards:
        raise ExportError(f"{path}: the ZIP holds no conversations.json: not a ChatGPT export")

    def part(name: str) -> Part:
        info = members[name]
        label = f"{path}:{info.filename}"
        if info.flag_bits & 0x1:
            raise ExportError(f"{label}: the member is encrypted; gptpriv reads plain exports only")
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ExportError(f"{label}: inflates {info.file_size} bytes from {info.compress_size} "
                              f"(over {MAX_RATIO}:1): refusing a likely ZIP bomb")
        return Part(label, lambda: archive.open(info), info.file_size)

    return Parts(str(path), tuple(part(n) for n in shards),
                 part("user.json") if "user.json" in members else None,
                 part("message_feedback.json") if "message_feedback.json" in members else None)


def read_small(part: Part, limit: int = 256 * 1024 * 1024) -> bytes:
    """A whole small part (user.json, feedback, one conversation object), size-limited."""
    with part.open() as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ExportError(f"{part.label}: larger than {limit} bytes")
    return data
