"""One call, one disclosure (RULES.md): a call's approval prompt, the user's answer and the
tool's result are one chain of nodes, never a second call; a declined call sent nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gptpriv.export import ExportReader, Facts

from export_builder import ConversationBuilder, message, write_export

T0 = datetime(2024, 6, 1, tzinfo=UTC).timestamp()
GPT = "g-681c8e39d12c81918c7c9723fea1e4fb"


def facts_of(path: Path) -> list[Facts]:
    found = list(ExportReader(str(path)).conversations())
    assert all(isinstance(f, Facts) for f in found)
    return found  # type: ignore[return-value]


def one_call(tmp_path: Path, conversation: dict) -> Facts:
    [facts] = facts_of(write_export(tmp_path, [conversation]))
    return facts


def action_conversation(cid: str = "c-1", **action: object) -> ConversationBuilder:
    c = ConversationBuilder(cid, "Chain", T0, gizmo_id=GPT, gizmo_type="gpt")
    c.turn("book it", "sure", gizmo_id=GPT)
    c.action("api.flights.example", "bookFlight", GPT, method="post", consequential=True, **action)
    c.add(message(str(uuid.uuid4()), "assistant", T0 + 99, text="done", metadata={"gizmo_id": GPT}))
    return c


@pytest.mark.parametrize(("approval", "sent"), [("allow", True), ("always_allow", True), ("deny", False)])
def test_approval_chain_is_one_call(tmp_path: Path, approval: str, sent: bool) -> None:
    facts = one_call(tmp_path, action_conversation(approval=approval).build())
    [call] = facts.conversation.calls
    assert (call.kind, call.party, call.operation, call.approval, call.sent) == (
        "action", "api.flights.example", "bookFlight", approval, sent)
    assert call.consequential is True and call.gpt_id == GPT


def test_oauth_prompt_then_result_is_one_call(tmp_path: Path) -> None:
    [call] = one_call(tmp_path, action_conversation(oauth=True).build()).conversation.calls
    assert (call.party, call.approval, call.sent) == ("api.flights.example", None, True)


def test_call_without_prompt_is_one_call_and_sent(tmp_path: Path) -> None:
    [call] = one_call(tmp_path, action_conversation().build()).conversation.calls
    assert (call.party, call.approval, call.sent) == ("api.flights.example", None, True)


def test_prompt_never_answered_sent_nothing(tmp_path: Path) -> None:
    c = action_conversation(approval="allow")
    # Remove the answer and the result: the chain ends at the prompt.
    prompt = next(k for k, n in c.mapping.items() if n["message"] and n["message"]["author"]["role"] == "tool")
    for key in [k for k, n in c.mapping.items() if n["parent"] == prompt]:
        below = [k2 for k2, n2 in c.mapping.items() if n2["parent"] == key]
        for k2 in below:
            del c.mapping[k2]
        del c.mapping[key]
    [call] = one_call(tmp_path, c.build()).conversation.calls
    assert (call.approval, call.sent) == (None, False)


def test_calls_in_a_row_each_take_their_own_answer(tmp_path: Path) -> None:
    c = ConversationBuilder("c-row", "Row", T0, gizmo_id=GPT, gizmo_type="gpt")
    c.turn("go", "ok", gizmo_id=GPT)
    for approval in ("allow", "deny", "always_allow", None):
        c.action("api.flights.example", "bookFlight", GPT, approval=approval)
    facts = one_call(tmp_path, c.build())
    assert [(x.approval, x.sent) for x in facts.conversation.calls] == [
        ("allow", True), ("deny", False), ("always_allow", True), (None, True)]


def drop_call(c: ConversationBuilder) -> None:
    """A trimmed export: the assistant's call node is gone, its chain is left."""
    call = next(k for k, n in c.mapping.items()
                if n["message"] and "__jit_plugin." in n["message"]["recipient"])
    parent = c.mapping[call]["parent"]
    for node in c.mapping.values():
        if node["parent"] == call:
            node["parent"] = parent
    del c.mapping[call]


@pytest.mark.parametrize(("approval", "sent"), [("allow", True), ("deny", False), (None, True)])
def test_trimmed_call_is_still_one_call(tmp_path: Path, approval: str | None, sent: bool) -> None:
    c = action_conversation(approval=approval)
    drop_call(c)
    [call] = one_call(tmp_path, c.build()).conversation.calls
    assert (call.kind, call.party, call.approval, call.sent) == ("action", "api.flights.example", approval, sent)


def without_children(conversation: dict) -> dict:
    for node in conversation["mapping"].values():
        del node["children"]
    return conversation


def test_chain_found_without_children(tmp_path: Path) -> None:
    c = ConversationBuilder("c-2026", "Thin nodes", T0, gizmo_id=GPT, gizmo_type="gpt")
    c.turn("go", "ok", gizmo_id=GPT)
    c.action("api.flights.example", "bookFlight", GPT, approval="always_allow")
    c.action("api.flights.example", "bookFlight", GPT, approval="deny")
    facts = one_call(tmp_path, without_children(c.build()))
    assert [(x.approval, x.sent) for x in facts.conversation.calls] == [("always_allow", True), ("deny", False)]
    assert facts.messages == len(c.mapping) - 1  # every message but the root's empty node


def test_plugin_result_chain_is_one_call(tmp_path: Path) -> None:
    c = ConversationBuilder("c-plugin", "Plugin", T0)
    c.plugin("Wolfram", "getWolframAlphaResults")
    result = c.mapping[c.last]["message"]
    # A second tool message below the result, as a tool that answers in two parts writes it.
    c.add(message(str(uuid.uuid4()), "tool", T0 + 5, name=result["author"]["name"], text="more",
                  metadata=result["metadata"]))
    c.turn("thanks", "you're welcome")
    [call] = one_call(tmp_path, c.build()).conversation.calls
    assert (call.kind, call.party, call.operation, call.sent) == ("plugin", "Wolfram", "getWolframAlphaResults", True)


def test_connector_result_chain_is_one_call(tmp_path: Path) -> None:
    c = ConversationBuilder("c-conn", "Connector", T0)
    c.connector("Deep Research App", "start")
    result = c.mapping[c.last]["message"]
    c.add(message(str(uuid.uuid4()), "tool", T0 + 5, name="api_tool", text="more", metadata=result["metadata"]))
    c.turn("thanks", "ok")
    [call] = one_call(tmp_path, c.build()).conversation.calls
    assert (call.kind, call.party, call.operation, call.sent) == ("connector", "Deep Research App", "start", True)


# -- what the user sees ------------------------------------------------------------------------


@pytest.fixture
def denied_export(tmp_path: Path) -> Path:
    denied = action_conversation("c-denied", approval="deny").build()
    allowed = action_conversation("c-allowed", approval="allow").build()
    return write_export(tmp_path / "x", [denied, allowed])


def test_json_lists_declined_call_but_does_not_count_it(run, denied_export: Path) -> None:
    doc = run("check", str(denied_export), "--json").json()
    by_id = {c["id"]: c["third_parties"] for c in doc["conversations"]}
    assert [(d["consent"], d["sent"]) for d in by_id["c-denied"]] == [("deny", False)]
    assert [(d["consent"], d["sent"]) for d in by_id["c-allowed"]] == [("allow", True)]
    assert doc["summary"]["third_parties"] == {"api.flights.example": 1}


def test_fail_on_disclosure_ignores_declined_calls(run, tmp_path: Path) -> None:
    only_denied = write_export(tmp_path / "d", [action_conversation(approval="deny").build()])
    assert run("check", str(only_denied), "--fail-on", "disclosure", ok=False).exit_code == 0
    allowed = write_export(tmp_path / "a", [action_conversation(approval="allow").build()])
    assert run("check", str(allowed), "--fail-on", "disclosure", ok=False).exit_code == 1


def test_text_says_declined_nothing_sent(run, denied_export: Path) -> None:
    out = run("check", str(denied_export), "--explain").stdout
    assert "consent: deny (declined, nothing sent)" in out
    assert "consent: allow;" in out
    assert out.count("api.flights.example (declined, nothing sent)") == 1  # the table's column
    assert "Third parties: api.flights.example (1 call)" in out


def test_report_says_declined_nothing_sent(run, tmp_path: Path, denied_export: Path) -> None:
    out = tmp_path / "r.html"
    run("report", str(denied_export), "-o", str(out))
    html = out.read_text()
    assert "api.flights.example (declined, nothing sent)</td><td>" in html  # the conversation row
    assert '<td class="num">1 (1 declined, nothing sent)</td>' in html  # the third-party table
