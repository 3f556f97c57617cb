"""Several exports in one run: each conversation once, each export dated, and what was deleted
between two exports of one account (issue 20)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gptpriv.policy.retention import deletion_notices

from export_builder import ConversationBuilder, dumps, write_export


def at(*args: int) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()


def conv(cid: str, title: str, created: float, updated: float | None = None,
         archived: bool = False) -> dict:
    c = ConversationBuilder(cid, title, created)
    c.turn("question", "answer")
    built = c.build()
    built["update_time"] = updated if updated is not None else created
    built["is_archived"] = archived
    return built


def by_id(doc: dict) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for c in doc["conversations"]:
        assert c["id"] not in found, f"{c['id']} counted twice"
        found[c["id"]] = c
    return found


def test_both_layouts_in_one_folder_and_zip_are_read_and_deduplicated(run, tmp_path: Path) -> None:
    merged = [conv("a", "Only in conversations.json", at(2025, 1, 1)),
              conv("b", "Old title", at(2025, 1, 2))]
    sharded = [conv("b", "New title", at(2025, 1, 2), at(2025, 3, 1)),
               conv("c", "Only in the shard", at(2025, 1, 3))]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text(dumps(merged))
    (folder / "conversations-000.json").write_text(dumps(sharded))
    archive = tmp_path / "export.zip"
    import zipfile

    with zipfile.ZipFile(archive, "w") as z:
        for name in ("conversations.json", "conversations-000.json"):
            z.write(folder / name, name)
    for path in (folder, archive):
        doc = run("check", str(path), "--json").json()
        found = by_id(doc)
        assert sorted(found) == ["a", "b", "c"], path
        assert found["b"]["title"] == "New title"  # the latest update_time wins
        assert doc["summary"]["total"] == 3 and doc["summary"]["duplicates"] == 1
        assert doc["deleted_between_exports"] == []
    text = run("check", str(folder)).stdout
    assert text.startswith("3 conversations, ") and "1 duplicate copy not counted" in text


def test_the_same_export_given_twice_counts_once(run, tmp_path: Path) -> None:
    convs = [conv(f"c{i}", f"T{i}", at(2025, 1, 1 + i)) for i in range(4)]
    gpt = "g-681c8e39d12c81918c7c9723fea1e4fb"
    with_action = ConversationBuilder("c4", "With an Action", at(2025, 1, 5), gizmo_id=gpt, gizmo_type="gpt")
    with_action.action("api.x.example", "op", gpt, privacy_policy="https://x.example/p", approval="allow")
    with_action.tool("python", "1+1", "2")
    convs.append(with_action.build())
    export = write_export(tmp_path / "e", convs, email="me@example.com", zip_name="e.zip")
    once = run("check", str(export), "--json").json()
    twice = run("check", str(export), str(export), "--json").json()
    assert [c["id"] for c in twice["conversations"]] == [c["id"] for c in once["conversations"]]
    assert twice["summary"] == {**once["summary"], "duplicates": 5}
    # The second input's copies win the tie; replayed from the first pass, they read the same.
    assert twice["conversations"] == once["conversations"]
    assert once["summary"]["duplicates"] == 0
    assert len(twice["exports"]) == 2 and twice["deleted_between_exports"] == []
    assert twice["exports"][0]["as_of"] == twice["exports"][1]["as_of"] == "2025-01-05T00:10:00Z"
    assert twice["exports"][0]["as_of_source"] == "latest_conversation_time"
    lines = run("check", str(export), str(export), "--jsonl").stdout.splitlines()
    # Five conversations once each, the next steps, then the summary.
    assert len(lines) == 7 and json.loads(lines[-1])["summary"]["duplicates"] == 5
    assert "next_steps" in json.loads(lines[-2])


@pytest.fixture
def old_and_new(tmp_path: Path) -> tuple[Path, Path]:
    """Exports of one account before and after: kept, renamed, deleted, archived and new."""
    old = [conv("kept", "Kept", at(2025, 1, 1)),
           conv("renamed", "Old name", at(2025, 2, 1)),
           conv("deleted", "Gone", at(2025, 3, 1)),
           conv("archived", "Archived later", at(2025, 3, 2))]
    new = [conv("kept", "Kept", at(2025, 1, 1)),
           conv("renamed", "New name", at(2025, 2, 1), at(2025, 4, 1)),
           conv("archived", "Archived later", at(2025, 3, 2), archived=True),
           conv("new", "Fresh", at(2025, 4, 2))]
    return (write_export(tmp_path / "old", old, email="Me@Example.com ", zip_name="old.zip"),
            write_export(tmp_path / "new", new, email="me@example.com", zip_name="new.zip"))


@pytest.mark.parametrize("order", ["old first", "new first"])
def test_old_and_new_exports(run, old_and_new: tuple[Path, Path], order: str) -> None:
    old, new = old_and_new
    paths = [old, new] if order == "old first" else [new, old]
    doc = run("check", *map(str, paths), "--json").json()
    found = by_id(doc)
    assert sorted(found) == ["archived", "deleted", "kept", "new", "renamed"]
    assert found["renamed"]["title"] == "New name" and found["renamed"]["export"] == str(new)
    assert doc["summary"]["total"] == 5 and doc["summary"]["duplicates"] == 3
    dates = {e["path"]: e["as_of"] for e in doc["exports"]}
    assert dates == {str(old): "2025-03-02T00:00:00Z", str(new): "2025-04-02T00:00:00Z"}
    # Emails differ only in case and spaces: one account. An archived conversation is still in
    # the newest export, so it is not deleted.
    [deleted] = doc["deleted_between_exports"]
    assert deleted["id"] == "deleted" and deleted["title"] == "Gone"
    assert (deleted["last_seen_in"], deleted["missing_from"]) == (str(old), str(new))
    assert deleted["window"] == {"from": "2025-03-02T00:00:00Z", "until": "2025-04-02T00:00:00Z"}
    assert [n["rule"] for n in deleted["notices"]] == ["retention.deleted"]
    assert "within 30 days" in deleted["notices"][0]["message"]


def test_an_email_with_other_case_and_spaces_picks_the_same_profile(run, tmp_path: Path) -> None:
    run("account", "add", "me", "--plan", "enterprise", "--email", "me@example.com")
    paths = _window_exports(tmp_path, at(2025, 6, 1), at(2025, 7, 1), " ME@example.com")
    doc = run("check", *paths, "--json").json()
    assert [e["account"] for e in doc["exports"]] == ["me", "me"]
    # Enterprise was not under the preservation order; deletion still takes up to 30 days.
    assert [n["rule"] for n in doc["deleted_between_exports"][0]["notices"]] == ["retention.deleted"]


def test_deleted_titles_are_redacted_everywhere(run, old_and_new: tuple[Path, Path]) -> None:
    old, new = map(str, old_and_new)
    doc = run("check", old, new, "--json", "--redact").json()
    assert [d["title"] for d in doc["deleted_between_exports"]] == [None]
    text = run("check", old, new, "--redact").stdout
    assert "Deleted since your earlier export (1):" in text and "(hidden) (deleted)" in text
    assert "Gone" not in text
    page = run("report", old, new, "--redact", "-o", "-").stdout
    assert "Deleted since your earlier export" in page and "Gone" not in page
    page = run("report", old, new, "-o", "-").stdout
    section = re.search(r'<section id="deleted">.*?</section>', page, re.S)
    assert section and "<td>Gone</td>" in section.group(0) and "retention.deleted" in section.group(0)
    assert page.count('<tr class="') == 5  # each conversation once in the report too
    assert 'again)</th><td class="num">3</td>' in page  # and the copies dropped, counted


def _window_exports(tmp_path: Path, last_seen: float, missing_from: float, plan_email: str) -> list[str]:
    """An old export whose latest time is `last_seen`, a newer one whose latest is
    `missing_from`, the conversation `d` only in the old one."""
    old = write_export(tmp_path / f"o{last_seen}", [conv("d", "Deleted", last_seen)], email=plan_email)
    new = write_export(tmp_path / f"n{missing_from}", [conv("x", "Other", missing_from)], email=plan_email)
    return [str(old), str(new)]


@pytest.mark.parametrize(("last_seen", "missing_from", "notice"), [
    (at(2025, 1, 1), at(2025, 5, 13), True),  # the window ends on the order's first moment
    (at(2025, 1, 1), at(2025, 5, 13) - 1, False),  # ... one second before it
    (at(2025, 9, 26) - 1, at(2025, 12, 1), True),  # the window starts in its last second
    (at(2025, 9, 26), at(2025, 12, 1), False),  # ... once the obligations had ended
    (at(2025, 6, 1), at(2025, 7, 1), True),  # inside it
])
def test_preservation_notice_at_both_boundaries(run, tmp_path: Path, last_seen: float,
                                                 missing_from: float, notice: bool) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    doc = run("check", *_window_exports(tmp_path, last_seen, missing_from, "me@example.com"),
              "--json").json()
    [deleted] = doc["deleted_between_exports"]
    rules = [n["rule"] for n in deleted["notices"]]
    assert rules == (["retention.deleted", "retention.preservation_order"] if notice
                     else ["retention.deleted"])


@pytest.mark.parametrize(("plan", "notice"), [("plus", True), ("team", True), ("business", True),
                                               ("enterprise", False), ("edu", False), (None, True)])
def test_preservation_notice_by_plan(plan: str | None, notice: bool) -> None:
    inside = datetime(2025, 6, 1, tzinfo=timezone.utc)
    rules = [n.rule for n in deletion_notices(inside, inside, plan)]
    assert ("retention.preservation_order" in rules) is notice and rules[0] == "retention.deleted"


def test_two_accounts_side_by_side_are_never_compared(run, tmp_path: Path) -> None:
    a_old = write_export(tmp_path / "a1", [conv("a-1", "A one", at(2025, 1, 1)),
                                           conv("a-2", "A two", at(2025, 1, 2))], email="a@example.com")
    a_new = write_export(tmp_path / "a2", [conv("a-2", "A two", at(2025, 1, 2)),
                                           conv("a-3", "A three", at(2025, 3, 1))], email="a@example.com")
    b = write_export(tmp_path / "b", [conv("b-1", "B one", at(2025, 6, 1))], email="b@example.com")
    no_email = write_export(tmp_path / "n", [conv("n-1", "No user.json", at(2025, 7, 1))])
    doc = run("check", str(a_old), str(b), str(no_email), str(a_new), "--json").json()
    assert sorted(by_id(doc)) == ["a-1", "a-2", "a-3", "b-1", "n-1"]
    # Only account a has two exports: a-1 is deleted there; b's and the unnamed export's
    # conversations are not "deleted" from a's newer export, nor a's from theirs.
    assert [(d["id"], d["missing_from"]) for d in doc["deleted_between_exports"]] == [("a-1", str(a_new))]
    # The same --account makes exports without user.json comparable.
    run("account", "add", "me", "--plan", "plus")
    first = write_export(tmp_path / "m1", [conv("m-1", "M", at(2025, 1, 1))])
    second = write_export(tmp_path / "m2", [conv("m-2", "M2", at(2025, 2, 1))])
    assert run("check", str(first), str(second), "--json").json()["deleted_between_exports"] == []
    flagged = run("check", str(first), str(second), "--account", "me", "--json").json()
    assert [d["id"] for d in flagged["deleted_between_exports"]] == ["m-1"]


def test_notes_are_printed_once_per_run(run, tmp_path: Path) -> None:
    one = write_export(tmp_path / "1", [conv("c1", "One", at(2025, 1, 1))], email="x@example.com")
    two = write_export(tmp_path / "2", [conv("c2", "Two", at(2025, 1, 2))], email="y@example.com")
    result = run("check", str(one), str(two), str(one))
    assert result.stderr.count("gptpriv: note:") == 1
    assert f"no account profile for {one}, {two}, {one}" in result.stderr


def test_standard_input_with_other_inputs(run, tmp_path: Path) -> None:
    # Standard input is read once, like every input: the second pass replays its facts.
    first = conv("c1", "One", at(2025, 1, 1))
    export = write_export(tmp_path / "e", [first, conv("c2", "Two", at(2025, 1, 2))])
    piped = dumps([conv("c1", "One, renamed", at(2025, 1, 1), at(2025, 2, 1))])
    doc = run("check", str(export), "-", "--json", input=piped).json()
    found = by_id(doc)
    assert sorted(found) == ["c1", "c2"] and found["c1"]["title"] == "One, renamed"
    assert found["c1"]["export"] == "-" and doc["summary"]["duplicates"] == 1


def test_malformed_conversations_are_reported_once_in_a_two_pass_run(run, tmp_path: Path) -> None:
    good = conv("c1", "One", at(2025, 1, 1))
    export = tmp_path / "conversations.json"
    export.write_text(dumps([good, {**conv("c2", "Two", at(2025, 1, 2)), "create_time": True}]))
    other = write_export(tmp_path / "o", [conv("c3", "Three", at(2025, 1, 3))])
    doc = run("check", str(export), str(other), "--json").json()
    assert doc["summary"]["skipped"] == 1 and sorted(by_id(doc)) == ["c1", "c3"]
