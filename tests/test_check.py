"""`gptpriv check` on real export samples and on hand-built exports of every shape."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import zipfile
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import msgspec
import pytest

from gptpriv.export import ExportError, ExportReader, Facts, Skipped, schema
from gptpriv.export.facts import conversation_reader
from gptpriv.export.stream import Broken

from conftest import REAL_EXPORTS
from export_builder import ConversationBuilder, dumps, write_export

REAL = sorted(REAL_EXPORTS.glob("*.json"))
T0 = datetime(2024, 6, 1, tzinfo=timezone.utc).timestamp()
GPT = "g-681c8e39d12c81918c7c9723fea1e4fb"


def facts_of(path: Path | str) -> list[Facts | Skipped]:
    return list(ExportReader(str(path)).conversations())


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_every_real_sample_parses(path: Path) -> None:
    expected = json.loads(path.read_text())
    expected = expected if isinstance(expected, list) else [expected]
    found = facts_of(path)
    assert all(isinstance(f, Facts) for f in found)
    assert [f.id for f in found] == [c.get("conversation_id") or c.get("id") for c in expected]
    assert [f.title for f in found] == [c.get("title") for c in expected]


def test_real_2023_plugin_call() -> None:
    [facts] = facts_of(REAL_EXPORTS / "my_chat_gpt-2023-plugin-call.json")
    calls = facts.conversation.calls
    assert [(c.kind, c.party, c.operation) for c in calls] == [("plugin", "show_me", "get_MermaidRoute")]
    assert facts.conversation.gpt_ids == () and facts.tools == {}


def test_real_2024_python_tool_is_builtin() -> None:
    [facts] = facts_of(REAL_EXPORTS / "chatgpt2graph-2024-python-tool.json")
    assert facts.conversation.calls == () and facts.tools == {"python": 11}
    assert facts.create_time and facts.create_time.year == 2023


def test_real_2025_sparse_entries_survive() -> None:
    found = facts_of(REAL_EXPORTS / "librechat-2025-modern-fields.json")
    assert len(found) == 3 and all(isinstance(f, Facts) for f in found)
    assert found[1].messages == 0  # the entry with no mapping


def test_real_single_object_and_web_run() -> None:
    [facts] = facts_of(REAL_EXPORTS / "chatgpt-exporter-2026-single-conversation.json")
    assert facts.tools == {"web": 2} and facts.conversation.calls == ()


def gpt_conversation(cid: str = "c-gpt") -> dict:
    c = ConversationBuilder(cid, "With a GPT", T0, gizmo_id=GPT, gizmo_type="gpt")
    c.turn("hello", "hi", gizmo_id=GPT)
    c.action("api.flights.example", "bookFlight", GPT, method="post", consequential=True,
             privacy_policy="https://flights.example/p", approval="always_allow")
    return c.build()


def test_action_call_with_approval_node(tmp_path: Path) -> None:
    [facts] = facts_of(write_export(tmp_path, [gpt_conversation()]))
    assert facts.conversation.gpt_ids == (GPT,)
    [call] = facts.conversation.calls
    assert (call.kind, call.domain, call.operation, call.method, call.consequential, call.approval) == (
        "action", "api.flights.example", "bookFlight", "POST", True, "always_allow")
    assert call.privacy_policy == "https://flights.example/p" and call.gpt_id == GPT


def test_at_mention_project_and_memory(tmp_path: Path) -> None:
    c = ConversationBuilder("c-mention", "Mention", T0)  # template id null: a normal chat
    c.turn("@gpt do it", "done", gizmo_id=GPT)
    c.tool("bio", "User likes tea", "Model set context updated.")
    mention = c.build()
    p = ConversationBuilder("c-proj", "Project", T0, gizmo_id="g-p-abc", gizmo_type="snorlax")
    p.turn("x", "y", gizmo_id="g-p-abc")
    f_mention, f_project = facts_of(write_export(tmp_path, [mention, p.build()]))
    assert f_mention.conversation.gpt_ids == (GPT,) and f_mention.memory_writes == 1
    assert f_mention.conversation.sources[f"gpt:{GPT}"] == "export message metadata `gizmo_id`"
    assert f_project.conversation.gpt_ids == () and f_project.conversation.project_ids == ("g-p-abc",)


def test_connector_and_plugin(tmp_path: Path) -> None:
    c = ConversationBuilder("c-conn", "Apps", T0)
    c.connector("Deep Research App", "start")
    c.plugin("Wolfram", "getWolframAlphaResults")
    [facts] = facts_of(write_export(tmp_path, [c.build()]))
    assert sorted((x.kind, x.party, x.operation) for x in facts.conversation.calls) == [
        ("connector", "Deep Research App", "start"), ("plugin", "Wolfram", "getWolframAlphaResults")]


def test_feedback_joins_on_message_or_dashless_conversation_id(tmp_path: Path) -> None:
    a = ConversationBuilder("11111111-2222-3333-4444-555555555555", "A", T0)
    a.turn("q", "a")
    b = ConversationBuilder("c-b", "B", T0)
    b.turn("q", "a")
    liked = b.last
    c = ConversationBuilder("c-c", "C", T0)
    c.turn("q", "a")
    feedback = [{"conversation_id": "11111111222233334444555555555555", "message_id": "x", "rating": "thumbsDown"},
                {"conversation_id": "zzz", "message_id": liked, "rating": "thumbsUp"}]
    found = facts_of(write_export(tmp_path, [a.build(), b.build(), c.build()], feedback=feedback))
    assert [f.conversation.feedback for f in found] == [True, True, False]


# -- every input shape, through the CLI -----------------------------------------------------


@pytest.fixture
def export_convs() -> list[dict]:
    plain = ConversationBuilder("c-plain", "Plain", T0)
    plain.turn("q", "a")
    return [plain.build(), gpt_conversation()]


def ids(doc: dict) -> list[str]:
    return [c["id"] for c in doc["conversations"]]


def test_zip_folder_shards_object_stdin_agree(run, tmp_path: Path, export_convs) -> None:
    folder = write_export(tmp_path / "folder", export_convs, email="me@example.com")
    archive = write_export(tmp_path / "z", export_convs, email="me@example.com", zip_name="export.zip")
    sharded = write_export(tmp_path / "shards", export_convs, shards=2)
    sharded_zip = write_export(tmp_path / "zs", export_convs, shards=2, zip_name="s.zip")
    single = tmp_path / "one.json"
    single.write_text(dumps(export_convs[1]))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(dumps({"conversations": export_convs}))
    expected = ["c-plain", "c-gpt"]
    for path in (folder, archive, sharded, sharded_zip, folder / "conversations.json", wrapped):
        assert ids(run("check", str(path), "--json").json()) == expected, path
    assert ids(run("check", str(single), "--json").json()) == ["c-gpt"]
    stdin = (folder / "conversations.json").read_text()
    assert ids(run("check", "-", "--json", input=stdin).json()) == expected
    doc = run("check", str(folder), str(single), "--json").json()
    # c-gpt is in both inputs with the same update_time: counted once, the later input's copy.
    assert ids(doc) == expected and len(doc["exports"]) == 2 and doc["summary"]["duplicates"] == 1
    assert [c["export"] for c in doc["conversations"]] == [str(folder), str(single)]


def test_a_wrongly_typed_single_object_is_skipped_with_the_array_wording(run, tmp_path: Path,
                                                                         export_convs) -> None:
    single = tmp_path / "one.json"
    single.write_text(dumps({**export_convs[1], "create_time": True}))
    in_array = tmp_path / "conversations.json"
    in_array.write_text(dumps([{**export_convs[1], "create_time": True}]))
    errors = [run("check", str(p), "--json").json()["summary"]["errors"] for p in (single, in_array)]
    assert errors[0][0]["message"] == errors[1][0]["message"]
    assert errors[0][0]["message"].startswith("expected `float | str | null`")


def test_json_contract_and_account_from_user_json(run, tmp_path: Path, export_convs) -> None:
    run("account", "add", "other", "--plan", "free")
    run("account", "add", "me", "--plan", "plus", "--email", "Me@Example.com")
    run("account", "opt-out", "me", "--at", "2024-05-01")
    run("gpt", "create", "travel", "--id", GPT)
    run("gpt", "action", "add", "travel", "api.flights.example", "--operation", "bookFlight:consequential")
    doc = run("check", str(write_export(tmp_path, export_convs, email="me@example.com")), "--json").json()
    assert doc["schema_version"] == 1 and doc["account"] == "me"
    assert "user.json" in doc["exports"][0]["account_reason"]
    assert set(doc["summary"]) >= {"total", "eligible", "not_eligible", "undetermined", "skipped", "errors"}
    assert doc["summary"]["total"] == 2 and doc["summary"]["not_eligible"] == 2
    gpt_row = doc["conversations"][1]
    assert set(gpt_row) >= {"id", "title", "create_time", "gpt_ids", "verdict", "reasons", "third_parties"}
    assert gpt_row["create_time"] == "2024-06-01T00:00:00Z" and gpt_row["gpt_ids"] == [GPT]
    [call] = gpt_row["third_parties"]
    assert {k: call[k] for k in ("rule", "domain", "operation", "consequential", "privacy_policy",
                                 "consent", "flags")} == {
        "rule": "disclosure.action", "domain": "api.flights.example", "operation": "bookFlight",
        "consequential": True, "privacy_policy": "https://flights.example/p",
        "consent": "always_allow", "flags": []}
    assert call["time"] == "2024-06-01T00:00:40Z"


def test_unmatched_email_is_not_guessed(run, tmp_path: Path, export_convs) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    doc = run("check", str(write_export(tmp_path, export_convs, email="stranger@example.com")),
              "--json").json()
    assert doc["account"] is None
    assert {c["verdict"] for c in doc["conversations"]} == {"undetermined"}


def test_newcomer_gets_an_answer_and_a_hint(run, tmp_path: Path, export_convs) -> None:
    result = run("check", str(write_export(tmp_path, export_convs, email="me@example.com")))
    assert "undetermined" in result.stdout
    assert "gptpriv setup --from-export" in result.stderr


def test_account_add_from_export(run, tmp_path: Path, export_convs) -> None:
    path = write_export(tmp_path / "a", export_convs, email="me@example.com", plus=True, zip_name="e.zip")
    run("account", "add", "me", "--from-export", str(path))
    doc = run("account", "show", "me", "--json").json()
    assert doc["email"] == "me@example.com" and doc["plan"] == "plus"
    path = write_export(tmp_path / "b", export_convs, email="x@example.com", plus=False)
    run("account", "add", "x", "--from-export", str(path))
    assert run("account", "show", "x", "--json").json()["plan"] is None  # never guessed


def test_filters_explain_redact_and_jsonl(run, tmp_path: Path, export_convs) -> None:
    run("account", "add", "me", "--plan", "plus")
    path = str(write_export(tmp_path, export_convs))
    assert ids(run("check", path, "--gpt", GPT, "--json").json()) == ["c-gpt"]
    assert ids(run("check", path, "--verdict", "eligible", "--json").json()) == ["c-plain"]
    assert ids(run("check", path, "--since", "2024-06-02", "--json").json()) == []
    assert ids(run("check", path, "--until", "2024-06-02", "--json").json()) == ["c-plain", "c-gpt"]
    explained = run("check", path, "--explain", "--id", "c-gpt").stdout
    assert "gpt.builder_setting_unknown" in explained and "disclosure.action: api.flights.example" in explained
    redacted = run("check", path, "--redact", "--explain").stdout + run("check", path, "--redact", "--json").stdout
    assert "With a GPT" not in redacted and "Plain" not in redacted
    lines = run("check", path, "--jsonl").stdout.splitlines()
    assert [json.loads(x).get("id") for x in lines[:2]] == ["c-plain", "c-gpt"]
    assert json.loads(lines[-1])["summary"]["total"] == 2


def test_fail_on_exit_codes(run, tmp_path: Path, export_convs) -> None:
    run("account", "add", "me", "--plan", "plus")
    path = str(write_export(tmp_path, export_convs))
    assert run("check", path, "--fail-on", "eligible", ok=False).exit_code == 1
    assert run("check", path, "--fail-on", "disclosure", ok=False).exit_code == 1
    assert run("check", path, "--fail-on", "undetermined", ok=False).exit_code == 1
    assert run("check", path, "--verdict", "eligible", "--fail-on", "disclosure").exit_code == 0
    assert run("check", path, "--fail-on", "nothing", ok=False).exit_code == 2


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"hello", "not JSON"),
    (b'{"user": 1}', "neither `mapping` nor `conversations`"),
    (b'[{"title": "x", "mapping": {}, "id": "a"}, {"title": "y"', "truncated"),
    (b'{"title": "x", "mapping": {', "truncated"),
])
def test_bad_files_are_one_line_exit_2(run, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "conversations.json"
    path.write_bytes(content)
    result = run("check", str(path), "--json", ok=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and message in result.stderr


def test_zip_without_conversations_and_missing_path(run, tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("user.json", "{}")
    result = run("check", str(path), ok=False)
    assert result.exit_code == 2 and "holds no conversations.json" in result.stderr
    result = run("check", str(tmp_path / "nope.zip"), ok=False)
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_malformed_conversation_is_skipped_and_the_rest_checked(run, tmp_path: Path, export_convs) -> None:
    good = [dumps(c) for c in export_convs]
    broken_json = '{"title": "bad", "mapping": {"n": {"message": }}, "id": "bad1"}'
    wrong_type = '{"title": "bad2", "create_time": [1], "mapping": {}, "id": "bad2"}'
    text = "[" + ", ".join([good[0], broken_json, wrong_type, good[1]]) + "]"
    path = tmp_path / "conversations.json"
    path.write_text(text)
    doc = run("check", str(path), "--json").json()
    assert ids(doc) == ["c-plain", "c-gpt"]
    errors = doc["summary"]["errors"]
    assert [e["index"] for e in errors] == [1, 2] and doc["summary"]["skipped"] == 2
    assert errors[0]["offset"] == text.index(broken_json)
    assert "malformed" in errors[0]["message"] and "expected `float | str | null`" in errors[1]["message"]


def small_reader(data: bytes, chunk: int) -> list:
    stream = io.BytesIO(data)
    return list(conversation_reader(stream.read, chunk=chunk))


@pytest.mark.parametrize("chunk", [64, 257, 1024, 10_000])
def test_chunk_boundaries_give_the_same_conversations(chunk: int, export_convs) -> None:
    nested = ConversationBuilder("c-nested", 'tricky }, {"title": "x"} text', T0)
    nested.turn('a "quoted" }, { thing', "[{}, {}]")
    convs = export_convs * 5 + [nested.build()]
    data = dumps(convs).encode()
    got = small_reader(data, chunk)
    assert not [g for g in got if isinstance(g, Broken)]
    assert [g.value.id for g in got] == [c["id"] for c in convs]
    assert [g.index for g in got] == list(range(len(convs)))


def test_pretty_printed_and_bom(export_convs) -> None:
    data = b"\xef\xbb\xbf" + json.dumps(export_convs, indent=2).encode()
    assert [g.value.id for g in small_reader(data, 100)] == ["c-plain", "c-gpt"]


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("size", [0, 1, 300_000])
def test_zip_members_read_as_zipfile_reads_them(tmp_path: Path, method: int, size: int) -> None:
    from gptpriv.export.sources import ZipMember

    data = json.dumps([{"id": i, "t": "é}, {" * (i % 7)} for i in range(size // 20)]).encode()[:size]
    path = tmp_path / "e.zip"
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("conversations.json", data)
        info = archive.getinfo("conversations.json")
    for block in (1, 4096, -1):
        with ZipMember(path, info) as member:
            out = member.read() if block < 0 else b"".join(iter(partial(member.read, block), b""))
        assert out == data


def test_a_damaged_zip_member_is_one_line(tmp_path: Path, run, export_convs) -> None:
    path = tmp_path / "e.zip"
    data = dumps(export_convs * 50).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", data)
        info = archive.getinfo("conversations.json")
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename)
    for position in (start + info.compress_size // 2, start + 40):
        damaged = bytearray(raw)
        damaged[position] ^= 0x55
        target = tmp_path / f"damaged-{position}.zip"
        target.write_bytes(damaged)
        result = run("check", str(target), "--json", ok=False)
        assert result.exit_code == 2 and result.stdout == ""
        assert "the ZIP member is damaged" in result.stderr and len(result.stderr.splitlines()) == 1
    # A header that says the member is shorter than it is: no more than that comes out.
    short = bytearray(raw)
    central = raw.rindex(b"PK\x01\x02")
    for at in (info.header_offset + 22, central + 24):  # uncompressed size, local and central
        short[at:at + 4] = (len(data) // 2).to_bytes(4, "little")
    target = tmp_path / "short.zip"
    target.write_bytes(short)
    result = run("check", str(target), ok=False)
    assert result.exit_code == 2 and "damaged" in result.stderr


def test_encrypted_and_bomb_members_are_refused(tmp_path: Path, run) -> None:
    from gptpriv.export import sources

    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", b"[" + b" " * (40 * 1024 * 1024) + b"]")
    result = run("check", str(path), ok=False)
    assert result.exit_code == 2 and "ZIP bomb" in result.stderr
    assert sources.MAX_RATIO < 1000
    enc = tmp_path / "enc.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("conversations.json", "[]")
    raw = bytearray(buffer.getvalue())
    # Set the "encrypted" flag bit in the local and central headers.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.index(signature) + offset
        raw[at] |= 1
    enc.write_bytes(bytes(raw))
    result = run("check", str(enc), ok=False)
    assert result.exit_code == 2 and "encrypted" in result.stderr


def test_path_traversal_member_names_are_not_read(tmp_path: Path, run) -> None:
    path = tmp_path / "t.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../conversations.json", "[]")
    result = run("check", str(path), ok=False)
    assert result.exit_code == 2 and "holds no conversations.json" in result.stderr
    assert not (tmp_path.parent.parent / "conversations.json").exists()


def test_message_text_is_never_printed(run, tmp_path: Path) -> None:
    marker = "SECRET-MARKER-7f3a"
    c = ConversationBuilder("c-secret", "Title", T0, gizmo_id=GPT, gizmo_type="gpt")
    c.turn(f"{marker} user", f"{marker} assistant", gizmo_id=GPT)
    c.action("api.x.example", "op", GPT, params=json.dumps({"q": marker}), approval="allow")
    c.tool("bio", marker, marker)
    path = str(write_export(tmp_path, [c.build()]))
    outputs = [run("check", path, *args) for args in ([], ["--json"], ["--jsonl"], ["--explain"])]
    assert all(marker not in o.stdout + o.stderr for o in outputs)


def test_msgspec_error_kinds_that_the_stream_relies_on() -> None:
    decoder = msgspec.json.Decoder(list[schema.Conversation])
    with pytest.raises(msgspec.DecodeError, match="truncated"):
        decoder.decode(b'[{"title": "a", "x": [{"y": 1}]')
    with pytest.raises(msgspec.DecodeError, match=r"malformed.*\(byte \d+\)"):
        decoder.decode(b'[{"title": }]')


def parallel_sample(tmp_path: Path) -> Path:
    """60 small conversations (tricky text, Actions), one huge one, and one broken one."""
    many = []
    for i in range(60):
        c = ConversationBuilder(f"c-{i:03d}", f"T{i}", T0 + i, gizmo_id=GPT if i % 2 else None,
                                gizmo_type="gpt" if i % 2 else None)
        c.turn("q }, {\"title\": 1}", "a" * (4000 if i == 40 else 1))
        if i % 2:
            c.action("api.x.example", "op", GPT, approval="allow")
        many.append(dumps(c.build()))
    many.insert(31, '{"title": "broken", "mapping": {"x": }, "id": "bad"}')
    path = tmp_path / "conversations.json"
    path.write_text("[" + ", ".join(many) + "]")
    return path


def zipped_as_export(path: Path) -> Path:
    """`path` as the `conversations.json` of a deflated ZIP beside it."""
    archive = path.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "conversations.json")
    return archive


def ids_or_offsets(items: list[Facts | Skipped]) -> list[str | int | None]:
    """What must agree however an export was read: ids, and the offsets of skipped ones."""
    return [x.id if isinstance(x, Facts) else x.offset for x in items]


def test_parallel_read_matches_one_process(tmp_path: Path, small_units) -> None:
    from gptpriv.export import parallel

    path = parallel_sample(tmp_path)
    small_units(False)
    one = facts_of(path)
    small_units(True)
    plan = parallel.plan_file(path, path.stat().st_size)
    assert plan is not None and len(list(parallel._file_units(plan))) > 10
    two = facts_of(path)

    def comparable(items):  # offsets of good conversations are best effort, of skipped exact
        return [x._replace(offset=0) if isinstance(x, Facts) else x for x in items]

    assert comparable(two) == comparable(one)
    skipped = [x for x in two if isinstance(x, Skipped)]
    assert skipped[0].offset == path.read_text().index('{"title": "broken"')
    assert [type(x).__name__ for x in one].count("Skipped") == 1
    # Through shared slots, and the unit with the huge conversation as bytes.
    inflated = facts_of(zipped_as_export(path))
    assert ids_or_offsets(inflated) == ids_or_offsets(one)
    assert [x.index for x in inflated] == list(range(len(one)))


def test_standard_input_is_read_by_workers_when_long(tmp_path: Path, small_units, monkeypatch) -> None:
    from gptpriv.export import parallel

    path = parallel_sample(tmp_path)
    small_units(False)
    one = facts_of(path)
    small_units(True)
    units = []
    real_read_stream = parallel.read_stream
    monkeypatch.setattr(parallel, "read_stream", lambda *a: units.append(1) or real_read_stream(*a))
    with open(path, "rb") as stdin:
        piped = list(ExportReader("-", stdin).conversations())
    assert units, "the workers did not read it"
    assert ids_or_offsets(piped) == ids_or_offsets(one)
    assert [x.index for x in piped] == list(range(len(one)))
    # Shorter than the probe: read here, as before.
    monkeypatch.setattr(parallel, "STREAM_MIN_BYTES", path.stat().st_size)
    units.clear()
    with open(path, "rb") as stdin:
        assert [x.index for x in ExportReader("-", stdin).conversations()] == list(range(len(one)))
    assert not units


def without_fork(monkeypatch, methods: tuple[str, ...]) -> None:
    """Start methods as on an OS without fork: Windows has spawn only, others forkserver too."""
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: list(methods))


@pytest.mark.parametrize("methods", [None, ("spawn",)], ids=["default", "spawn"])
@pytest.mark.parametrize("zipped", [False, True])
def test_a_killed_worker_is_an_error_not_a_hang(tmp_path: Path, small_units, monkeypatch,
                                                zipped: bool, methods) -> None:
    import multiprocessing

    from gptpriv.export import parallel

    target = parallel_sample(tmp_path)
    if zipped:
        target = zipped_as_export(target)
    small_units(True)
    if methods:
        without_fork(monkeypatch, methods)
    segments = []  # named shared memory (not under fork), which must be unlinked
    real_memory = parallel.processes.SharedMemory

    def recorded(*args: object) -> object:
        memory = real_memory(*args)
        segments.append(memory.name)
        return memory

    monkeypatch.setattr(parallel.processes, "SharedMemory", recorded)

    def hangs(*_: object) -> None:
        raise AssertionError("the read hangs after the workers were killed")

    # An alarm, not a thread, watches for a hang: with a thread running, no worker is forked.
    previous = signal.signal(signal.SIGALRM, hangs)
    signal.alarm(30)
    try:
        with pytest.raises(ExportError) as caught:
            for number, _ in enumerate(ExportReader(str(target)).conversations()):
                if number == 0:  # as the OOM killer would; units are left, handed out or not
                    workers = multiprocessing.active_children()
                    assert workers
                    for worker in workers:
                        os.kill(worker.pid, signal.SIGKILL)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert re.search(r": byte \d+: a worker process was killed \(out of memory\?\)$", str(caught.value))
    assert not multiprocessing.active_children()
    assert len(segments) == (1 if zipped else 0)
    if zipped and methods:  # a named segment, gone
        assert segments[0] is not None
        if os.path.isdir("/dev/shm"):
            assert not os.path.exists(f"/dev/shm/{segments[0]}")


@pytest.mark.parametrize("methods", [("spawn",), ("forkserver", "spawn")], ids=["windows", "posix"])
def test_without_fork_the_workers_give_the_same_answers(run, tmp_path: Path, small_units,
                                                        monkeypatch, methods) -> None:
    from gptpriv.export import parallel

    path = parallel_sample(tmp_path)
    archive = zipped_as_export(path)
    small_units(False)

    def answers(target: Path) -> tuple[list, dict]:
        doc = run("check", str(target), "--json").json()
        for row in (*doc["conversations"], *doc["summary"]["errors"]):
            row.pop("export")  # the file or the ZIP member
        return doc["conversations"], doc["summary"]

    one = answers(path)
    assert one == answers(archive) and one[1]["skipped"] == 1
    small_units(True)
    without_fork(monkeypatch, methods)
    started = []
    real_start = parallel.processes.start
    monkeypatch.setattr(parallel.processes, "start",
                        lambda count, method, *a: started.append(method) or real_start(count, method, *a))
    assert answers(path) == one
    assert answers(archive) == one
    assert started == [methods[0]] * 2


@pytest.mark.parametrize("source", ["file", "zip", "stdin"])
def test_parallel_and_one_process_report_a_truncated_file_alike(tmp_path: Path, small_units,
                                                                source: str) -> None:
    truncated = tmp_path / "conversations.json"
    truncated.write_bytes(parallel_sample(tmp_path).read_bytes()[:-40])
    target = truncated
    if source == "zip":
        target = zipped_as_export(truncated)
    messages = []
    for processes in (True, False):
        small_units(processes)
        with pytest.raises(ExportError, match="truncated") as caught:
            if source == "stdin":
                with open(truncated, "rb") as stdin:
                    list(ExportReader("-", stdin).conversations())
            else:
                facts_of(target)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


def test_a_file_without_a_boundary_is_read_by_one_process(tmp_path: Path, small_units) -> None:
    from gptpriv.export import parallel

    # Keys in an order no export uses: no cut looks like the start of a conversation.
    convs = [{"zz": i, "mapping": {}, "id": f"c-{i}"} for i in range(400)]
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(convs))
    small_units(True)
    assert parallel.plan_file(path, path.stat().st_size) is None
    assert [f.id for f in facts_of(path)] == [f"c-{i}" for i in range(400)]


def test_stopping_early_ends_the_workers(tmp_path: Path, small_units) -> None:
    path = parallel_sample(tmp_path)
    archive = zipped_as_export(path)
    small_units(True)
    for target in (path, archive):
        items = ExportReader(str(target)).conversations()
        assert isinstance(next(items), Facts)
        items.close()  # must return: the task thread waiting for a slot is let go
    import multiprocessing

    assert not multiprocessing.active_children()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files in /proc")
@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_a_zip_read_leaves_no_file_open(tmp_path: Path, small_units, method: int) -> None:
    """The archive, its members and the shared slots are closed when read, not when collected."""
    source = parallel_sample(tmp_path)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", method) as z:
        z.write(source, "conversations.json")
        z.writestr("user.json", '{"email": "a@example.com"}')
    small_units(True)
    before = sorted(os.listdir("/proc/self/fd"))
    reader = ExportReader(str(archive))  # kept alive: nothing may wait for the GC
    assert len(list(reader.conversations())) == 61
    assert sorted(os.listdir("/proc/self/fd")) == before
