"""Find the parts of an export in what the user points at: a ZIP as downloaded, an unzipped
folder, `conversations.json`, the sharded `conversations-000.json ...`, one conversation
object, or standard input. Detected from the content, not the name. Nothing is extracted to
disk: ZIP members are streamed by name."""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol, Self

from gptpriv.errors import GptprivError

_SHARD = re.compile(r"conversations(-\d+)?\.json")
_MANIFEST, _LIBRARY = "export_manifest.json", "library_files.json"
# deflate cannot compress better than about 1032:1; real exports compress 5-20:1.
MAX_RATIO = 200
_RATIO_FLOOR = 16 * 1024 * 1024  # small members are never refused for their ratio


class ExportError(GptprivError):
    """An input that cannot be read as an export at all: one line, exit 2."""


class BinaryStream(Protocol):
    """What a part opens to: a file, a ZIP member or standard input, read front to back."""

    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...
    def __enter__(self) -> Any: ...
    def __exit__(self, *args: Any) -> Any: ...


class Part(NamedTuple):
    label: str  # what error messages name: a path, or `archive.zip:member`
    open: Callable[[], BinaryStream]
    size: int | None
    path: Path | None = None  # a plain file on disk, which can be read from its middle


class Parts(NamedTuple):
    label: str
    conversations: tuple[Part, ...]
    user: Part | None
    feedback: Part | None
    shared: Part | None = None  # shared_conversations.json
    warnings: tuple[str, ...] = ()  # parts left out, each said in one line

    # 2026 exports (EXPORT-FORMAT.md 10): the top-level manifest, the one under `sites/`, and
    # the Library's list of files.
    manifest: Part | None = None
    sites_manifest: Part | None = None
    library: Part | None = None
    archive: bool = False  # a ZIP: a member is named `archive.zip:member`
    # Both layouts side by side (conversations.json and conversations-NNN.json): both are
    # read, and the same conversation may be in each, so the caller must deduplicate.
    mixed: bool = False

    def shard_names(self) -> dict[str, Part]:
        """The conversation shards by file name."""
        return {part.label.replace("\\", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]: part
                for part in self.conversations}

    def member_label(self, path: str) -> str:
        """How a member of this export that is not there is named in messages."""
        return f"{self.label}:{path}" if self.archive else str(Path(self.label) / path)


# Methods zipfile reads itself, and Deflate64, read with the `inflate64` package.
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", 9: "Deflate64",
            zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}
_UNSUPPORTED = {1: "shrink", 6: "implode", 93: "Zstandard", 95: "xz", 96: "JPEG", 97: "WavPack",
                98: "PPMd", 99: "AES encryption"}


def find_parts(path: str, stdin: IO[bytes] | None = None) -> Parts:
    if path == "-":
        if stdin is None:
            raise ExportError("-: no standard input")
        return Parts("-", (_peeked_part("-", "<stdin>", stdin),), None, None)
    target = Path(path)
    if target.is_dir():
        return _folder(target)
    try:
        handle = open(target, "rb")  # noqa: SIM115 (kept open for a pipe, closed otherwise)
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise ExportError(f"{path}: {os.strerror(exc.errno or 0).lower() or exc}") from None
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        # A pipe (`<(...)`, a FIFO) cannot be read twice: what was read to tell the format
        # is handed on with the rest of it.
        return Parts(path, (_peeked_part(path, path, handle),), None, None)
    with handle:
        magic = handle.read(4)
    if magic[:2] == b"PK":
        return _zip(target)
    return Parts(path, (_file_part(target),), None, None)


def _peeked_part(path: str, label: str, handle: IO[bytes]) -> Part:
    """A stream that cannot be reopened, as one part: its first bytes are read once to tell a
    ZIP from JSON and put back in front of the rest."""
    from gptpriv.export.stream import Prefixed

    try:
        head = handle.read(4)
    except OSError as exc:
        raise ExportError(f"{path}: {os.strerror(exc.errno or 0).lower() or exc}") from None
    if head[:2] == b"PK":
        raise ExportError(f"{path}: a ZIP archive cannot be read from a pipe or standard input: "
                          "give the file's name, or unzip it and give conversations.json")
    return Part(label, lambda: _Stream(Prefixed(head, handle.read).read, handle), None)


class _Stream:
    def __init__(self, read: Callable[[int], bytes], handle: IO[bytes]) -> None:
        self._read, self._handle = read, handle

    def read(self, size: int = -1, /) -> bytes:
        return self._read(size)

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _file_part(path: Path) -> Part:
    return Part(str(path), lambda: open(path, "rb"), path.stat().st_size, path)


def _folder(folder: Path) -> Parts:
    names = sorted(os.listdir(folder))
    shards = [n for n in names if _SHARD.fullmatch(n)]
    if not shards:
        raise ExportError(f"{folder}: no conversations.json or conversations-NNN.json in this folder")
    warnings: list[str] = []

    def optional(name: str) -> Part | None:
        if name not in names:
            return None
        problem = _not_regular(folder / name)
        if problem:
            warnings.append(f"{folder / name}: {problem}: left out")
            return None
        return _file_part(folder / name)

    sites = folder / "sites" / _MANIFEST
    return Parts(str(folder), tuple(_file_part(folder / n) for n in shards),
                 optional("user.json"), optional("message_feedback.json"),
                 optional("shared_conversations.json"), tuple(warnings), manifest=optional(_MANIFEST),
                 sites_manifest=_file_part(sites) if sites.is_file() else None, library=optional(_LIBRARY),
                 mixed=_mixed(shards))


def _not_regular(path: Path) -> str | None:
    """Why a side file is not read (a directory, FIFO or device would fail or block when
    opened), or None for a regular file. Checked without opening it."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return os.strerror(exc.errno or 0).lower() or str(exc)
    if stat.S_ISREG(mode):
        return None
    return "a directory" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, device or socket)"


def _zip(path: Path) -> Parts:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExportError(f"{path}: not a readable ZIP archive ({exc})") from None
    members: dict[str, zipfile.ZipInfo] = {}
    nested: dict[str, list[tuple[list[str], zipfile.ZipInfo]]] = {}  # the 2026 files, by name
    for info in infos:
        parts = info.filename.replace("\\", "/").split("/")
        # Only names inside the archive count; `..` and absolute names are never read.
        if info.is_dir() or ".." in parts or info.filename.startswith(("/", "\\")):
            continue
        members.setdefault(parts[-1], info)
        if parts[-1] in (_MANIFEST, _LIBRARY):
            nested.setdefault(parts[-1], []).append((parts, info))
    shards = sorted(n for n in members if _SHARD.fullmatch(n))
    if not shards:
        raise ExportError(f"{path}: the ZIP holds no conversations.json: not a ChatGPT export")
    _one_copy_each(path, infos)
    _one_root(path, infos)

    def top(name: str) -> zipfile.ZipInfo | None:
        """The shallowest member of that name that is not under `sites/`."""
        found = [(len(p), i) for p, i in nested.get(name, ()) if "sites" not in p[:-1]]
        return min(found, key=lambda x: x[0])[1] if found else None

    sites = next((i for p, i in nested.get(_MANIFEST, ()) if p[-2:-1] == ["sites"]), None)

    def part(name: str, info: zipfile.ZipInfo | None = None) -> Part:
        info = info or members[name]
        label = f"{path}:{info.filename}"
        if info.flag_bits & 0x1:
            raise ExportError(f"{label}: the member is encrypted; gptpriv reads plain exports only")
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ExportError(f"{label}: inflates {info.file_size} bytes from {info.compress_size} "
                              f"(over {MAX_RATIO}:1): refusing a likely ZIP bomb")
        _check_method(label, info)
        if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
            return Part(label, lambda: ZipMember(path, info), info.file_size)
        if info.compress_type == 9:
            from gptpriv.export.deflate64 import Deflate64Member

            return Part(label, lambda: Deflate64Member(path, info), info.file_size)
        return Part(label, lambda: _other_member(path, info), info.file_size)

    manifest, library = top(_MANIFEST), top(_LIBRARY)
    return Parts(str(path), tuple(part(n) for n in shards),
                 part("user.json") if "user.json" in members else None,
                 part("message_feedback.json") if "message_feedback.json" in members else None,
                 part("shared_conversations.json") if "shared_conversations.json" in members else None,
                 manifest=part(_MANIFEST, manifest) if manifest else None,
                 sites_manifest=part(_MANIFEST, sites) if sites else None,
                 library=part(_LIBRARY, library) if library else None, archive=True,
                 mixed=_mixed(shards))


def _check_method(label: str, info: zipfile.ZipInfo) -> None:
    """A compression method gptpriv cannot inflate is refused before anything is read."""
    method = info.compress_type
    if method not in _METHODS:
        name = _UNSUPPORTED.get(method, "unknown")
        raise ExportError(f"{label}: compressed with method {method} ({name}), which gptpriv "
                          "cannot read: re-create the ZIP with ordinary (deflate) compression")
    if method == 9:
        try:
            import inflate64  # noqa: F401
        except ImportError:
            raise ExportError(f"{label}: compressed with Deflate64 (method 9), which needs the "
                              "`inflate64` package: `pip install inflate64`") from None


def _export_names(infos: list[zipfile.ZipInfo]) -> list[str]:
    """The members gptpriv reads (shards, user.json, feedback), by full name."""
    wanted = ("user.json", "message_feedback.json")
    names = []
    for info in infos:
        parts = info.filename.replace("\\", "/").split("/")
        # As in _zip: `..` and absolute names are never read, so they never count.
        if info.is_dir() or ".." in parts or info.filename.startswith(("/", "\\")):
            continue
        if _SHARD.fullmatch(parts[-1]) or parts[-1] in wanted:
            names.append(info.filename)
    return names


def _one_copy_each(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """A member name stored twice: zipfile reads the last, the central directory order the
    first; which one the export meant cannot be told."""
    seen: set[str] = set()
    for name in _export_names(infos):
        if name in seen:
            raise ExportError(f"{path}: the member {name} is stored twice in the ZIP: which copy "
                              "is the export cannot be told; re-create the ZIP")
        seen.add(name)


def _one_root(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Conversations from one folder and the email from another would mix two exports."""
    roots = sorted({n.replace("\\", "/").rpartition("/")[0] for n in _export_names(infos)})
    if len(roots) > 1:
        shown = ", ".join(f"`{r}/`" if r else "the top level" for r in roots)
        raise ExportError(f"{path}: the ZIP holds export files in several folders ({shown}): "
                          "which one is the export cannot be told; give one export per ZIP")


def _mixed(shards: list[str]) -> bool:
    return "conversations.json" in shards and len(shards) > 1


def _other_member(path: Path, info: zipfile.ZipInfo) -> IO[bytes]:
    """A member compressed otherwise (bzip2, LZMA), through zipfile. The archive is closed
    here; the member it opened keeps the file open until the member itself is closed."""
    with zipfile.ZipFile(path) as archive:
        return archive.open(info)


def member_data(path: Path, info: zipfile.ZipInfo) -> IO[bytes]:
    """The archive opened at the first byte of a member's compressed data, past its local
    header (whose name and extra field may differ in length from the central directory's)."""
    handle = open(path, "rb")  # noqa: SIM115 (the caller closes it)
    try:
        handle.seek(info.header_offset)
        header = handle.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"no local header for {info.filename!r}")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        handle.seek(info.header_offset + 30 + name_length + extra_length)
    except BaseException:
        handle.close()
        raise
    return handle


class CheckedMember:
    """A ZIP member read as a stream from its compressed data, checked against its declared
    size and CRC-32 as zipfile checks members. Never more than the declared size comes out
    (that size passed the ratio check). A subclass says how the data inflates."""

    def __init__(self, path: Path, info: zipfile.ZipInfo, crc32: Callable[[bytes, int], int]) -> None:
        self._name = info.filename
        self._file = member_data(path, info)
        self._compressed_left, self._left = info.compress_size, info.file_size
        self._crc, self._expected_crc, self._crc32 = 0, info.CRC, crc32

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        want = min(size, self._left)
        if want <= 0:
            return b""
        data = self._inflated(want)
        if not data:
            raise EOFError(f"{self._name!r} ends {self._left} bytes early")
        self._left -= len(data)
        self._crc = self._crc32(data, self._crc)
        if self._left == 0 and self._crc != self._expected_crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._name!r}")
        return data

    def _inflated(self, want: int) -> bytes:
        """Up to `want` (> 0) bytes of the member, or none when its data ends too early."""
        raise NotImplementedError

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


class ZipMember(CheckedMember):
    """A deflated or stored ZIP member, inflated with zlib-ng: several times faster than zlib
    here, and it lets go of the GIL, so one thread inflates while other processes decode."""

    _INPUT = 256 * 1024  # compressed bytes read at a time

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        from zlib_ng import zlib_ng

        super().__init__(path, info, zlib_ng.crc32)
        self._inflate_error: Any = zlib_ng.error  # its stubs declare it as an instance
        self._inflate = zlib_ng.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None

    def _inflated(self, want: int) -> bytes:
        if self._inflate is None:
            return self._file.read(want)
        data = b""
        while not data:
            source = self._inflate.unconsumed_tail or self._compressed(self._INPUT)
            if not source:
                break
            try:
                data = self._inflate.decompress(source, want)
            except self._inflate_error as exc:
                raise zipfile.BadZipFile(f"{self._name!r}: {exc}") from None
            if not data and self._inflate.eof:
                break
        return data


def read_small(part: Part, limit: int = 256 * 1024 * 1024) -> bytes:
    """A whole small part (user.json, feedback, one conversation object), size-limited."""
    with part.open() as handle:
        data: bytes = handle.read(limit + 1)
    if len(data) > limit:
        raise ExportError(f"{part.label}: larger than {limit} bytes")
    # A UTF-8 byte-order mark (Notepad writes one when a user.json is edited) is not JSON.
    return data.removeprefix(b"\xef\xbb\xbf")
