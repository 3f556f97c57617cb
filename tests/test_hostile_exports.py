"""Odd but real exports: Deflate64 and unknown ZIP methods, a member stored twice, two
export roots in one ZIP, pipes, side files that are not regular files, byte-order marks,
unreadable creation times, and `--jsonl` ending with its summary line when a read fails."""

from __future__ import annotations

import io
import json
import os
import stat
import struct
import threading
import zipfile
import zlib
from pathlib import Path

import pytest

from gptpriv.export import ExportReader

from export_builder import ConversationBuilder, dumps, write_export


def _convs(n: int = 3) -> list[dict]:
    out = []
    for i in range(n):
        c = ConversationBuilder(f"c-{i}", f"T{i}", 1.70e9 + i * 86400)
        c.turn("q", "a")
        out.append(c.build())
    return out


def _raw_zip(path: Path, files: dict[str, bytes], method: int) -> Path:
    """A ZIP written by hand, so that any method number can be stored (zipfile writes only
    the methods it can compress). Method 9 members are really Deflate64-compressed."""
    import inflate64

    out, central = bytearray(), bytearray()
    for name, data in files.items():
        if method == 9:
            deflater = inflate64.Deflater()
            packed = deflater.deflate(data) + deflater.flush()
        else:
            packed = data
        crc, encoded, offset = zlib.crc32(data), name.encode(), len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x5A21, crc,
                           len(packed), len(data), len(encoded), 0) + encoded + packed
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0x5A21,
                               crc, len(packed), len(data), len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    count = len(files)
    out += central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), len(out), 0)
    path.write_bytes(bytes(out))
    return path


def _files(convs: list[dict], email: str = "me@example.com") -> dict[str, bytes]:
    return {"conversations.json": dumps(convs).encode(), "user.json": dumps({"email": email}).encode(),
            "message_feedback.json": b"[]"}


def one_line(result, *words: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("gptpriv: error: ") and result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# -- ZIP methods, duplicate members, two roots ---------------------------------------------


def test_a_deflate64_zip_reads_like_the_folder(run, tmp_path: Path) -> None:
    convs = _convs()
    archive = _raw_zip(tmp_path / "windows.zip", _files(convs), 9)
    assert zipfile.ZipFile(archive).infolist()[0].compress_type == 9
    folder = write_export(tmp_path / "folder", convs, email="me@example.com")
    from_zip = run("check", str(archive), "--json").json()
    from_folder = run("check", str(folder), "--json").json()
    assert [c["id"] for c in from_zip["conversations"]] == ["c-0", "c-1", "c-2"]
    strip = [{k: v for k, v in c.items() if k != "export"} for c in from_folder["conversations"]]
    assert [{k: v for k, v in c.items() if k != "export"} for c in from_zip["conversations"]] == strip


def test_a_damaged_deflate64_member_is_one_line(run, tmp_path: Path) -> None:
    archive = _raw_zip(tmp_path / "windows.zip", _files(_convs(40)), 9)
    data = bytearray(archive.read_bytes())
    data[200:260] = b"\xff" * 60
    archive.write_bytes(bytes(data))
    one_line(run("check", str(archive), ok=False), "windows.zip:")


@pytest.mark.parametrize(("method", "name"), [(93, "Zstandard"), (98, "PPMd"), (77, "unknown")])
def test_a_method_gptpriv_cannot_read_is_named(run, tmp_path: Path, method: int, name: str) -> None:
    archive = _raw_zip(tmp_path / "odd.zip", _files(_convs()), method)
    one_line(run("check", str(archive), ok=False), "odd.zip:", f"method {method} ({name})")


def test_a_member_stored_twice_is_refused(run, tmp_path: Path) -> None:
    archive = tmp_path / "twice.zip"
    with pytest.warns(UserWarning), zipfile.ZipFile(archive, "w") as z:
        z.writestr("conversations.json", dumps(_convs(1)))
        z.writestr("conversations.json", dumps(_convs(2)))
        z.writestr("user.json", dumps({"email": "me@example.com"}))
    one_line(run("check", str(archive), ok=False), "conversations.json is stored twice")


def test_two_export_roots_are_refused(run, tmp_path: Path) -> None:
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("old/conversations.json", dumps(_convs(1)))
        z.writestr("new/conversations.json", dumps(_convs(2)))
        z.writestr("new/user.json", dumps({"email": "me@example.com"}))
    one_line(run("check", str(archive), ok=False), "several folders", "`new/`", "`old/`")
    one_root = tmp_path / "one.zip"
    with zipfile.ZipFile(one_root, "w") as z:
        z.writestr("export/conversations.json", dumps(_convs(2)))
        z.writestr("export/user.json", dumps({"email": "me@example.com"}))
        z.writestr("export/dalle-generations/x.png", b"")
    assert run("check", str(one_root), "--json").json()["summary"]["total"] == 2


# -- pipes ---------------------------------------------------------------------------------


def _feed(writer_fd: int, data: bytes) -> threading.Thread:
    def write() -> None:
        with os.fdopen(writer_fd, "wb") as handle:
            handle.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_process_substitution_keeps_its_first_bytes(run, tmp_path: Path) -> None:
    data = dumps(_convs()).encode()
    read_fd, write_fd = os.pipe()
    thread = _feed(write_fd, data)
    try:
        doc = run("check", f"/dev/fd/{read_fd}", "--json").json()  # what `<(cat file)` passes
    finally:
        thread.join(5)
        os.close(read_fd)
    assert [c["id"] for c in doc["conversations"]] == ["c-0", "c-1", "c-2"]


def test_a_fifo_is_read_once(run, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = dumps(_convs(2)).encode()

    def write() -> None:
        with open(fifo, "wb") as handle:
            handle.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    doc = run("check", str(fifo), "--json").json()
    thread.join(5)
    assert doc["summary"]["total"] == 2


def test_a_zip_through_a_pipe_or_stdin_is_one_line(run, tmp_path: Path) -> None:
    archive = write_export(tmp_path / "e", _convs(1), zip_name="e.zip")
    read_fd, write_fd = os.pipe()
    thread = _feed(write_fd, archive.read_bytes()[:60000])
    try:
        one_line(run("check", f"/dev/fd/{read_fd}", ok=False), "cannot be read from a pipe")
    finally:
        os.close(read_fd)
        thread.join(5)
    one_line(run("check", "-", input=archive.read_bytes().decode("latin-1"), ok=False),
             "cannot be read from a pipe or standard input")


# -- side files of a folder ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
@pytest.mark.parametrize("name", ["user.json", "message_feedback.json"])
def test_a_side_file_that_is_not_regular_is_left_out(run, tmp_path: Path, kind: str, name: str) -> None:
    folder = write_export(tmp_path / "export", _convs(2), email="me@example.com")
    side = folder / name
    side.unlink()
    if kind == "directory":
        side.mkdir()
    elif kind == "fifo":  # nobody writes to it: opening it blocking would hang forever
        os.mkfifo(side)
    else:
        os.mknod(side, stat.S_IFCHR | 0o600, os.makedev(1, 5))
    result = run("check", str(folder), "--json")
    assert result.json()["summary"]["total"] == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"gptpriv: warning: {side}: ") and "left out" in result.stderr


def test_byte_order_marks_in_side_files_are_accepted(run, tmp_path: Path) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    convs = _convs(2)
    folder = write_export(tmp_path / "export", convs, email="me@example.com",
                          feedback=[{"conversation_id": "c-1", "rating": "thumbsUp"}])
    for name in ("user.json", "message_feedback.json"):
        path = folder / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    doc = run("check", str(folder), "--json").json()
    assert doc["exports"][0]["account"] == "me"
    assert [c["feedback"] for c in doc["conversations"]] == [False, True]


# -- creation times ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1e20, "yesterday", "1709373600", -1e10, 1.0e9, 4.0e9,
                                   "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+01:00"])
def test_an_unreadable_creation_time_is_a_malformed_field(run, tmp_path: Path, value) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    run("account", "opt-out", "--at", "2023-06-01")  # the verdict depends on when it was created
    convs = _convs(2)
    convs[1]["create_time"] = value
    doc = run("check", str(write_export(tmp_path / "e", convs, email="me@example.com")), "--json").json()
    bad = doc["conversations"][1]
    assert bad["create_time"] is None and bad["verdict"] == "undetermined"
    assert "unreadable creation time" in bad["reasons"][0]["message"]
    assert doc["summary"]["skipped"] == 0 and doc["summary"]["total"] == 2
    (error,) = doc["summary"]["errors"]
    assert error["path"] == "create_time" and error["index"] == 1 and error["id"] == "c-1"
    assert error["message"].startswith("`create_time`: ")
    # -1e10 was read as 1653 and judged eligible; 1e20 and strings were "missing".
    text = run("check", str(tmp_path / "e"))
    assert "conversation #1" in text.stderr and "create_time" in text.stderr


def test_a_missing_creation_time_is_still_just_missing(run, tmp_path: Path) -> None:
    convs = _convs(1)
    del convs[0]["create_time"]
    doc = run("check", str(write_export(tmp_path / "e", convs)), "--json").json()
    assert doc["summary"]["errors"] == []
    assert "unreadable" not in json.dumps(doc["conversations"][0]["reasons"])


def test_the_reader_bounds_are_launch_and_now() -> None:
    from gptpriv.export.facts import creation_time

    assert creation_time(1669766400.0)[0] is not None  # 2022-11-30T00:00Z
    assert creation_time(1669766399.0)[0] is None
    assert creation_time(float("nan"))[1] is not None
    assert creation_time(None) == (None, None)


# -- --jsonl always ends with a summary line ------------------------------------------------


def test_jsonl_on_a_truncated_file_ends_with_a_summary_line(run, tmp_path: Path) -> None:
    whole = dumps(_convs(3))
    path = tmp_path / "conversations.json"
    path.write_text(whole[: len(whole) - 40])
    result = run("check", str(path), "--jsonl", ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    last = lines[-1]
    assert "summary" in last and last["error"] in result.stderr
    assert last["summary"]["total"] == len(lines) - 1
    result = run("check", str(tmp_path / "missing.json"), "--jsonl", ok=False)
    assert json.loads(result.stdout.splitlines()[-1])["error"] in result.stderr


def test_reader_hands_on_the_peeked_bytes() -> None:
    data = dumps(_convs(2)).encode()
    reader = ExportReader("-", io.BytesIO(data))
    assert [f.id for f in reader.conversations()] == ["c-0", "c-1"]
