"""Find the parts of an export in what the user points at: a ZIP as downloaded, an unzipped
folder, `conversations.json`, the sharded `conversations-000.json ...`, one conversation
object, or standard input. Detected from the content, not the name. Nothing is extracted to
disk: ZIP members are streamed by name."""

from __future__ import annotations

import os
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, NamedTuple, Self

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
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExportError(f"{path}: not a readable ZIP archive ({exc})") from None
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
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
        if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
            return Part(label, lambda: ZipMember(path, info), info.file_size)
        return Part(label, lambda: _other_member(path, info), info.file_size)

    return Parts(str(path), tuple(part(n) for n in shards),
                 part("user.json") if "user.json" in members else None,
                 part("message_feedback.json") if "message_feedback.json" in members else None)


def _other_member(path: Path, info: zipfile.ZipInfo) -> IO[bytes]:
    """A member compressed otherwise (bzip2, LZMA), through zipfile. The archive is closed
    here; the member it opened keeps the file open until the member itself is closed."""
    with zipfile.ZipFile(path) as archive:
        return archive.open(info)


class ZipMember:
    """A deflated or stored ZIP member as a stream, checked against its size and CRC-32 as
    zipfile checks it, but inflated with zlib-ng: several times faster than zlib here, and
    it lets go of the GIL, so one thread inflates while other processes decode.

    Never more than the declared size comes out (that size passed the ratio check).
    """

    _INPUT = 256 * 1024  # compressed bytes read at a time

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        from zlib_ng import zlib_ng

        self._zlib = zlib_ng
        self._name = info.filename
        self._file = open(path, "rb")  # noqa: SIM115 (closed by close())
        self._file.seek(info.header_offset)
        header = self._file.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            self.close()
            raise zipfile.BadZipFile(f"no local header for {self._name!r}")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        self._file.seek(info.header_offset + 30 + name_length + extra_length)
        self._compressed_left, self._left = info.compress_size, info.file_size
        self._crc, self._expected_crc = 0, info.CRC
        self._inflate = zlib_ng.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        if self._left <= 0 or size == 0:
            return b""
        want = min(size, self._left)
        if self._inflate is None:
            data = self._file.read(want)
        else:
            data = b""
            while not data:
                source = self._inflate.unconsumed_tail or self._compressed(self._INPUT)
                if not source:
                    break
                try:
                    data = self._inflate.decompress(source, want)
                except self._zlib.error as exc:
                    raise zipfile.BadZipFile(f"{self._name!r}: {exc}") from None
                if not data and self._inflate.eof:
                    break
        if not data:
            raise EOFError(f"{self._name!r} ends {self._left} bytes early")
        self._left -= len(data)
        self._crc = self._zlib.crc32(data, self._crc)
        if self._left == 0 and self._crc != self._expected_crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._name!r}")
        return data

    def _compressed(self, size: int) -> bytes:
        data = self._file.read(min(size, self._compressed_left))
        self._compressed_left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_small(part: Part, limit: int = 256 * 1024 * 1024) -> bytes:
    """A whole small part (user.json, feedback, one conversation object), size-limited."""
    with part.open() as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ExportError(f"{part.label}: larger than {limit} bytes")
    return data
