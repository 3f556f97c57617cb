"""The profile store: a directory of TOML files, read leniently and written safely.

Layout under the home: `config.toml`, `accounts/<name>.toml`, `gpts/<name>.toml`.
Every write is atomic (temp file in the same directory, fsync, rename, fsync the directory
where the OS can) and happens under one lock file for the whole home, so concurrent gptpriv
processes never lose each other's changes. On Linux and macOS files are 0600 and the
directories gptpriv creates 0700: they describe a person's privacy choices. (Windows ignores
those bits; there the home's place in the user's own profile directory, and that directory's
ACL, keep others out.) A directory gptpriv did not create is never chmod'ed (a home of `/tmp`
must stay usable by others); a home others can write to is refused instead, as ssh refuses
loose key files.

Only regular files are read, up to MAX_PROFILE_BYTES and MAX_NESTING levels: a profile is a
hand-editable file that travels in dotfile repositories, and can be a symlink to anything.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from gptpriv.errors import (
    AlreadyExists,
    GptprivError,
    NotFound,
    ProfileError,
    StoreLocked,
    show,
)
from gptpriv.profiles.atomic import write_atomic
from gptpriv.profiles.safety import (
    MAX_NESTING,
    is_temp_name,
    nesting_depth,
    read_regular,
    remove_stale_temps,
)

if TYPE_CHECKING:
    from filelock import BaseFileLock

T = TypeVar("T")
SCHEMA_VERSION = 1
HOME_ENV = "GPTPRIV_HOME"
LOCK_TIMEOUT_SECONDS = 30.0
# Read when called, so that a test can take the Windows paths on another OS.
_HEADER = (
    "# gptpriv {kind} profile. gptpriv rewrites this file and does not keep comments:\n"
    "# change it with `gptpriv {kind} ...`, keep notes in `note` fields.\n"
)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
# Real profiles are a few kilobytes; 50,000 timeline entries are about 3 MB.
MAX_PROFILE_BYTES = 16 * 1024 * 1024


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
        self._checked: set[Path] = set()  # directories found not writable by others

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
            self.check_private(self.root)
            self.check_private(folder)
            entries = os.listdir(folder)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise _io_error(folder, exc) from None
        return sorted(e[:-5] for e in entries if e.endswith(".toml") and not e.startswith("."))

    # -- reading -------------------------------------------------------------------------

    def load(self, kind: str, name: str, parse: Callable[[Path, dict[str, Any]], T], hint: str) -> T:
        """A profile parsed into the model; NotFound, saying how to create it, when absent."""
        from gptpriv.profiles.checks import check_name

        what = "GPT" if kind == "gpt" else kind
        path = self.path(kind, check_name(name, what))
        data = self.read(path)
        if data is None:
            raise NotFound(f"no {what} named {show(name)}: {hint}")
        return parse(path, data)

    def read(self, path: Path) -> dict[str, Any] | None:
        """The TOML document at `path`, or None when there is no such file."""
        import tomllib  # 17 ms, and not every command reads a profile

        raw = self._read_bytes(path)
        if raw is None:
            return None
        try:
            # A UTF-8 byte-order mark (Notepad writes one) is not part of the TOML.
            text = raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ProfileError(f"{path}: byte {exc.start}: not valid UTF-8") from None
        try:
            data = tomllib.loads(text)
        except RecursionError:
            raise ProfileError(f"{path}: nested deeper than {MAX_NESTING} levels") from None
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            found = _TOML_POSITION.search(message)
            if found:
                line, col = found.groups()
                message = message[: found.start()]
                raise ProfileError(f"{path}:{line}:{col}: {_lower_first(message)}") from None
            raise ProfileError(f"{path}: {_lower_first(message)}") from None
        if nesting_depth(data) > MAX_NESTING:
            raise ProfileError(f"{path}: nested deeper than {MAX_NESTING} levels")
        check_schema(path, data)
        return data

    def _read_bytes(self, path: Path) -> bytes | None:
        """A profile's bytes: None when absent; a regular file only, never past the limit.

        A FIFO or device is refused without being opened blocking (safety.read_regular)."""
        if path.is_symlink() and not path.exists():
            raise ProfileError(f"{path}: a symbolic link to {show(os.readlink(path))}, which does "
                               "not exist: fix or remove the link")
        if path.parent != self.root:
            self.check_private(path.parent)
        try:
            return read_regular(path, MAX_PROFILE_BYTES, "profiles")
        except OSError as exc:
            raise _io_error(path, exc) from None

    def check_private(self, folder: Path) -> None:
        """Refuse a directory others can write to: they could plant or change profiles.
        Checked once per directory; a missing one is fine (gptpriv creates it 0700)."""
        if folder in self._checked:
            return
        try:
            mode = folder.stat().st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise _io_error(folder, exc) from None
        if stat.S_ISDIR(mode) and mode & (stat.S_IWGRP | stat.S_IWOTH):
            what = "home" if folder == self.root else "folder"
            raise ProfileError(
                f"{what} {show(folder)} can be written by other users (mode "
                f"{stat.S_IMODE(mode):04o}): gptpriv does not change a folder it did not create: "
                "use `--home` with a folder of your own, or `chmod go-w` it")
        self._checked.add(folder)

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
        was killed, and is removed (it never replaced the real file). Only names gptpriv
        makes are removed, beside every profile, and beside a symlinked profile's target,
        where that profile's temp files go."""
        for folder in (self.root, self.root / "accounts", self.root / "gpts"):
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                path = folder / name
                if is_temp_name(name):
                    with contextlib.suppress(OSError):
                        path.unlink()
                elif name.endswith(".toml") and path.is_symlink():
                    remove_stale_temps(Path(os.path.realpath(path)))

    def ensure_root(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise ProfileError(f"home {show(self.root)} is not a directory")
        self.check_private(self.root)
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
        if nesting_depth(document) > MAX_NESTING:
            raise ProfileError(f"{path}: nested deeper than {MAX_NESTING} levels")
        self.ensure_root()
        if path.is_symlink():
            target = Path(os.path.realpath(path))
            if not target.exists():  # never followed into folders it would have to create
                raise ProfileError(f"{path}: a symbolic link to {show(os.readlink(path))}, which "
                                   "does not exist: fix or remove the link")
        else:
            target = path
        try:
            if not path.is_symlink():
                path.parent.mkdir(mode=0o700, exist_ok=True)  # accounts/ or gpts/, ours
            self.check_private(path.parent)
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
