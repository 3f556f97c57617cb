"""Profile writes on the platforms users have: Windows (no fcntl, no directory fsync, a rename
refused while the target is open) and macOS (F_FULLFSYNC), exercised on this machine."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import tomllib
import types
from pathlib import Path

import pytest

from gptpriv.profiles import atomic as store_module
from gptpriv.profiles.atomic import write_atomic

# Runs the CLI as it would run on Windows, as far as Python can tell: `import fcntl` fails
# (filelock then locks with its portable backend, as gptpriv's own code cannot tell), a
# directory cannot be opened, and a rename over a file fails at first as if another process
# had it open. gptpriv takes its Windows paths.
WINDOWS_LIKE = textwrap.dedent("""
    import os, sys, warnings
    sys.modules["fcntl"] = None
    # filelock warns, once, that it has no fcntl on a non-Windows OS; Windows has its own
    # backend and no such warning.
    warnings.filterwarnings("ignore", "only soft file lock is available")

    _open, _replace, refused = os.open, os.replace, set()

    def open_like_windows(path, flags, *args, **kwargs):
        if os.path.isdir(path):
            raise PermissionError(13, "Permission denied", path)
        return _open(path, flags, *args, **kwargs)

    def replace_like_windows(src, dst, **kwargs):
        if os.path.exists(dst) and dst not in refused:
            refused.add(dst)
            raise PermissionError(13, "The process cannot access the file", dst)
        return _replace(src, dst, **kwargs)

    os.open, os.replace = open_like_windows, replace_like_windows
    import gptpriv.profiles.atomic
    gptpriv.profiles.atomic._WINDOWS = True
    from gptpriv.cli import main
    sys.argv = ["gptpriv", *sys.argv[1:]]
    try:
        main()
    finally:
        if refused:
            sys.stderr.write("refused renames: %d\\n" % len(refused))
""")

# Each writing command, and whether it rewrites a file that exists (a rename over it).
WRITING_COMMANDS = [
    (["account", "add", "me", "--plan", "plus", "--email", "me@example.com"], False),
    (["account", "set", "me", "--plan", "pro"], True),
    (["account", "opt-out", "--at", "2024-05-01", "--note", "settings"], True),
    (["device", "add", "laptop"], True),
    (["device", "history-off", "laptop", "--at", "2023-05-02"], True),
    (["gpt", "create", "travel", "--id", "g-TRAVEL123abc", "--no-training"], False),
    (["gpt", "action", "add", "travel", "api.flights.example", "--operation", "search"], True),
    (["consent", "allow", "travel", "api.flights.example", "--at", "2024-08-12"], True),
    (["gpt", "report", "travel", "--reason", "asks too much"], True),
    (["account", "add", "work", "--plan", "team"], False),
    (["account", "use", "work"], True),
    (["account", "remove", "work", "--yes"], True),  # config.toml: no current account now
]


def test_writing_commands_work_without_fcntl(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "GPTPRIV_HOME": str(home), "NO_COLOR": "1"}
    for command, rewrites in WRITING_COMMANDS:
        done = subprocess.run([sys.executable, "-c", WINDOWS_LIKE, *command], env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, (command, done.stderr)
        # Nothing from gptpriv on stderr (no traceback, no warning), only the script's note
        # that the rename over the existing file was refused once and made on the retry.
        assert done.stderr == ("refused renames: 1\n" if rewrites else ""), command
    me = tomllib.loads((home / "accounts" / "me.toml").read_text())
    assert me["plan"] == "pro" and me["email"] == "me@example.com"
    assert [(e["allowed"], e["note"]) for e in me["training"]] == [(False, "settings")]
    assert [d["name"] for d in me["devices"]] == ["laptop"]
    assert [c["domain"] for c in me["consents"]] == ["api.flights.example"]
    travel = tomllib.loads((home / "gpts" / "travel.toml").read_text())
    assert travel["id"] == "g-TRAVEL123abc"
    assert [a["domain"] for a in travel["actions"]] == ["api.flights.example"]
    assert len(travel["reports"]) == 1
    assert not (home / "accounts" / "work.toml").exists()
    assert "current_account" not in tomllib.loads((home / "config.toml").read_text())
    assert sorted(p.name for p in home.rglob("*.tmp")) == []


def test_report_file_is_written_without_fcntl(tmp_path: Path) -> None:
    """`report -o` writes outside the home through the same atomic file."""
    export = Path(__file__).resolve().parents[1] / "examples" / "chatgpt-export.zip"
    out = tmp_path / "report.html"
    env = {**os.environ, "GPTPRIV_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    for rewrites in (False, True):
        command = [sys.executable, "-c", WINDOWS_LIKE, "report", str(export), "-o", str(out)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ("refused renames: 1\n" if rewrites else "")
        assert out.read_text().startswith("<!doctype html>")
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == ["report.html"]


def test_windows_like_script_really_refuses_what_windows_refuses(tmp_path: Path) -> None:
    """The simulation above is only worth something if it bites: with gptpriv's Windows
    paths switched off, the same script fails on the directory fsync, after the rename."""
    script = WINDOWS_LIKE.replace("gptpriv.profiles.atomic._WINDOWS = True", "gptpriv.profiles.atomic._WINDOWS = False")
    env = {**os.environ, "GPTPRIV_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", script, "account", "add", "me"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stderr.endswith("me.toml: permission denied\n")
    assert (tmp_path / "home" / "accounts" / "me.toml").exists()


def test_rename_refused_for_a_moment_on_windows_is_retried(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(b"old")
    real, attempts = os.replace, []

    def busy_twice(src, dst):
        attempts.append(dst)
        if len(attempts) <= 2:
            raise PermissionError(13, "The process cannot access the file", str(dst))
        real(src, dst)

    monkeypatch.setattr(store_module, "_WINDOWS", True)
    monkeypatch.setattr(os, "replace", busy_twice)
    monkeypatch.setattr(os, "open", _no_directories(os.open))
    write_atomic(path, b"new")
    assert len(attempts) == 3 and path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_rename_refused_for_too_long_fails_and_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(b"old")

    def always_busy(src, dst):
        raise PermissionError(13, "The process cannot access the file", str(dst))

    monkeypatch.setattr(store_module, "_WINDOWS", True)
    monkeypatch.setattr(store_module, "REPLACE_RETRY_SECONDS", 0.05)
    monkeypatch.setattr(os, "replace", always_busy)
    with pytest.raises(PermissionError):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_permission_error_is_not_retried_off_windows(tmp_path: Path, monkeypatch) -> None:
    attempts = []

    def denied(src, dst):
        attempts.append(dst)
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(store_module, "_WINDOWS", False)
    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(PermissionError):
        write_atomic(tmp_path / "p.toml", b"new")
    assert len(attempts) == 1


def _no_directories(real_open):
    def open_like_windows(path, flags, *args, **kwargs):
        if os.path.isdir(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    return open_like_windows


def _fake_fcntl(calls: list[tuple[str, int]], refuse: bool) -> types.ModuleType:
    fake = types.ModuleType("fcntl")
    fake.F_FULLFSYNC = 51  # its value on macOS

    def fcntl(fd: int, command: int, *args: object) -> int:
        kind = "dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "file"
        calls.append((f"F_FULLFSYNC {kind}" if command == fake.F_FULLFSYNC else str(command), fd))
        if refuse:
            raise OSError(errno.ENOTSUP, "Operation not supported")
        return 0

    fake.fcntl = fcntl
    return fake


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to tell files from directories")
@pytest.mark.parametrize("refuse", [False, True], ids=["supported", "file-system-refuses"])
def test_macos_flushes_the_drive_cache_for_file_and_directory(tmp_path: Path, monkeypatch, refuse) -> None:
    calls: list[tuple[str, int]] = []
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setitem(sys.modules, "fcntl", _fake_fcntl(calls, refuse))
    monkeypatch.setattr(store_module, "_MACOS", True)
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
    write_atomic(tmp_path / "p.toml", b"new")
    assert [kind for kind, _ in calls] == ["F_FULLFSYNC file", "F_FULLFSYNC dir"]
    # Where the file system refuses F_FULLFSYNC, plain fsync still runs, on both.
    assert len(fsyncs) == (2 if refuse else 0)
    assert (tmp_path / "p.toml").read_bytes() == b"new"
