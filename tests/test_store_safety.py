"""What the store never does to files that are not its own: chmod a shared folder, delete a
user's file, follow a dangling symlink, read a device or FIFO, or read without bound."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gptpriv.profiles import safety
from gptpriv.profiles.store import MAX_PROFILE_BYTES, Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_line_error(result, *words: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("gptpriv: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


@pytest.mark.parametrize("loose", [0o1777, 0o777, 0o775])
def test_a_shared_folder_as_home_is_refused_and_left_alone(run, tmp_path: Path, loose: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(loose)  # /tmp is 1777: sticky bit and writable by all
    for args in (("account", "add", "me"), ("account", "list"), ("status",)):
        one_line_error(run("--home", str(shared), *args, ok=False), "can be written by other users",
                       "--home")
    assert stat.S_IMODE(shared.stat().st_mode) == loose
    assert list(shared.iterdir()) == []


def test_an_existing_private_home_is_used_as_it_is(run, tmp_path: Path) -> None:
    home = tmp_path / "mine"
    home.mkdir()
    home.chmod(0o755)
    run("--home", str(home), "account", "add", "me", "--plan", "plus")
    assert mode(home) == 0o755  # not gptpriv's folder: never chmod'ed
    assert mode(home / "accounts") == 0o700 and mode(home / "accounts" / "me.toml") == 0o600


def test_a_new_home_is_0700_even_with_a_loose_umask(run, tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        run("--home", str(tmp_path / "new"), "account", "add", "me")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new") == 0o700
    assert mode(tmp_path / "new" / "accounts" / "me.toml") == 0o600


def test_cleanup_removes_only_gptpriv_temp_files(run, isolated_env: Path, tmp_path: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    run("account", "add", "home", "--plan", "plus")
    accounts = isolated_env / "accounts"
    users_own = accounts / ".work.toml.backup.tmp"  # matched the old `.*.toml.*.tmp`
    users_own.write_text("mine")
    ours = accounts / f".work.toml{safety.TEMP_MARKER}ab12cd34.tmp"
    ours.write_text("half-written")
    # A symlinked profile's temp files go beside its target: cleaned there too, and only its own.
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (accounts / "home.toml").rename(dotfiles / "home.toml")
    (accounts / "home.toml").symlink_to(dotfiles / "home.toml")
    beside_target = dotfiles / f".home.toml{safety.TEMP_MARKER}zz99yy88.tmp"
    beside_target.write_text("half-written")
    other_tool = dotfiles / f".notes.toml{safety.TEMP_MARKER}zz99yy88.tmp"
    other_tool.write_text("not for home.toml")
    run("account", "opt-out", "work")
    assert users_own.read_text() == "mine" and other_tool.exists()
    assert not ours.exists() and not beside_target.exists()


def test_temp_files_carry_the_marker(tmp_path: Path) -> None:
    fd, name = safety.make_temp(tmp_path / "p.toml")
    os.close(fd)
    assert safety.is_temp_name(Path(name).name) and not safety.is_temp_name(".p.toml.x.tmp")
    assert mode(Path(name)) == 0o600


def test_a_dangling_profile_symlink_is_refused_not_followed(run, isolated_env: Path, tmp_path: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    link = isolated_env / "accounts" / "gone.toml"
    missing = tmp_path / "not" / "there" / "gone.toml"
    link.symlink_to(missing)
    for args in (("account", "add", "gone"), ("account", "show", "gone"), ("account", "list")):
        one_line_error(run(*args, ok=False), "symbolic link", "does not exist")
    assert not (tmp_path / "not").exists()
    store = Store(isolated_env)
    with pytest.raises(Exception, match="does not exist"):
        store.write(link, "account", {"name": "gone"})
    assert not (tmp_path / "not").exists()


@pytest.mark.parametrize("kind", ["zero", "fifo", "directory"])
def test_a_profile_that_is_not_a_regular_file_is_refused(run, isolated_env: Path, tmp_path: Path,
                                                        kind: str) -> None:
    run("account", "add", "work", "--plan", "plus")
    node = tmp_path / "node"
    if kind == "zero":  # as /dev/zero: endless bytes
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(1, 5))
    elif kind == "fifo":  # nobody writes to it: a blocking open would hang forever
        os.mkfifo(node)
    else:
        node.mkdir()
    path = isolated_env / "accounts" / "work.toml"
    path.unlink()
    path.symlink_to(node)
    for args in (("account", "show", "work"), ("account", "opt-out", "work"), ("doctor",)):
        one_line_error(run(*args, ok=False), str(path), "not a regular file")


def test_a_huge_profile_is_refused(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    with path.open("a") as handle:
        handle.write("# padding\n" * (MAX_PROFILE_BYTES // 10 + 1))
    one_line_error(run("account", "show", "work", ok=False), "larger than")


@pytest.mark.parametrize("depth", [40, 260, 600])
def test_deep_nesting_is_one_line_on_read_and_write(run, isolated_env: Path, depth: int) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    path.write_text(path.read_text() + "deep = " + "[" * depth + "1" + "]" * depth + "\n")
    before = path.read_bytes()
    for args in (("account", "show", "work"), ("account", "opt-out", "work"), ("account", "list")):
        one_line_error(run(*args, ok=False), "nested deeper than")
    assert path.read_bytes() == before


def test_a_byte_order_mark_is_accepted(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    path = isolated_env / "accounts" / "work.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run("account", "show", "work", "--json").json()["plan"] == "plus"
    run("account", "opt-out", "work")
    assert run("account", "show", "work", "--json").json()["training_now"] == "off"
