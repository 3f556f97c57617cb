"""The 2026 layout (EXPORT-FORMAT.md 10): shards listed in export_manifest.json, the other
new files, nodes without `children`, content types without `parts`, thin metadata."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gptpriv.export import ExportReader, Facts

from export_builder import ConversationBuilder, message, write_export

T0 = datetime(2026, 2, 1, tzinfo=UTC).timestamp()
GPT = "g-690bea44c36881919a061894beb5e57a"
LIBRARY = [{"file_id": "file_1", "library_file_category": "image"},
           {"file_id": "file_2", "library_file_category": "document"},
           {"file_id": "file_3", "library_file_category": "image", "trashed_at": "2026-01-02T00:00:00Z"},
           {"file_id": "file_4", "library_file_category": "image", "deleted_at": "2026-01-03T00:00:00Z"}]


def conversation_2026(i: int) -> dict:
    """A 2026 conversation: nodes without `children`, reasoning content without `parts`,
    user messages without metadata, and (every other one) an Action call with a prompt."""
    c = ConversationBuilder(f"c-{i:02d}", f"T{i}", T0 + i * 3600, gizmo_id=GPT if i % 2 else None,
                            gizmo_type="gpt" if i % 2 else None)
    c.turn("q", "a")
    c.add(message(str(uuid.uuid4()), "assistant", T0 + i * 3600 + 1))
    c.mapping[c.last]["message"]["content"] = {
        "content_type": "thoughts", "thoughts": [{"summary": "s", "content": "c", "chunks": [], "finished": True}]}
    c.add(message(str(uuid.uuid4()), "assistant", T0 + i * 3600 + 2))
    c.mapping[c.last]["message"]["content"] = {"content_type": "reasoning_recap", "content": "Thought for 2s"}
    c.add(message(str(uuid.uuid4()), "user", T0 + i * 3600 + 3))
    del c.mapping[c.last]["message"]["metadata"]
    if i % 2:
        c.action("api.trails.example", "searchTrails", GPT, approval="allow")
    conv = c.build()
    for node in conv["mapping"].values():
        del node["children"]
    for key in ("plugin_ids", "gizmo_id", "safe_urls"):  # absent at conversation level in 2026
        del conv[key]
    return conv


CONVERSATIONS = [conversation_2026(i) for i in range(12)]
SHARD = 4  # conversations per shard, with shards=3


def export(tmp_path: Path, zipped: bool, **changes: object) -> Path:
    return write_export(tmp_path / "x", CONVERSATIONS, email="me@example.com", shards=3,
                        layout_2026=True, library=LIBRARY,
                        zip_name="export.zip" if zipped else None, **changes)  # type: ignore[arg-type]


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("gptpriv: warning:")]


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_complete_2026_export(run, tmp_path: Path, zipped: bool) -> None:
    path = export(tmp_path, zipped)
    reader = ExportReader(str(path))
    found = list(reader.conversations())
    assert all(isinstance(f, Facts) for f in found)
    assert [f.id for f in found] == [c["id"] for c in CONVERSATIONS]
    # One call per Action conversation, through its prompt and the user's answer.
    assert [[(c.party, c.approval, c.sent) for c in f.conversation.calls] for f in found] == [
        [("api.trails.example", "allow", True)] if i % 2 else [] for i in range(12)]
    assert [f.messages for f in found] == [len(c["mapping"]) - 1 for c in CONVERSATIONS]
    assert found[1].conversation.gpt_ids == (GPT,)
    assert reader.problems == [] and reader.library_files == 2
    assert reader.manifest is not None and "conversations-002.json" in reader.manifest.files
    assert reader.manifest.requested_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert reader.manifest.requested_at_source.endswith("sites/export_manifest.json")
    result = run("check", str(path), "--json")
    assert warnings(result.stderr) == []
    summary = result.json()["summary"]
    assert (summary["total"], summary["skipped"], summary["errors"]) == (12, 0, [])
    assert summary["library_files"] == 2 and summary["third_parties"] == {"api.trails.example": 6}


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_missing_shard_is_warned_and_the_rest_counted(run, tmp_path: Path, zipped: bool) -> None:
    path = export(tmp_path, zipped, omit=("conversations-001.json",))
    result = run("check", str(path), "--json")
    [line] = warnings(result.stderr)
    assert "conversations-001.json" in line and "not in the export" in line
    doc = result.json()
    kept = CONVERSATIONS[:SHARD] + CONVERSATIONS[2 * SHARD:]
    assert [c["id"] for c in doc["conversations"]] == [c["id"] for c in kept]
    [error] = doc["summary"]["errors"]
    assert set(error) == {"file", "message"} and error["file"].endswith("conversations-001.json")
    assert doc["summary"]["total"] == 2 * SHARD and doc["summary"]["skipped"] == 0


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_cut_shard_is_warned_read_up_to_the_cut_and_the_rest_counted(run, tmp_path: Path, zipped: bool) -> None:
    whole = (export(tmp_path / "whole", False) / "conversations-001.json").stat().st_size
    path = export(tmp_path, zipped, cut={"conversations-001.json": whole * 3 // 4})
    result = run("check", str(path), "--json")
    [line] = warnings(result.stderr)
    assert "conversations-001.json" in line and f"export_manifest.json lists {whole}" in line
    assert "ends before the array is closed" in line
    doc = result.json()
    got = [c["id"] for c in doc["conversations"]]
    assert got[:SHARD] == [c["id"] for c in CONVERSATIONS[:SHARD]]
    assert got[-SHARD:] == [c["id"] for c in CONVERSATIONS[2 * SHARD:]]
    assert SHARD * 2 <= len(got) < SHARD * 3 and doc["summary"]["total"] == len(got)
    assert [set(e) for e in doc["summary"]["errors"]] == [{"file", "message"}]


def test_wrong_size_of_a_whole_shard_is_warned_and_read(run, tmp_path: Path) -> None:
    path = export(tmp_path, False)
    shard = path / "conversations-000.json"
    shard.write_text(shard.read_text() + "\n")  # complete, but not the size listed
    result = run("check", str(path), "--json")
    [line] = warnings(result.stderr)
    assert "conversations-000.json" in line and "bytes, export_manifest.json lists" in line
    assert result.json()["summary"]["total"] == 12


def test_text_output_warns_once_and_counts_the_library(run, tmp_path: Path) -> None:
    result = run("check", str(export(tmp_path, True, omit=("conversations-002.json",))))
    assert len(warnings(result.stderr)) == 1
    assert "8 conversations" in result.stdout and "Library: 2 files kept" in result.stdout


def test_unreadable_manifest_is_warned_and_the_export_read(run, tmp_path: Path) -> None:
    path = export(tmp_path, False)
    (path / "export_manifest.json").write_text('{"export_files": ')
    (path / "library_files.json").write_text('{"not": "a list"}')
    result = run("check", str(path), "--json")
    lines = warnings(result.stderr)
    assert len(lines) == 2 and "export_manifest.json" in lines[0] and "library_files.json" in lines[1]
    summary = result.json()["summary"]
    assert summary["total"] == 12 and summary["library_files"] is None


def test_export_without_manifest_has_no_library_count(run, tmp_path: Path) -> None:
    path = write_export(tmp_path / "old", CONVERSATIONS[:2])
    result = run("check", str(path), "--json")
    assert warnings(result.stderr) == [] and result.json()["summary"]["library_files"] is None
