"""Shared links, Memory and the next steps (RULES.md), on hand-built exports: what `check`,
`status` and `report` say a user can do, and where each conversation is found."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gptpriv.policy.resolver import Verdict
from gptpriv.policy.steps import STEPS, hits

from export_builder import ConversationBuilder, dumps, write_export

T0 = datetime(2024, 6, 1, tzinfo=timezone.utc).timestamp()
GPT = "g-681c8e39d12c81918c7c9723fea1e4fb"
IDS = [f"0000000{i}-aaaa-4000-8000-00000000000{i}" for i in range(8)]
GONE = "99999999-aaaa-4000-8000-000000000099"


def shares(*entries: tuple[str, str, str | None, bool | None]) -> list[dict]:
    return [{"id": sid, "conversation_id": cid, "title": title, "is_anonymous": anonymous}
            for sid, cid, title, anonymous in entries]


def plain(i: int, title: str = "New chat") -> ConversationBuilder:
    c = ConversationBuilder(IDS[i], title, T0 + i * 86400)
    c.turn("q", "a")
    return c


@pytest.fixture
def plus(run) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")


def test_shared_links_matched_unmatched_and_anonymous(run, tmp_path: Path, plus) -> None:
    shared = shares(("s-anon", IDS[0], "New chat", True), ("s-named", IDS[0], "New chat", False),
                    ("s-gone", GONE, "Deleted trip", None))
    for zipped in (None, "export.zip"):
        export = write_export(tmp_path / (zipped or "folder"), [plain(0).build(), plain(1).build()],
                              email="me@example.com", shared=shared, zip_name=zipped)
        doc = run("check", str(export), "--json").json()
        first, second = doc["conversations"]
        links = [d for d in first["third_parties"] if d["rule"] == "disclosure.shared_link"]
        assert [(d["party"], d["url"], d["anonymous"]) for d in links] == [
            ("anyone with the link", "https://chatgpt.com/share/s-anon", True),
            ("anyone with the link", "https://chatgpt.com/share/s-named", False)]
        assert all("2025-07-31" in d["note"] and "does not say" in d["note"] for d in links)
        assert second["third_parties"] == []
        summary = doc["summary"]
        assert summary["shared_links"] == 3
        assert summary["unmatched_shared_links"] == [
            {"url": "https://chatgpt.com/share/s-gone", "title": "Deleted trip", "anonymous": None}]
        assert summary["third_parties"] == {}  # a link is not a call


def test_shared_link_joins_an_id_written_without_dashes(run, tmp_path: Path, plus) -> None:
    shared = shares(("s-1", IDS[2].replace("-", "").upper(), "t", True))
    export = write_export(tmp_path / "e", [plain(2).build()], email="me@example.com", shared=shared)
    doc = run("check", str(export), "--json").json()
    assert doc["conversations"][0]["third_parties"][0]["url"] == "https://chatgpt.com/share/s-1"
    assert doc["summary"]["unmatched_shared_links"] == []


def test_no_shared_file_means_no_links(run, tmp_path: Path, plus) -> None:
    export = write_export(tmp_path / "e", [plain(0).build()], email="me@example.com")
    summary = run("check", str(export), "--json").json()["summary"]
    assert (summary["shared_links"], summary["unmatched_shared_links"]) == (0, [])


def test_fail_on_shared(run, tmp_path: Path, plus) -> None:
    convs = [plain(0).build()]
    none = write_export(tmp_path / "none", convs, email="me@example.com", shared=[])
    matched = write_export(tmp_path / "m", convs, email="me@example.com",
                           shared=shares(("s", IDS[0], "t", True)))
    gone = write_export(tmp_path / "g", convs, email="me@example.com",
                        shared=shares(("s", GONE, "t", True)))
    assert run("check", str(none), "--fail-on", "shared").exit_code == 0
    assert run("check", str(matched), "--fail-on", "shared", ok=False).exit_code == 1
    assert run("check", str(gone), "--fail-on", "shared", "--json", ok=False).exit_code == 1
    # `disclosure` is about calls to third parties: a shared link alone does not trip it.
    assert run("check", str(matched), "--fail-on", "disclosure").exit_code == 0


def test_memory_written_and_excluded(run, tmp_path: Path, plus) -> None:
    wrote = plain(0)
    wrote.memory("User is planning a trip")
    wrote.memory("User likes tea")
    wrote.tool("browser", 'search("x")', "results")
    excluded = plain(1).build()
    excluded["is_do_not_remember"] = True
    export = write_export(tmp_path / "e", [wrote.build(), excluded, plain(2).build()], email="me@example.com")
    first, second, third = run("check", str(export), "--json").json()["conversations"]
    assert first["memory_writes"] == 2 and first["tools"] == {"bio": 2, "browser": 1}
    written = [n for n in first["notices"] if n["rule"] == "memory.written"]
    assert len(written) == 1 and "2 `bio` calls" in written[0]["message"]
    assert "Settings > Personalization > Memory" in written[0]["message"]
    assert [n["rule"] for n in second["notices"]] == ["memory.excluded"]
    assert third["notices"] == []
    explain = run("check", str(export), "--explain", "--id", IDS[0]).stdout
    assert "memory.written" in explain and "memory 2, browsing 1" in explain
    assert f"open: https://chatgpt.com/c/{IDS[0]}" in explain


def test_conversation_url_in_json(run, tmp_path: Path, plus) -> None:
    export = write_export(tmp_path / "e", [plain(3).build()], email="me@example.com")
    row = run("check", str(export), "--json").json()["conversations"][0]
    assert row["url"] == f"https://chatgpt.com/c/{IDS[3]}"


def _everything(tmp_path: Path, run, sensitive: bool = False) -> Path:
    """One export in which every step applies, each for a known set of conversations; those
    of sensitive data only with `sensitive` (planted: a key and an email in a shared chat, a
    phone in a trainable one, an email sent by a call)."""
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    run("gpt", "create", "mine", "--id", GPT)
    run("gpt", "action", "add", "mine", "api.allowed.example")  # and not api.undeclared.example
    gpt_unknown = "g-" + "cd" * 16
    builder = ConversationBuilder(IDS[0], "New chat", T0, gizmo_id=gpt_unknown, gizmo_type="gpt")
    builder.turn("q", "a", gizmo_id=gpt_unknown)
    eligible = plain(1)
    eligible.memory("User has a cat")
    if sensitive:
        eligible.turn("my key is AKIAIOSFODNN7EXAMPLE; write to sam@example.org", "ok")
    acted = ConversationBuilder(IDS[2], "New chat", T0 + 2 * 86400, gizmo_id=GPT, gizmo_type="gpt")
    acted.turn("q", "a", gizmo_id=GPT)
    acted.action("api.allowed.example", "op", GPT, approval="allow")
    undeclared = ConversationBuilder(IDS[3], "Flights", T0 + 3 * 86400, gizmo_id=GPT, gizmo_type="gpt")
    undeclared.turn("q", "a", gizmo_id=GPT)
    undeclared.action("api.undeclared.example", "op", GPT,
                      params=dumps({"to": "sam@example.org"}) if sensitive else "{}")
    fed = plain(4, "Feedback chat")
    early = ConversationBuilder(IDS[5], "Early chat", T0 - 86400)
    early.turn("call me on +1 415 555 2671" if sensitive else "q", "a")
    convs = [builder.build(), eligible.build(), acted.build(), undeclared.build(), fed.build(),
             early.build()]
    feedback = [{"id": "f", "conversation_id": IDS[4], "message_id": None, "rating": "thumbsUp"}]
    return write_export(tmp_path / "all", convs, email="me@example.com", feedback=feedback,
                        shared=shares(("s-1", IDS[1], "New chat", True)))


def test_every_step_in_rules_md_order(run, tmp_path: Path) -> None:
    export = _everything(tmp_path, run, sensitive=True)
    run("account", "opt-out", "--at", "2024-06-01T12:00")  # IDS[0] and IDS[5] before it
    other = write_export(tmp_path / "other", [plain(6).build()], email="other@example.com")
    doc = run("check", str(export), str(other), "--json").json()
    steps = {s["id"]: s for s in doc["next_steps"]}
    assert [s["id"] for s in doc["next_steps"]] == [s.id for s in STEPS]  # all of them, in order
    # The secret is in a shared conversation: listed first; the personal data by exposure.
    assert steps["step.rotate_secret"]["conversations"] == [IDS[1]]
    assert "1 of them, listed first, is public" in steps["step.rotate_secret"]["why"]
    assert steps["step.review_sensitive_shared"]["conversations"] == [IDS[1]]
    assert steps["step.review_sensitive_trainable"]["conversations"] == [IDS[5]]  # before the opt-out
    assert steps["step.review_sensitive_third_party"]["conversations"] == [IDS[3]]
    assert steps["step.record_account_setting"]["conversations"] == [IDS[6]]  # no profile
    assert steps["step.record_builder_setting"]["conversations"] == [IDS[0]]
    assert steps["step.review_eligible"]["conversations"] == [IDS[5]]
    assert steps["step.feedback"]["conversations"] == [IDS[4]]
    assert steps["step.revoke_shared_links"]["conversations"] == [IDS[1]]
    assert steps["step.review_memory"]["conversations"] == [IDS[1]]
    # The call to an undeclared domain (no consent on record either) is listed first.
    assert steps["step.review_third_parties"]["conversations"] == [IDS[3], IDS[2]]
    assert "disclosure.undeclared_domain" in steps["step.review_third_parties"]["why"]
    for step in doc["next_steps"]:
        assert step["count"] == len(step["conversations"])
        assert step["how"] == next(s.how for s in STEPS if s.id == step["id"])
        assert re.search(r"\((step|[a-z_]+\.[a-z_.]+)", step["why"])  # names its rule ids


def test_each_step_present_exactly_when_it_applies(run, tmp_path: Path) -> None:
    export = _everything(tmp_path, run)
    steps = {s["id"]: s["conversations"] for s in run("check", str(export), "--json").json()["next_steps"]}
    assert steps == {
        "step.record_builder_setting": [IDS[0]],  # a GPT without a profile
        "step.review_eligible": [IDS[1], IDS[2], IDS[3], IDS[4], IDS[5]],  # never opted out
        "step.revoke_shared_links": [IDS[1]],
        "step.review_third_parties": [IDS[3], IDS[2]],
        "step.review_memory": [IDS[1]],
    }
    # No account profile: the account's setting is what to record, and only feedback, which
    # decides whatever that setting was, makes a conversation eligible.
    run("account", "remove", "me", "--yes")
    steps = {s["id"]: s["conversations"] for s in run("check", str(export), "--json").json()["next_steps"]}
    assert steps["step.record_account_setting"] == [IDS[0], IDS[1], IDS[2], IDS[3], IDS[5]]
    assert steps["step.feedback"] == [IDS[4]]
    assert "step.review_eligible" not in steps and "step.record_builder_setting" not in steps


def test_no_step_for_a_business_account_with_nothing_shared(run, tmp_path: Path) -> None:
    run("account", "add", "work", "--plan", "enterprise", "--email", "me@example.com")
    export = write_export(tmp_path / "e", [plain(0).build()], email="me@example.com", shared=[])
    assert run("check", str(export), "--json").json()["next_steps"] == []
    assert "What you can do" not in run("check", str(export)).stdout


def test_unmatched_link_alone_is_a_step(run, tmp_path: Path, plus) -> None:
    export = write_export(tmp_path / "e", [plain(0).build()], email="me@example.com",
                          shared=shares(("s-gone", GONE, "Gone", True)))
    step = next(s for s in run("check", str(export), "--json").json()["next_steps"]
                if s["id"] == "step.revoke_shared_links")
    assert (step["count"], step["conversations"]) == (1, [GONE])
    assert "not in the export" in step["why"]


def test_a_declined_call_is_no_third_party_step() -> None:
    """A declined call sent nothing (issue 15): no step; the same call sent is one."""
    from gptpriv.policy.exposure import disclose
    from gptpriv.policy.facts import Call, Conversation
    from gptpriv.policy.verdicts import Settings
    from gptpriv.profiles.model import Snapshot

    def verdict(sent: bool) -> Verdict:
        call = Call(kind="action", party="api.example", domain="api.example", approval="deny", sent=sent)
        d = disclose(Settings(None, Snapshot((), ())), Conversation(), call)
        return Verdict("not_eligible", (), (), (d,), ())

    assert [h.step for h in hits(verdict(False))] == []
    assert [h.step for h in hits(verdict(True))] == ["step.review_third_parties"]


def test_text_and_jsonl_carry_the_steps(run, tmp_path: Path) -> None:
    export = _everything(tmp_path, run)
    text = run("check", str(export), "--ids").stdout
    after = text.split("What you can do:\n", 1)[1].splitlines()
    titles = [line for line in after if re.match(r"\d\. ", line)]
    assert [re.search(r"\[(step\.\w+)\]$", t).group(1) for t in titles] == [
        "step.record_builder_setting", "step.review_eligible", "step.revoke_shared_links",
        "step.review_third_parties", "step.review_memory"]
    assert "the 5 conversations that may have been used" in titles[1]
    shared = after[after.index(titles[2]):after.index(titles[3])]
    assert any("How: Settings > Data controls > Shared links" in line for line in shared)
    # Without --ids, no step or rule id in the text output, and no backticks.
    plain = run("check", str(export)).stdout
    assert "step." not in plain and "consumer.default" not in plain and "`" not in plain
    lines = [json.loads(x) for x in run("check", str(export), "--jsonl").stdout.splitlines()]
    assert list(lines[-2]) == ["next_steps"] and "summary" in lines[-1]
    assert lines[-2]["next_steps"] == run("check", str(export), "--json").json()["next_steps"]


def test_redact_hides_share_urls_everywhere(run, tmp_path: Path, plus) -> None:
    export = write_export(tmp_path / "e", [plain(0, "Secret title").build()], email="me@example.com",
                          shared=shares(("SHAREID-1", IDS[0], "Secret title", True),
                                        ("SHAREID-2", GONE, "Other secret", False)))
    outputs = [run("check", str(export), "--redact", *args) for args in ([], ["--explain"], ["--json"],
                                                                        ["--jsonl"])]
    outputs.append(run("report", str(export), "--redact", "-o", "-"))
    for result in outputs:
        assert "SHAREID" not in result.stdout + result.stderr
        assert "secret" not in (result.stdout + result.stderr).lower()
    doc = outputs[2].json()
    assert doc["conversations"][0]["third_parties"][0]["url"] is None
    assert doc["summary"]["unmatched_shared_links"] == [{"url": None, "title": None, "anonymous": False}]
    assert "SHAREID-1" in run("check", str(export), "--explain").stdout  # shown without --redact


def test_status_lists_its_next_steps(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    doc = run("status", "--json").json()
    assert [s["id"] for s in doc["next_steps"]] == ["step.review_eligible"]
    assert doc["next_steps"][0]["conversations"] == []
    text = run("status", "--gpt", GPT).stdout
    assert "What you can do:\n1. Record what you know of the GPTs" in text
    run("account", "opt-out", "--at", "2024-01-01")
    assert run("status", "--json").json()["next_steps"] == []
    assert "What you can do" not in run("status").stdout


def test_report_section_links_and_short_ids(run, tmp_path: Path) -> None:
    export = _everything(tmp_path, run)
    html = run("report", str(export), "-o", "-").stdout
    assert html.index('id="next-steps"') < html.index('id="totals"')  # near the top
    section = html.split('<section id="next-steps">', 1)[1].split("</section>", 1)[0]
    items = re.findall(r'<li id="(step-[a-z_]+)">', section)
    assert items == ["step-record_builder_setting", "step-review_eligible", "step-revoke_shared_links",
                     "step-review_third_parties", "step-review_memory"]
    third = section.split('id="step-review_third_parties"', 1)[1].split("</details>", 1)[0]
    assert re.findall(r'href="https://chatgpt.com/c/([^"]+)"', third) == [IDS[3], IDS[2]]
    assert 'href="https://chatgpt.com/share/s-1"' in section
    table = html.split('id="conversation-table"', 1)[1]
    # "New chat" repeats: a short id beside it; "Flights" is unique: none.
    assert f'>New chat</a> <small class="short-id" title="conversation id">{IDS[0][:8]}</small>' in table
    assert f'href="https://chatgpt.com/c/{IDS[3]}" rel="noreferrer">Flights</a></td>' in table
    assert "memory 1" in table  # built-in tools per conversation


def test_a_malformed_shared_file_is_one_line(run, tmp_path: Path) -> None:
    export = write_export(tmp_path / "e", [plain(0).build()], email="me@example.com", shared=[])
    (export / "shared_conversations.json").write_text('{"not": "a list"}')
    result = run("check", str(export), ok=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("gptpriv: error: ") and "shared_conversations.json" in result.stderr
    assert result.stderr.count("\n") == 1
