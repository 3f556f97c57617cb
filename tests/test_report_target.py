"""`report -o` writes only to a regular file or a new path: never a device, FIFO, directory,
the profile home, or one of its own inputs; each refused in one line, nothing written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gptpriv.profiles import safety

from export_builder import ConversationBuilder, write_export


@pytest.fixture
def export(tmp_path: Path) -> Path:
    c = ConversationBuilder("c-1", "One", 1.70e9)
    c.turn("q", "a")
    return write_export(tmp_path / "export", [c.build()], email="me@example.com", zip_name="self.zip")


def refused(result, *words: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("gptpriv: error: ") and result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize("device", [(1, 7), (1, 3)], ids=["like-dev-full", "like-dev-null"])
def test_a_device_node_is_refused_and_stays_a_device(run, tmp_path: Path, export: Path,
                                                     device: tuple[int, int]) -> None:
    node = tmp_path / "dev-node"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(*device))
    refused(run("report", str(export), "-o", str(node), ok=False), "not a regular file")
    assert stat.S_ISCHR(node.lstat().st_mode) and node.lstat().st_rdev == os.makedev(*device)
    link = tmp_path / "link-to-node"
    link.symlink_to(node)
    refused(run("report", str(export), "-o", str(link), ok=False), "not a regular file")
    assert link.is_symlink() and stat.S_ISCHR(node.lstat().st_mode)


def test_a_fifo_or_directory_is_refused(run, tmp_path: Path, export: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused(run("report", str(export), "-o", str(fifo), ok=False), "not a regular file")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    folder = tmp_path / "folder"
    folder.mkdir()
    refused(run("report", str(export), "-o", str(folder), ok=False), "directory")
    assert list(folder.iterdir()) == []


def test_an_input_is_never_overwritten(run, tmp_path: Path, export: Path) -> None:
    before = export.read_bytes()
    refused(run("report", str(export), "-o", str(export), ok=False), "is the input")
    hard = tmp_path / "hardlink.zip"
    os.link(export, hard)
    refused(run("report", str(hard), "-o", str(export), ok=False), "is the input")
    folder = write_export(tmp_path / "unzipped", [], email="me@example.com")
    inner = folder / "conversations.json"
    inner_before = inner.read_bytes()
    refused(run("report", str(inner), "-o", str(inner), ok=False), "is the input")
    assert export.read_bytes() == before and inner.read_bytes() == inner_before


def test_a_path_in_the_home_is_refused(run, isolated_env: Path, export: Path) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    profile = isolated_env / "accounts" / "me.toml"
    before = profile.read_bytes()
    refused(run("report", str(export), "-o", str(profile), ok=False), "inside the profile home")
    refused(run("report", str(export), "-o", str(isolated_env / "new.html"), ok=False), "inside the profile home")
    assert profile.read_bytes() == before and not (isolated_env / "new.html").exists()


def test_a_regular_file_or_new_path_is_written(run, tmp_path: Path, export: Path) -> None:
    old = tmp_path / "old.html"
    old.write_text("old report")
    stale = tmp_path / f".old.html{safety.TEMP_MARKER}abcd1234.tmp"
    stale.write_text("from a killed report")
    os.utime(stale, (0, 0))
    fresh = tmp_path / f".old.html{safety.TEMP_MARKER}efgh5678.tmp"
    fresh.write_text("a report being written right now")
    run("report", str(export), "-o", str(old))
    assert old.read_text().startswith("<!DOCTYPE html>") or "<html" in old.read_text()
    assert not stale.exists() and fresh.exists()
    run("report", str(export), "-o", str(tmp_path / "new.html"))
    assert "<html" in (tmp_path / "new.html").read_text()
    link = tmp_path / "link.html"
    link.symlink_to(old)
    run("report", str(export), "-o", str(link))
    assert link.is_symlink()  # the link's target was replaced, the link kept
