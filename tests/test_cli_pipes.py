"""A reader that goes away (`gptpriv check export | head -1`) ends gptpriv quietly: exit code 0
(1 is for --fail-on), nothing on stderr. Real pipes, real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from export_builder import ConversationBuilder, write_export

T0 = datetime(2024, 6, 1, tzinfo=UTC).timestamp()
PIPE_BUFFER = 1 << 16  # Linux's default pipe capacity; macOS's is smaller
QUIET_ENDS = (0, -signal.SIGPIPE)  # exit 0, or death by SIGPIPE as a shell reports 141


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("pipes")
    conversations = []
    for i in range(4000):
        c = ConversationBuilder(f"c-{i:05d}", f"Conversation number {i}", T0 + 60 * i)
        c.turn("question", "answer")
        conversations.append(c.build())
    export = write_export(root / "export", conversations)
    env = {**os.environ, "GPTPRIV_HOME": str(root / "home"), "NO_COLOR": "1"}
    # A recorded setting, so that check has no note for stderr: stderr must stay empty.
    for command in (["account", "add", "me", "--plan", "plus"], ["account", "opt-out", "--at", "2024-01-01"]):
        subprocess.run([sys.executable, "-m", "gptpriv", *command], env=env, check=True, capture_output=True)
    return export, env


def gptpriv(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "gptpriv", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("form", [[], ["--jsonl"], ["--json"], ["--explain"]],
                         ids=["text", "jsonl", "json", "explain"])
def test_reader_gone_after_the_first_line(setup, form: list[str]) -> None:
    export, env = setup
    whole = subprocess.run([sys.executable, "-m", "gptpriv", "check", str(export), *form], env=env,
                           capture_output=True, check=True)
    # More than the pipe holds, so gptpriv is still writing when the reader leaves.
    assert len(whole.stdout) > 4 * PIPE_BUFFER and whole.stderr == b""
    process = gptpriv("check", str(export), *form, env=env)
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) in QUIET_ENDS
    assert first == whole.stdout.splitlines(keepends=True)[0]
    assert stderr == b""


@pytest.mark.parametrize("command", [["rules"], ["account", "list"], ["check", "EXPORT"],
                                     ["--help"], ["check", "--help"]])
def test_reader_gone_before_anything_was_written(setup, command: list[str]) -> None:
    """Small outputs sit in Python's buffer until the end: the closed pipe shows only when it
    is flushed, which must not be the interpreter's flush at exit (a warning, exit 120)."""
    export, env = setup
    process = gptpriv(*[str(export) if a == "EXPORT" else a for a in command], env=env)
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) in QUIET_ENDS
    assert stderr == b""


@pytest.mark.parametrize("stdout", [subprocess.PIPE, subprocess.DEVNULL], ids=["read", "devnull"])
def test_fail_on_still_exits_1_when_the_output_is_not_cut(setup, stdout: int) -> None:
    """Without a profile every verdict is undetermined; stdout at devnull from the start is
    not a closed pipe."""
    export, env = setup
    done = subprocess.run([sys.executable, "-m", "gptpriv", "--home", str(Path(env["GPTPRIV_HOME"]) / "none"),
                           "check", str(export), "--fail-on", "undetermined"],
                          env=env, stdout=stdout, stderr=subprocess.PIPE, check=False)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
