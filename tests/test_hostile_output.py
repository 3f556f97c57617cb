"""A hostile export or profile cannot drive the terminal of the person reading gptpriv's output:
for every output path, payload in, no raw control or bidi character out (checked on the bytes
written), while JSON and the core keep the exact strings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from gptpriv.cli import app
from gptpriv.export import ExportReader, Facts
from gptpriv.text import visible

from hostile import BIDI, C1, MARKUP, OTHER, TERMINAL, hostile_export, raw_controls


def invoke(*args: str) -> tuple[int, bytes, bytes]:
    """A command in-process; its exit code and the bytes it wrote to stdout and stderr."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return hostile_export(tmp_path / "export", zip_name="export.zip")


# -- the sanitiser ---------------------------------------------------------------------------


def test_visible_escapes_every_unsafe_character_and_nothing_else() -> None:
    assert visible(TERMINAL) == "Hello\\x1b[2J\\x1b[31mRED\\x1b]0;pwned\\x07\\rFAKE eligible"
    assert visible("\u202eA\u2066B\u2069\u200e\u200f\u061c") == "\\u202eA\\u2066B\\u2069\\u200e\\u200f\\u061c"
    assert visible("\x00\x7f\x85\x9b\x9f\t\n\u2028\ud800") == "\\x00\\x7f\\x85\\x9b\\x9f\\t\\n\\u2028\\ud800"
    safe = "Grüße, 日本語, emoji 😀, C:\\path, [draft] <b> & 'quotes' \u200b"
    assert visible(safe) == safe
    unsafe = [*range(0x20), *range(0x7F, 0xA0), 0x61C, 0x200E, 0x200F, *range(0x2028, 0x202F),
              *range(0x2066, 0x206A), 0xD800, 0xDFFF]
    for code in unsafe:  # alone and among printable text (which takes a faster path)
        for text in (chr(code), f"title {chr(code)} é"):
            shown = visible(text)
            assert chr(code) not in shown and raw_controls(shown.encode()) == [], hex(code)


@given(st.text(st.characters(exclude_categories=())))
def test_visible_output_never_carries_a_raw_control(text: str) -> None:
    shown = visible(text)
    assert raw_controls(shown.encode("utf-8")) == []  # encodable: lone surrogates are escaped too
    assert visible(shown) == shown


# -- text output, plain and Rich -------------------------------------------------------------


def test_check_text_and_explain_write_no_raw_control(export: Path, isolated_env: Path) -> None:
    # A real process writing to pipes: the bytes exactly as a terminal would receive them.
    env = {**os.environ, "GPTPRIV_HOME": str(isolated_env), "NO_COLOR": "1"}
    for extra in ([], ["--explain"]):
        done = subprocess.run([sys.executable, "-m", "gptpriv", "check", str(export), *extra],
                              capture_output=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        assert raw_controls(done.stdout) == [] and raw_controls(done.stderr) == []
        # The payloads did reach the output, shown as escapes: the check is not vacuous.
        assert b"Hello\\x1b[2J\\x1b[31mRED\\x1b]0;pwned\\x07\\rFAKE eligible" in done.stdout
        assert b"\\u202eelbigile" in done.stdout and b"\\x9b2J" in done.stdout
        assert b"gptpriv: note:" in done.stderr
    assert b"javascript:document.title" in done.stdout and b"\\x00\\x08\\x7f\\t\\n" in done.stdout


def test_rich_tables_write_no_raw_control(export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gptpriv.cli.output.rich_wanted", lambda: True)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")  # Rich styles its headers as on a real terminal
    monkeypatch.setenv("TERM", "xterm-256color")
    code, out, err = invoke("check", str(export))
    assert code == 0
    assert b"\x1b[1m" in out  # Rich's own bold: this is the terminal path
    assert raw_controls(out, allow_sgr=True) == [] and raw_controls(err) == []
    assert b"\\x1b[2J" in out and b"\\u202e" in out and b"\\x9b" in out


def test_errors_are_one_line_without_raw_controls(export: Path, tmp_path: Path) -> None:
    invoke("account", "add", "me", "--plan", "plus")
    missing = str(tmp_path / f"missing{TERMINAL}.json")
    for args in (["check", missing], ["gpt", "show", TERMINAL], ["account", "use", BIDI],
                 ["status", "--gpt", C1], ["check", missing, "--json"],
                 ["account", "add", "other", "--from-export", str(export)]):  # user.json's email
        code, out, err = invoke(*args)
        assert code == 2 and err.count(b"\n") == 1 and err.startswith(b"gptpriv: error: "), (args, err)
        assert raw_controls(err) == [] and out == b"", args
    assert b"\\x1b[2J" in invoke("check", missing)[2]


HOSTILE_GPT = """schema_version = 1
name = "g"
created = 2026-01-01 00:00:00+00:00
mine = false
verified_builder = false
id = "g-abc"
title = "T\\u001b[2J\\u202eX"
builder = "B\\u001b]0;pwned\\u0007"
training = [{ at = 2025-01-01 00:00:00+00:00, allowed = false, note = "n\\r\\u009b31mFAKE" }]

[[actions]]
domain = "api.x.example"
auth = "none"
privacy_policy = "javascript:x\\u001b[31m"
operations = [{ id = "op\\u001b[2J\\u2066", consequential = false }]
"""


def test_profile_strings_are_shown_safely(isolated_env: Path) -> None:
    invoke("account", "add", "me", "--plan", "plus")
    invoke("account", "opt-out", "--at", "2024-01-01", "--note", f"note{TERMINAL}")
    invoke("device", "add", "laptop")
    invoke("gpt", "create", "g", "--id", "g-abc", "--not-mine")
    invoke("consent", "allow", "g", "api.x.example")
    # A hand-edited or shared profile: its free-text fields carry the payloads.
    (isolated_env / "gpts" / "g.toml").write_text(HOSTILE_GPT)
    written = b""
    for args in (["gpt", "show", "g"], ["gpt", "list"], ["gpt", "action", "list", "g"],
                 ["gpt", "history", "g"], ["account", "show"], ["account", "history"],
                 ["account", "list"], ["device", "list"], ["consent", "list"],
                 ["status", "--gpt", "g"], ["doctor"]):
        code, out, err = invoke(*args)
        assert code == 0, (args, err)
        assert raw_controls(out) == [] and raw_controls(err) == [], args
        written += out
    for shown in (b"T\\x1b[2J\\u202eX", b"B\\x1b]0;pwned\\x07", b"n\\r\\x9b31mFAKE", b"op\\x1b[2J\\u2066",
                  b"javascript:x\\x1b[31m", b"note" + TERMINAL.encode("unicode_escape")):
        assert shown in written, shown


# -- JSON and the core keep the exact strings ------------------------------------------------


def test_json_keeps_exact_strings_and_writes_no_raw_control(export: Path, isolated_env: Path) -> None:
    code, out, _ = invoke("check", str(export), "--json")
    assert code == 0 and raw_controls(out) == []
    titles = [c["title"] for c in json.loads(out)["conversations"]]
    assert titles == [TERMINAL, BIDI + MARKUP, C1 + OTHER]
    code, out, _ = invoke("check", str(export), "--jsonl")
    assert code == 0 and raw_controls(out) == []
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["title"] for r in rows[:3]] == titles
    assert rows[0]["third_parties"][0]["operation"] == "op" + BIDI
    (isolated_env / "gpts").mkdir(parents=True)
    (isolated_env / "gpts" / "g.toml").write_text(HOSTILE_GPT)
    code, out, _ = invoke("gpt", "show", "g", "--json")
    assert code == 0 and raw_controls(out) == []
    assert json.loads(out)["title"] == "T\x1b[2J\u202eX"


def test_the_reader_keeps_hostile_strings_exact(export: Path) -> None:
    facts = [f for f in ExportReader(str(export)).conversations() if isinstance(f, Facts)]
    assert [f.title for f in facts] == [TERMINAL, BIDI + MARKUP, C1 + OTHER]
    first = facts[0].conversation
    assert first.id == "c-" + BIDI and first.gpt_ids == ("g-" + TERMINAL,)
    parties = {c.kind: c for c in first.calls}
    assert parties["action"].party == "evil" + TERMINAL + ".example"
    assert parties["action"].operation == "op" + BIDI and parties["action"].path == "/p" + TERMINAL
    assert parties["action"].method == ("get" + C1).upper()
    assert parties["plugin"].party == "plug" + TERMINAL and parties["connector"].party == "conn" + C1
