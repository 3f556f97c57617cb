"""Ctrl-C during a large read, and the progress bar on a terminal: the CLI as a user runs it.

A terminal sends SIGINT to its whole foreground process group, workers included: the CLI
is started in a session of its own and the signal sent to that group.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from export_builder import ConversationBuilder, dumps

if not os.path.isdir("/proc"):  # process groups, /proc and pseudo-terminals: Linux
    pytest.skip("needs /proc", allow_module_level=True)

import pty  # here: there is no pty on Windows

# The CLI with units small enough that a file of a few MB is read by the workers in many.
_SMALL_UNITS = ("import sys\n"
                "from gptpriv.export import parallel\n"
                "parallel.PARALLEL_MIN_BYTES, parallel.UNIT = 1 << 20, 256 << 10\n"
                "from gptpriv.cli import main\n"
                "sys.argv = ['gptpriv', *sys.argv[1:]]\n"
                "main()\n")
CLI = [sys.executable, "-c", _SMALL_UNITS]
CONVERSATIONS = 10_000


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """About 20 MB of conversations, as a file and as the ZIP of an export."""
    folder = tmp_path_factory.mktemp("large")
    conv = ConversationBuilder("c-XXXXXXX", "T", 1.7e9)
    conv.turn("question", "answer")
    one = dumps(conv.build())
    path = folder / "conversations.json"
    path.write_text("[" + ", ".join(one.replace("XXXXXXX", f"{i:07d}")
                                    for i in range(CONVERSATIONS)) + "]")
    archive = folder / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.write(path, "conversations.json")
    return {"file": path, "zip": archive}


def in_session(session: int) -> list[int]:
    """Processes of a session (its leader's pid), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[3]) == session:  # the 6th field; fields[0] is the 3rd
            found.append(int(entry))
    return found


def interrupt(target: Path, after_lines: int, env: dict[str, str]) -> None:
    """SIGINT to the CLI's group once the workers run and `after_lines` rows were printed."""
    proc = subprocess.Popen([*CLI, "check", str(target), "--jsonl"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(in_session(proc.pid)) < 2:  # the workers have been started
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
            time.sleep(0.005)
        assert proc.stdout is not None
        for _ in range(after_lines):
            assert proc.stdout.readline(), "the read ended before the signal"
        os.killpg(proc.pid, signal.SIGINT)
        sent = time.monotonic()
        _, stderr = proc.communicate(timeout=5)
        assert time.monotonic() - sent < 5
        left = in_session(proc.pid)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in in_session(proc.pid):  # a failed run leaves nothing either
            os.kill(pid, signal.SIGKILL)
    text = stderr.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and text in ("", "gptpriv: interrupted\n"), text
    assert left == [], "processes left behind"


MOMENTS = {"workers-started": 0, "first-rows": 1, "middle": CONVERSATIONS // 2}


@pytest.mark.parametrize("moment", ["workers-started", "middle"])
@pytest.mark.parametrize("source", ["file", "zip"])
def test_ctrl_c_during_a_large_read(large, isolated_env, source: str, moment: str) -> None:
    interrupt(large[source], MOMENTS[moment], {**os.environ, "GPTPRIV_HOME": str(isolated_env)})


@pytest.mark.slow
@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("source", ["file", "zip"])
def test_ctrl_c_during_a_large_read_20_times(large, isolated_env, source: str, moment: str) -> None:
    for _ in range(20):
        interrupt(large[source], MOMENTS[moment], {**os.environ, "GPTPRIV_HOME": str(isolated_env)})


def test_the_progress_bar_is_drawn_on_a_terminal(large, isolated_env) -> None:
    leader, follower = pty.openpty()
    env = {**os.environ, "GPTPRIV_HOME": str(isolated_env), "TERM": "xterm"}
    proc = subprocess.Popen([*CLI, "check", str(large["file"]), "--json"], env=env,
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    drawn = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            assert ready, "no output, no end"
            try:
                piece = os.read(leader, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not piece:
                break
            drawn += piece
    finally:
        os.close(leader)
        proc.wait(timeout=60)
    assert proc.returncode == 0, drawn
    text = drawn.decode(errors="replace")
    assert "reading" in text and "━" in text, text
    assert "[progress." not in text and "Traceback" not in text, text
    # On a pipe, nothing.
    piped = subprocess.run([*CLI, "check", str(large["file"]), "--json"], env=env,
                           capture_output=True, check=True)
    assert piped.stderr == b""


def test_ctrl_c_while_the_command_line_is_imported(monkeypatch, capsys) -> None:
    """Importing Typer and Rich is most of the start-up: a Ctrl-C then is one line too."""
    import importlib.abc

    from gptpriv import entry

    class Interrupted(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: object, target: object = None) -> None:
            if name == "gptpriv.cli":
                raise KeyboardInterrupt  # as the SIGINT handler raises it, mid-import

    monkeypatch.delitem(sys.modules, "gptpriv.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupted(), *sys.meta_path])
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as exited:
            entry.main()
        assert signal.getsignal(signal.SIGINT) is entry._interrupted
    finally:
        signal.signal(signal.SIGINT, previous)
    assert exited.value.code == 130
    assert capsys.readouterr().err == "gptpriv: interrupted\n"
