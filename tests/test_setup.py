"""`gptpriv setup`: the guided start, driven through its prompts and with every answer as an
option; what it writes is read back from the profiles."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from export_builder import ConversationBuilder, write_export

MINE, OTHER = "g-MINE0000aaaa", "g-OTHER000bbbb"
T0 = datetime(2023, 6, 10, tzinfo=timezone.utc).timestamp()


def _export(tmp_path: Path, plus: bool | None = None) -> Path:
    plain = ConversationBuilder("c-plain", "Plain", T0)
    plain.turn("q", "a")
    mine = ConversationBuilder("c-mine", "Mine", T0 + 3600, gizmo_id=MINE, gizmo_type="gpt")
    mine.turn("q", "a", gizmo_id=MINE)
    other = ConversationBuilder("c-other", "Other", T0 + 7200, gizmo_id=OTHER, gizmo_type="gpt")
    other.turn("q", "a", gizmo_id=OTHER)
    return write_export(tmp_path / "export", [plain.build(), mine.build(), other.build()],
                        email="Sam@Example.com", plus=plus, zip_name="export.zip")


def _toml(home: Path, kind: str, name: str) -> dict:
    import tomllib

    return tomllib.loads((home / f"{kind}s" / f"{name}.toml").read_text())


def test_interactive_switch_on_two_devices(run, tmp_path, isolated_env) -> None:
    export = _export(tmp_path, plus=True)
    # name, opted out?, when, how, devices, GPT 1 (mine?), GPT 2, confirm
    answers = "sam\nyes\n2023-05-01\nswitch\nlaptop, phone\nyes\nno\ny\n"
    out = run("setup", "--from-export", str(export), input=answers).stdout
    assert "3 conversations from 2023-06-10 to 2023-06-10, account email Sam@Example.com" in out
    # Only the controls that existed on 2023-05-01 are offered: not "Improve the model".
    assert "  switch: " in out and "  portal: " in out and "  setting: " not in out
    assert "Device laptop: Chat History & Training off from 2023-05-01 00:00 +0000" in out
    account = _toml(isolated_env, "account", "sam")
    assert account["plan"] == "plus" and account["email"] == "Sam@Example.com"
    assert "training" not in account
    history = {d["name"]: [e["allowed"] for e in d["history"]] for d in account["devices"]}
    assert history == {"laptop": [False], "phone": [False]}
    assert _toml(isolated_env, "gpt", "gpt-mine0000")["mine"] is True
    assert _toml(isolated_env, "gpt", "gpt-other000")["mine"] is False
    # Then the export is checked: the summary is the last thing shown.
    after = out[out.index("Recorded."):].splitlines()
    assert any(line.startswith("3 conversations, ") for line in after)


@pytest.mark.parametrize(("how", "when", "where"), [
    ("portal", "2023-06-01", "training"), ("setting", "2024-06-01", "training"), ("switch", "2023-06-01", "devices")])
def test_yes_records_each_how(run, tmp_path, isolated_env, how, when, where) -> None:
    args = ["setup", "--name", "me", "--plan", "pro", "--opted-out", when, "--how", how, "--yes"]
    run(*args, *(["--device", "laptop"] if how == "switch" else []))
    account = _toml(isolated_env, "account", "me")
    assert account["plan"] == "pro"
    if where == "training":
        assert [e["allowed"] for e in account["training"]] == [False] and "devices" not in account
        assert account["training"][0]["at"].date().isoformat() == when
    else:
        assert "training" not in account
        assert account["devices"][0]["name"] == "laptop"
        assert [e["allowed"] for e in account["devices"][0]["history"]] == [False]


def test_a_control_that_did_not_exist_then_is_refused_naming_its_dates(run, isolated_env) -> None:
    result = run("setup", "--name", "me", "--plan", "plus", "--opted-out", "2024-06-01", "--how", "switch",
                 "--device", "laptop", "--yes", ok=False)
    assert result.exit_code == 2
    assert "2023-04-25 to about 2024-04-30" in result.stderr and "setting (from about 2024-04-30)" in result.stderr
    assert not (isolated_env / "accounts").exists()  # nothing written


def test_dont_remember_leaves_the_setting_unknown(run, tmp_path, isolated_env) -> None:
    export = _export(tmp_path, plus=True)
    out = run("setup", "--from-export", str(export), "--yes").stdout
    assert "not remembered" in out
    assert _toml(isolated_env, "account", "sam")["training_default"] == "unknown"
    doc = run("check", str(export), "--json").json()
    assert doc["summary"]["undetermined"] == 3
    assert {r["reasons"][0]["rule"] for r in doc["conversations"]} == {"account.setting_unknown"}
    # --yes asks nothing: the GPTs were not guessed into profiles.
    assert not (isolated_env / "gpts").exists()


def test_never_opted_out_keeps_the_plan_default(run, tmp_path, isolated_env) -> None:
    export = _export(tmp_path, plus=True)
    run("setup", "--from-export", str(export), "--never-opted-out", "--my-gpt", MINE, "--yes")
    doc = run("check", str(export), "--json").json()
    verdicts = {r["id"]: r["verdict"] for r in doc["conversations"]}
    assert verdicts == {"c-plain": "eligible", "c-mine": "eligible", "c-other": "undetermined"}


def test_declining_the_summary_writes_nothing(run, tmp_path, isolated_env) -> None:
    out = run("setup", "--name", "me", "--plan", "free", "--never-opted-out", input="n\n").stdout
    assert "Nothing was recorded." in out
    assert not (isolated_env / "accounts").exists()


def test_end_of_input_writes_nothing(run, isolated_env) -> None:
    result = run("setup", "--name", "me", input="", ok=False)
    assert result.exit_code == 130 and "nothing was recorded" in result.stderr
    assert not (isolated_env / "accounts").exists()


def test_ctrl_c_at_a_prompt_writes_nothing(tmp_path) -> None:
    """A real terminal: SIGINT while setup waits at its first question."""
    import os
    import pty

    home = tmp_path / "home"
    pid, fd = pty.fork()
    if pid == 0:  # the child: gptpriv at a prompt on the pseudo-terminal
        # As a shell starts a command: SIGINT at its default, whatever this test process set.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        os.environ.update({"GPTPRIV_HOME": str(home), "NO_COLOR": "1"})
        os.execv(sys.executable, [sys.executable, "-m", "gptpriv", "setup"])
    seen = b""
    deadline = time.monotonic() + 20
    while b"A name for this account" not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(fd, 1024)
        except OSError:
            break
    assert b"A name for this account" in seen, seen
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 20
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with open(f"/proc/{os.getpid()}/status") as f:
            mine = [line for line in f if line.startswith(("SigBlk", "SigIgn"))]
        pytest.fail(f"setup did not end on SIGINT; parent {mine}; seen {seen!r}")
    status = done[1]
    rest = b""
    try:
        while chunk := os.read(fd, 1024):
            rest += chunk
    except OSError:
        pass
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 130
    assert b"nothing was recorded" in rest and b"Traceback" not in rest
    assert not home.exists() or not (home / "accounts").exists()


def test_refuses_future_and_pre_launch_dates(run, isolated_env) -> None:
    future = run("setup", "--name", "me", "--opted-out", "2999-01-01", "--how", "setting", "--yes", ok=False)
    assert future.exit_code == 2 and "in the future" in future.stderr
    early = run("setup", "--name", "me", "--opted-out", "2022-01-01", "--how", "portal", "--yes", ok=False)
    assert early.exit_code == 2 and "2022-11-30" in early.stderr
    assert not (isolated_env / "accounts").exists()


def test_setup_is_listed_and_has_help() -> None:
    out = subprocess.run([sys.executable, "-m", "gptpriv", "setup", "--help"], capture_output=True,
                         text=True, check=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}).stdout
    for option in ("--from-export", "--name", "--plan", "--opted-out", "--never-opted-out", "--how",
                   "--device", "--yes"):
        assert option in out
