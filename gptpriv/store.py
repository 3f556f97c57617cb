"""The profile store: a directory of TOML files, read leniently and written safely.

Layout under the home: `config.toml`, `accounts/<name>.toml`, `gpts/<name>.toml`.
Every write is atomic (temp file in the same directory, fsync, rename, fsync the directory
where the OS can) and happens under one lock file for the whole home, so concurrent gptpriv
processes never lose each other's changes. On Linux and macOS files are 0600 and directories
0700: they describe a person's privacy choices. (Windows ignores those bits; there the home's
place in the user's own profile directory, and that directory's ACL, keep others out.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from gptpriv.errors import AlreadyExists, GptprivError, NotFound, ProfileError, StoreLocked, show

if TYPE_CHECKING:
    from filelock import BaseFileLock

T = TypeVar("T")
SCHEMA_VERSION = 1
HOME_ENV = "GPTPRIV_HOME"
LOCK_TIMEOUT_SECONDS = 30.0
# Windows refuses to rename over a file another process has open (a gptpriv reading it, an
# editor, a virus scanner or the search indexer): the PermissionError lasts as long as that
# handle, usually milliseconds. Elsewhere a PermissionError is a real permission problem.
REPLACE_RETRY_SECONDS = 2.0
# Read when called, so that a test can take the Windows paths on another OS.
_WINDOWS = sys.platform == "win32"
_MACOS = sys.platform == "darwin"
_HEADER = (
    "# gptpriv {kind} profile. gptpriv rewrites this file and does not keep comments:\n"
    "# change it with `gptpriv {kind} ...`, keep notes in `note` fields.\n"
)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class HomeChoice:
    path: Path
    source: str  # "flag", "env" or "default": shown by `gptpriv config show`


def choose_home(flag: str | None) -> HomeChoice:
    """`--home` > GPTPRIV_HOME > the platform's user config directory."""
    if flag:
        return HomeChoice(Path(flag).expanduser(), "flag")
    env = os.environ.get(HOME_ENV)
    if env:
        return HomeChoice(Path(env).expanduser(), "env")
    from platformdirs import user_config_path  # 12 ms: only when no home was given

    return HomeChoice(user_config_path("gptpriv", appauthor=False), "default")


class Store:
    """Reads and writes the profile files under one home directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock_depth = 0
        self._lock: BaseFileLock | None = None

    # -- paths ---------------------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    def path(self, kind: str, name: str) -> Path:
        """The file of a profile: kind is "account" or "gpt"; the name is already checked."""
        return self.root / f"{kind}s" / f"{name}.toml"

    def names(self, kind: str) -> list[str]:
        """Profile names of one kind, sorted; a missing directory means none."""
        folder = self.root / f"{kind}s"
        try:
            entries = os.listdir(folder)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise _io_error(folder, exc) from None
        return sorted(e[:-5] for e in entries if e.endswith(".toml") and not e.startswith("."))

    # -- reading -------------------------------------------------------------------------

    def load(self, kind: str, name: str, parse: Callable[[Path, dict[str, Any]], T], hint: str) -> T:
        """A profile parsed into the model; NotFound, saying how to create it, when absent."""
        from gptpriv.names import check_name

        what = "GPT" if kind == "gpt" else kind
        path = self.path(kind, check_name(name, what))
        data = self.read(path)
        if data is None:
            raise NotFound(f"no {what} named {show(name)}: {hint}")
        return parse(path, data)

    def read(self, path: Path) -> dict[str, Any] | None:
        """The TOML document at `path`, or None when there is no such file."""
        import tomllib  # 17 ms, and not every command reads a profile

        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _io_error(path, exc) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProfileError(f"{path}: byte {exc.start}: not valid UTF-8") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            found = _TOML_POSITION.search(message)
            if found:
                line, col = found.groups()
                message = message[: found.start()]
                raise ProfileError(f"{path}:{line}:{col}: {_lower_first(message)}") from None
            raise ProfileError(f"{path}: {_lower_first(message)}") from None
        check_schema(path, data)
        return data

    # -- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the home's lock. Re-entrant within one process."""
        if self._lock_depth == 0:
            self._lock = self._acquire()
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and self._lock is not None:
                lock, self._lock = self._lock, None
                lock.release()

    def _acquire(self) -> BaseFileLock:
        # filelock, as pip, tox and virtualenv use it: flock(2) on Linux and macOS, LockFileEx
        # on Windows (which has no fcntl). The OS drops either lock when its holder dies, so a
        # killed gptpriv does not leave the home locked. Imported here: only writes lock.
        from filelock import FileLock, Timeout

        self.ensure_root()
        lock_path = self.root / ".lock"
        lock = FileLock(lock_path, timeout=LOCK_TIMEOUT_SECONDS, mode=0o600, poll_interval=0.01)
        try:
            lock.acquire()
        except Timeout:
            raise StoreLocked(
                f"{lock_path}: another gptpriv process has held the lock for "
                f"{LOCK_TIMEOUT_SECONDS:.0f} s: try again"
            ) from None
        except OSError as exc:
            raise _io_error(lock_path, exc) from None
        try:
            self._remove_stale_temp_files()
        except BaseException:
            lock.release()
            raise
        return lock

    def _remove_stale_temp_files(self) -> None:
        """Temp files are only written under the lock: any found now is from a writer that
        was killed, and is removed (it never replaced the real file)."""
        for folder in (self.root, self.root / "accounts", self.root / "gpts"):
            for stale in folder.glob(".*.toml.*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()

    def ensure_root(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise ProfileError(f"home {show(self.root)} is not a directory")
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise _io_error(self.root, exc) from None

    @contextlib.contextmanager
    def editing(self, path: Path, kind: str, *, new: dict[str, Any] | None = None
                ) -> Iterator[dict[str, Any]]:
        """Read-modify-write one file under the lock; nothing is written if the block raises.

        With `new`, the file must not exist yet and starts as that dict.
        """
        with self.lock():
            data = self.read(path)
            if new is not None:
                if data is not None:
                    raise AlreadyExists(f"{kind} {show(path.stem)} already exists ({path})")
                data = new
            elif data is None:
                raise NotFound(f"no {kind} named {show(path.stem)} (looked for {path})")
            yield data
            self.write(path, kind, data)

    def write(self, path: Path, kind: str, data: dict[str, Any]) -> None:
        """Atomically replace `path` with `data` as TOML. A symlink stays a symlink."""
        import tomli_w

        document = {"schema_version": SCHEMA_VERSION, **data}
        text = _HEADER.format(kind=kind) + tomli_w.dumps(_without_none(document))
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        self.ensure_root()
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            for folder in {self.root, path.parent}:
                _private_dir(folder)
            write_atomic(target, text.encode("utf-8"))
        except OSError as exc:
            raise _io_error(target, exc) from None

    def remove(self, path: Path) -> None:
        with self.lock():
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise _io_error(path, exc) from None


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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
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


def _private_dir(folder: Path) -> None:
    """Profiles describe privacy choices: their directories are for their owner only."""
    if stat.S_IMODE(folder.stat().st_mode) & 0o077:
        folder.chmod(0o700)


def check_schema(path: Path, data: dict[str, Any]) -> None:
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProfileError(f"{path}: `schema_version`: expected a positive whole number")
    if version > SCHEMA_VERSION:
        raise ProfileError(
            f"{path}: schema_version {version} is newer than this gptpriv understands "
            f"({SCHEMA_VERSION}): upgrade gptpriv; the file was not changed"
        )


def _without_none(value: Any) -> Any:
    # TOML has no null: an unset optional value is an absent key.
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _io_error(path: Path, exc: OSError) -> GptprivError:
    reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
    if exc.errno == errno.ELOOP:
        reason = "too many levels of symbolic links"
    return ProfileError(f"{path}: {reason}")
