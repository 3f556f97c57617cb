"""Totals of a run with several inputs, where features meet: shared links and the Library
counted once across copies, setup reading an export as check does, the closing line of a
failed --jsonl read, the report's count of third parties, and the manifest's date."""

from __future__ import annotations

import json
from pathlib import Path

from export_builder import ConversationBuilder, write_export

T0 = 1.72e9
GPT = "g-abc123"


def _export(folder: Path, **kwargs) -> Path:
    conversations = []
    for i in range(3):
        c = ConversationBuilder(f"c-{i}", f"Chat {i}", T0 + i * 3600)
        c.turn("q", "a")
        conversations.append(c.build())
    shared = [{"id": "share-1", "conversation_id": "c-1", "title": "Chat 1", "is_anonymous": True},
              {"id": "share-9", "conversation_id": "gone", "title": "Gone", "is_anonymous": False}]
    return write_export(folder, conversations, email="me@example.com", shared=shared, **kwargs)


def test_shared_links_of_one_export_given_twice_count_once(run, tmp_path: Path) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    export = _export(tmp_path / "e", zip_name="e.zip")
    once = run("check", str(export), "--json").json()
    twice = run("check", str(export), str(export), "--json").json()
    for doc in (once, twice):
        assert doc["summary"]["shared_links"] == 2
        assert [x["url"] for x in doc["summary"]["unmatched_shared_links"]] == [
            "https://chatgpt.com/share/share-9"]
        step = next(s for s in doc["next_steps"] if s["id"] == "step.revoke_shared_links")
        assert step["count"] == 2
    assert twice["summary"]["duplicates"] == 3


def test_the_library_of_two_copies_counts_once(run, tmp_path: Path) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    export = _export(tmp_path / "l", layout_2026=True, library=[{"id": "file-1"}, {"id": "file-2"}])
    doc = run("check", str(export), str(export), "--json").json()
    assert doc["summary"]["library_files"] == 2


def test_the_manifest_dates_a_2026_export(run, tmp_path: Path) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    doc = run("check", str(_export(tmp_path / "m", layout_2026=True)), "--json").json()
    [export] = doc["exports"]
    assert (export["as_of"], export["as_of_source"]) == ("2026-03-01T10:00:00Z", "manifest")


def test_setup_reads_an_export_as_check_does(run, tmp_path: Path) -> None:
    folder = _export(tmp_path / "mixed")
    # The same conversations once more, in the other layout, beside the first.
    (folder / "conversations-000.json").write_text((folder / "conversations.json").read_text())
    out = run("setup", "--from-export", str(folder), "--never-opted-out", "--plan", "plus", "--yes").stdout
    assert f"{folder}: 3 conversations" in out
    assert "\n3 conversations, " in out and "  3 may have been used for training" in out
    assert "Shared links: 2 " in out


def test_a_failed_jsonl_read_names_its_inputs(run, tmp_path: Path) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    good = _export(tmp_path / "good")
    broken = _export(tmp_path / "broken")
    text = (broken / "conversations.json").read_text()
    (broken / "conversations.json").write_text(text[: len(text) // 2])
    result = run("check", str(good), str(broken), "--jsonl", ok=False)
    assert result.exit_code == 2
    last = json.loads(result.stdout.splitlines()[-1])
    assert "error" in last
    assert [e["path"] for e in last["exports"]] == [str(good), str(broken)]


def test_the_report_counts_parties_that_received_data(run, tmp_path: Path) -> None:
    run("account", "add", "me", "--plan", "plus")
    denied = ConversationBuilder("c-denied", "Denied", T0, gizmo_id=GPT, gizmo_type="gpt")
    denied.turn("q", "a", gizmo_id=GPT)
    denied.action("api.denied.example", "book", GPT, method="post", approval="deny")
    allowed = ConversationBuilder("c-ok", "Allowed", T0 + 60, gizmo_id=GPT, gizmo_type="gpt")
    allowed.turn("q", "a", gizmo_id=GPT)
    allowed.action("api.ok.example", "search", GPT, approval="allow")
    export = write_export(tmp_path / "x", [denied.build(), allowed.build()])
    out = run("report", str(export), "-o", str(tmp_path / "r.html")).stdout
    assert out.rstrip().endswith("1 third party.")
