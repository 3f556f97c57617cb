"""`check`'s text (issue 26): the headline's figures are the `--json` summary's, and the text fits
the width it is given, at word boundaries, in plain words (no step or rule ids unless asked)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gptpriv.policy.rules import RULES
from gptpriv.policy.steps import STEPS

from export_builder import ConversationBuilder, dumps, write_export

GPT = "g-681c8e39d12c81918c7c9723fea1e4fb"


def at(*args: int) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def exports(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """An older and a newer export (with a Library) of one account with every line of the
    headline: trained on (by default and by feedback), undetermined, not trained on, public,
    sent to a third party and to an unknown recipient, Memory, deleted in between, skipped.
    Short words and relative
    paths, so that the table can fit 60 columns without cutting one."""
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    run("account", "opt-out", "--at", "2024-06-15")
    run("gpt", "create", "trip", "--id", GPT, "--not-mine")
    trip = ConversationBuilder("c-trip", "Plan a trip", at(2024, 6, 1), gizmo_id=GPT, gizmo_type="gpt")
    trip.turn("q", "a", gizmo_id=GPT)
    trip.action("api.x.io", "book", GPT)
    notes = ConversationBuilder("c-notes", "Notes", at(2024, 6, 2))
    notes.turn("q", "a")
    notes.memory("likes tea")
    odd = ConversationBuilder("c-odd", "Odd tool", at(2024, 6, 3))
    odd.tool("t2uay3k.sj1i4kz", "{}", "ok")
    odd.tool("python", "1+1", "2")
    fed = ConversationBuilder("c-fed", "Thumbs", at(2024, 7, 1))
    fed.turn("q", "a")
    later = ConversationBuilder("c-later", "Later", at(2024, 7, 2))
    later.turn("q", "a")
    broken = {**later.build(), "id": "c-bad", "conversation_id": "c-bad", "create_time": True}
    convs = [trip.build(), notes.build(), odd.build(), fed.build(), later.build(), broken]
    gone = ConversationBuilder("c-gone", "Old one", at(2024, 5, 1))
    gone.turn("q", "a")
    monkeypatch.chdir(tmp_path)
    write_export(tmp_path / "old", [gone.build(), notes.build()], email="me@example.com")
    write_export(tmp_path / "new", convs, email="me@example.com",
                 feedback=[{"id": "f", "conversation_id": "c-fed", "message_id": None, "rating": "thumbsUp"}],
                 shared=[{"id": "s-1", "conversation_id": "c-notes", "title": "Notes", "is_anonymous": True},
                         {"id": "s-2", "conversation_id": "c-elsewhere", "title": "Away", "is_anonymous": True}])
    (tmp_path / "new" / "library_files.json").write_text(dumps([{"id": f"file-{i}"} for i in range(12)]))
    return ["old", "new"]


def _figures(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The headline's first line, and each of its figures with its words (wrapped lines joined)."""
    head = text.split("\n\n", 1)[0].splitlines()
    figures: list[tuple[int, str]] = []
    for line in head[1:]:
        found = re.match(r"  +(\d+) (.+)", line)
        if found:
            figures.append((int(found.group(1)), found.group(2)))
        else:  # a continuation: spaces, then words
            figures[-1] = (figures[-1][0], f"{figures[-1][1]} {line.strip()}")
    return head[0], figures


def test_the_headline_says_the_json_summary_figures(run, exports: list[str]) -> None:
    doc = run("check", *exports, "--json").json()
    summary = doc["summary"]
    first, figures = _figures(run("check", *exports).stdout)
    assert first == (f"{summary['total']} conversations, {summary['first_created'][:10]} to "
                     f"{summary['last_created'][:10]} (account me, Plus)")
    exposed = summary["exposed"]
    expected = [
        ("may have been used for training", summary["eligible"]),
        ("is undetermined", summary["undetermined"]),
        ("is not used for training", summary["not_eligible"]),
        ("are public", exposed["shared_link"] + len(summary["unmatched_shared_links"])),
        ("sent parts of the chat to third parties", exposed["third_party"]),
        ("sent parts of the chat to recipients gptpriv does not know", exposed["unknown_recipient"]),
        ("wrote to Memory", exposed["memory"]),
        ("was deleted since your earlier export", len(doc["deleted_between_exports"])),
        ("could not be read", summary["skipped"]),
    ]
    assert len(figures) == len(expected), figures
    for (n, words), (start, figure) in zip(figures, expected, strict=True):
        assert words.startswith(start) and n == figure, (n, words, figure)
        assert n > 0  # the export has one of each
    assert f"({len(summary['third_parties'])} service)" in figures[4][1]
    assert f"({len(summary['unmatched_shared_links'])} not in the export)" in figures[3][1]


def _stdout(run, args: list[str], columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    return run("check", *args).stdout  # CliRunner's stdout is a pipe, never a terminal


@pytest.mark.parametrize("columns", [60, 200])
def test_check_text_fits_the_width_at_word_boundaries(run, exports: list[str], columns: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    text = _stdout(run, exports, columns, monkeypatch)
    too_long = [line for line in text.splitlines() if len(line) > columns]
    assert too_long == [], "\n".join(too_long)
    # The same words as at a width where nothing needs wrapping: none was cut in two.
    wide = _stdout(run, exports, 10_000, monkeypatch)
    assert Counter(text.split()) == Counter(wide.split())
    assert {"Odd", "t2uay3k", "api.x.io", "Deleted", "undetermined", "Library:"} <= set(text.split())


def test_no_step_or_rule_id_without_explain_or_ids(run, exports: list[str]) -> None:
    ids = [r.id for r in RULES] + [s.id for s in STEPS]
    plain = run("check", *exports)
    shown = [i for i in ids if i in plain.stdout + plain.stderr]
    assert shown == [] and "step." not in plain.stdout
    for flag in ("--ids", "--explain"):
        detailed = run("check", *exports, flag).stdout
        assert "step.review_third_parties" in detailed and "retention.deleted" in detailed
