"""The profile store: permissions, atomic rewrites, symlinks, unknown keys, schema versions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gptpriv.errors import ProfileError
from gptpriv.profiles.atomic import write_atomic
from gptpriv.profiles.store import Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_home_and_files_are_private(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    assert mode(isolated_env) == 0o700
    assert mode(isolated_env / "accounts") == 0o700
    assert mode(isolated_env / "accounts" / "work.toml") == 0o600
    assert mode(isolated_env / "config.toml") == 0o600


def test_rewrite_makes_a_0644_file_private(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    path.chmod(0o644)
    run("account", "opt-out", "work")
    assert mode(path) == 0o600


def test_symlinked_profile_stays_a_symlink(run, isolated_env: Path, tmp_path: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "work.toml"
    path.rename(target)
    path.symlink_to(target)
    run("account", "opt-out", "work", "--at", "2024-05-01")
    assert path.is_symlink() and path.resolve() == target
    assert "allowed = false" in target.read_text()
    assert [p.name for p in dotfiles.iterdir()] == ["work.toml"]  # no temp file left


def test_unknown_keys_survive_a_rewrite(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    path.write_text(path.read_text() + '\nfuture_key = "kept"\n[future_table]\nx = 1\n')
    text = path.read_text().replace(
        'plan = "plus"', 'plan = "plus"\ntraining = [{ at = 2024-01-01T00:00:00Z, allowed = true, extra = "e" }]')
    path.write_text(text)
    run("account", "opt-out", "work", "--at", "2024-05-01")
    import tomllib

    data = tomllib.loads(path.read_text())
    assert data["future_key"] == "kept" and data["future_table"] == {"x": 1}
    assert data["training"][0]["extra"] == "e"
    assert [e["allowed"] for e in data["training"]] == [True, False]


def test_newer_schema_is_refused_and_file_untouched(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    path.write_text(path.read_text().replace("schema_version = 1", "schema_version = 2"))
    before = path.read_bytes()
    result = run("account", "opt-out", "work", ok=False)
    assert result.exit_code == 2
    assert "schema_version 2 is newer than this gptpriv understands" in result.stderr
    assert str(path) in result.stderr
    assert path.read_bytes() == before


def test_corrupt_toml_gives_file_line_column_and_leaves_file_unchanged(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    path.write_bytes(path.read_bytes() + b"\nbroken = = 1\n")
    before = path.read_bytes()
    lines = before.decode().splitlines()
    line_no = lines.index("broken = = 1") + 1
    for args in (["account", "show", "work"], ["account", "opt-out", "work"], ["account", "list"]):
        result = run(*args, ok=False)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"gptpriv: error: {path}:{line_no}:10: ")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert path.read_bytes() == before


def test_invalid_utf8_names_the_byte(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    data = path.read_bytes()
    path.write_bytes(data + b"\xff")
    result = run("account", "show", "work", ok=False)
    assert result.exit_code == 2
    assert f"{path}: byte {len(data)}: not valid UTF-8" in result.stderr


def test_wrong_type_names_the_key(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    path.write_text(path.read_text() + '\ntraining = [{ at = "yesterday", allowed = false }]\n')
    result = run("account", "show", "work", ok=False)
    assert result.exit_code == 2
    assert "`training[0].at`: expected a date-time" in result.stderr


def test_failed_write_leaves_old_content_and_no_temp_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(b"old")

    def boom(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_home_that_is_a_file_is_one_line_error(run, tmp_path: Path) -> None:
    home = tmp_path / "a-file"
    home.write_text("x")
    result = run("--home", str(home), "account", "add", "work", ok=False)
    assert result.exit_code == 2
    assert result.stderr == f"gptpriv: error: home `{home}` is not a directory\n"


def test_home_symlink_loop_is_one_line_error(run, tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    result = run("--home", str(loop), "account", "list", ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "symbolic links" in result.stderr


def test_read_does_not_create_the_home(run, isolated_env: Path) -> None:
    run("account", "list")
    assert not isolated_env.exists()


def test_lock_is_reentrant(tmp_path: Path) -> None:
    store = Store(tmp_path / "h")
    with store.lock(), store.lock():
        store.write(store.config_path, "config", {"current_account": "x"})
    assert store.read(store.config_path) == {"schema_version": 1, "current_account": "x"}


def test_schema_version_must_be_a_number(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('schema_version = "one"\n')
    with pytest.raises(ProfileError, match="schema_version"):
        Store(tmp_path).read(path)


def test_lock_held_too_long_is_a_clear_error(run, isolated_env: Path, monkeypatch) -> None:
    import subprocess
    import sys

    from gptpriv.profiles import store as store_module

    run("account", "add", "me", "--plan", "plus")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom filelock import FileLock\n"
         "held = FileLock(sys.argv[1])\nheld.acquire()\nprint('locked', flush=True)\ntime.sleep(30)",
         str(isolated_env / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(store_module, "LOCK_TIMEOUT_SECONDS", 0.3)
        before = (isolated_env / "accounts" / "me.toml").read_bytes()
        result = run("account", "opt-out", ok=False)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert "another gptpriv process has held the lock" in result.stderr
        assert (isolated_env / "accounts" / "me.toml").read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
