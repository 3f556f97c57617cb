"""What a new user trips on: undoing an entry, TAB completion, mistyped commands, dates that
cannot be right, one vocabulary for verdicts, and the small words of the text output."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from export_builder import ConversationBuilder, write_export


def test_remove_entry_undoes_the_numbered_entry(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    run("account", "opt-out", "--at", "2024-06-01")
    run("account", "opt-in", "--at", "2024-08-01")
    assert "1  2024-06-01 00:00 +0000" in run("account", "history").stdout
    out = run("account", "remove-entry", "1", "--yes").stdout
    assert out == "Removed: entry 1, training off from 2024-06-01 00:00 +0000.\n"
    assert [e["at"] for e in run("account", "history", "--json").json()["training"]] == ["2024-08-01T00:00:00Z"]
    # With the account named first, and a number that does not exist.
    missing = run("account", "remove-entry", "me", "5", "--yes", ok=False)
    assert missing.exit_code == 2 and "it has 1 entry" in missing.stderr
    bad = run("account", "remove-entry", "x", "--yes", ok=False)
    assert bad.exit_code == 2 and "invalid entry number" in bad.stderr


def test_remove_entry_asks_unless_yes(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    run("account", "opt-out", "--at", "2024-06-01")
    refused = run("account", "remove-entry", "1", ok=False)  # not a terminal: refuses to guess
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert len(run("account", "history", "--json").json()["training"]) == 1


def test_device_and_gpt_remove_entry(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    run("device", "add", "laptop")
    run("device", "history-off", "laptop", "--at", "2023-06-01")
    run("device", "history-on", "laptop", "--at", "2023-07-01")
    text = run("device", "history", "laptop").stdout
    assert "not recorded" in text and "1  2023-06-01" in text and "2  2023-07-01" in text
    assert "on from 2023-07-01" in run("device", "remove-entry", "laptop", "2", "-y").stdout
    assert [e["number"] for e in run("device", "history", "laptop", "--json").json()["history"]] == [1]
    run("gpt", "create", "travel", "--id", "g-abc123", "--not-mine")
    run("gpt", "opt-out", "travel", "--at", "2024-01-01")
    run("gpt", "remove-entry", "travel", "1", "--yes")
    assert run("gpt", "history", "travel", "--json").json()["training"] == []


def test_future_dates_are_refused_when_recording(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    result = run("account", "opt-out", "--at", "2999-01-01", ok=False)
    assert result.exit_code == 2 and "in the future" in result.stderr
    assert result.stderr.count("\n") == 1
    assert run("account", "history", "--json").json()["training"] == []
    # status may look ahead: it answers "what if", it records nothing.
    assert run("status", "--at", "2999-01-01", "--json").json()["verdict"] == "eligible"


def _complete(home: Path, *words: str) -> list[str]:
    env = {**os.environ, "GPTPRIV_HOME": str(home), "_GPTPRIV_COMPLETE": "complete_bash",
           "COMP_WORDS": " ".join(["gptpriv", *words]), "COMP_CWORD": str(len(words))}
    out = subprocess.run([sys.executable, "-c", "from gptpriv.cli import main; main()"],
                         capture_output=True, text=True, env=env)
    return out.stdout.split()


def test_tab_completion_of_names_and_values(run, isolated_env) -> None:
    run("account", "add", "work", "--plan", "plus")
    run("account", "add", "wife")
    run("device", "add", "laptop")
    run("gpt", "create", "travel")
    assert _complete(isolated_env, "account", "show", "w") == ["wife", "work"]
    assert _complete(isolated_env, "device", "history", "l") == ["laptop"]
    assert _complete(isolated_env, "status", "--gpt", "t") == ["travel"]
    assert _complete(isolated_env, "account", "set", "work", "--plan", "p") == ["plus", "pro"]
    assert _complete(isolated_env, "doctor", "--fail-on", "e") == ["error"]
    assert _complete(isolated_env, "check", "x", "--verdict", "n") == ["not_eligible"]
    assert _complete(isolated_env, "setup", "--how", "s") == ["switch", "setting"]
    assert _complete(isolated_env, "ch") == ["check"]


def test_completion_options_only_on_the_root(run) -> None:
    assert "--install-completion" in run("--help").stdout
    for group in ("account", "check", "gpt", "device", "setup"):
        assert "--install-completion" not in run(group, "--help").stdout, group


def test_a_mistyped_command_gets_a_suggestion(run) -> None:
    result = run("chekc", ok=False)
    assert result.exit_code == 2 and "Did you mean 'check'?" in result.stderr


def _export(tmp_path: Path) -> Path:
    conversations = []
    for i, title in enumerate(["First", "Second", "Third"]):
        c = ConversationBuilder(f"c-{i}", title, datetime(2024, 3, 1 + i, tzinfo=timezone.utc).timestamp())
        c.turn("q", "a")
        conversations.append(c.build())
    return write_export(tmp_path / "export", conversations[::-1])


def test_verdict_words_are_the_ones_check_prints(run, tmp_path) -> None:
    run("account", "add", "me", "--plan", "plus")
    run("account", "opt-out", "--at", "2024-03-02")
    export = str(_export(tmp_path))
    for word in ("not eligible", "not_eligible", "Not-Eligible"):
        doc = run("check", export, "--verdict", word, "--json").json()
        assert {c["verdict"] for c in doc["conversations"]} == {"not_eligible"}
        assert sorted(c["id"] for c in doc["conversations"]) == ["c-1", "c-2"]
        assert doc["summary"]["not_eligible"] == 2 and doc["summary"]["eligible"] == 0
    bad = run("check", export, "--verdict", "maybe", ok=False)
    assert bad.exit_code == 2 and "not_eligible" in bad.stderr


def test_text_rows_oldest_first_plurals_and_no_match(run, tmp_path) -> None:
    run("account", "add", "me", "--plan", "plus")
    export = str(_export(tmp_path))
    lines = run("check", export).stdout.splitlines()
    titles = [t for t in ("First", "Second", "Third") for line in lines if f"  {t}  " in line or line.endswith(t)]
    assert titles == ["First", "Second", "Third"]
    newest = run("check", export, "--sort", "newest").stdout
    assert newest.index("Third") < newest.index("First")
    assert lines[0].startswith("3 conversations, ") and "  3 may have been used for training" in lines[1]
    one = run("check", export, "--id", "c-0").stdout
    assert one.startswith("1 conversation, ") and "  1 may have been used for training" in one
    none = run("check", export, "--verdict", "undetermined").stdout
    assert "No conversation matches." in none and "CREATED" not in none
    # An empty column gives its width to the others: no GPT and no third-party column here.
    assert "GPT" not in lines[1] and "THIRD PARTIES" not in lines[1]


def test_account_line_has_no_nested_parentheses(run, tmp_path) -> None:
    run("account", "add", "me", "--plan", "plus")
    lines = run("check", str(_export(tmp_path))).stdout.splitlines()
    at = next(n for n, line in enumerate(lines) if ": account me" in line)
    # The line wraps at the width, its continuation lines indented: read as one.
    rest = itertools.takewhile(lambda line: line.startswith("  "), lines[at + 1:])
    first = " ".join([lines[at], *(line.strip() for line in rest)])
    assert "account me (the current account; the export has no user.json)" in first
    assert "((" not in first and "))" not in first


@pytest.mark.parametrize("name", ["chat.html"])
def test_the_html_page_of_an_export_gets_a_hint(run, tmp_path, name) -> None:
    page = tmp_path / name
    page.write_text("<!doctype html><html><body>conversations</body></html>")
    result = run("check", str(page), ok=False)
    assert result.exit_code == 2
    assert "give the export's ZIP or its conversations.json" in result.stderr


def test_the_report_speaks_plain_words(run, tmp_path) -> None:
    import re

    run("account", "add", "me", "--plan", "plus")
    run("account", "opt-out", "--at", "2024-03-02T10:15:30Z")
    page = run("report", str(_export(tmp_path)), "-o", "-").stdout
    start = page.index('<table id="conversation-table"')
    table = page[start:page.index("</table>", start)]
    assert "`" not in table
    shown = re.sub(r'data-sort="[^"]*"', "", table)  # sort keys stay ISO; what is shown is not
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", shown)
    assert "2024-03-02 10:15 UTC" in table  # the opt-out's time, to the minute
    rules = page[page.index('<table id="rule-table"'):]
    assert "not_eligible" not in rules.split("</table>")[0].replace('class="not_eligible"', "")
    assert "<td>not eligible" in rules
    # The same words as the terminal, with what each means said once.
    assert "not eligible" in page and "may be trained on" not in page
    assert "(may be used for training)" in page


def test_an_entry_dated_before_chatgpt_is_recorded_with_a_warning(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    result = run("account", "opt-out", "--at", "2022-01-01")
    assert "before ChatGPT's launch on 2022-11-30" in result.stderr
    assert len(run("account", "history", "--json").json()["training"]) == 1  # recorded all the same
    run("gpt", "create", "x", "--id", "g-abc123", "--not-mine")
    assert "before ChatGPT's launch" in run("gpt", "opt-out", "x", "--at", "2021-06-01").stderr
    assert "before ChatGPT's launch" not in run("account", "opt-in", "--at", "2024-06-01").stderr
    findings = run("doctor", "--json").json()["findings"]
    assert sorted(f["message"].split(":")[0] for f in findings if f["rule"] == "lint.entry_before_launch") == [
        "GPT x", "account me"]
