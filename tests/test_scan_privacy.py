"""Scanning end to end, through `gptpriv check` and `report`: which messages are scanned and
where a finding is said to be, the steps and summary it leads to, that no output ever holds
a planted value, odd contents, and --no-scan."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from export_builder import ConversationBuilder, dumps, write_export

T0 = datetime(2024, 6, 1, tzinfo=timezone.utc).timestamp()
GPT = "g-681c8e39d12c81918c7c9723fea1e4fb"
IDS = [f"0000000{i}-aaaa-4000-8000-00000000000{i}" for i in range(8)]

# Planted values, each with a distinctive middle part that no output may hold either.
AWS = "AKIAQZ7XPLANTED2MYKY"
GITHUB = "ghp_Pl4nt3dT0k3nAbCdEfGhIjKlMnOpQrStXy9w"
PASSWORD = "password=Zq8vWombat"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEAzPlantedKeyBody"
EMAIL = "zorblatt.quux@planted-mail.test"
PHONE = "+1 415 555 2671"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
SSN = "219-09-9998"
PLANTED = {  # value: its middle
    AWS: "Z7XPLANTED2", GITHUB: "Pl4nt3dT0k3n", PASSWORD: "Wombat", PEM: "PlantedKeyBody",
    EMAIL: "zorblatt", PHONE: "555 2671", CARD: "1111 1111", IBAN: "3704 0044", SSN: "09-99",
}
HINTS = {"…MYKY", "…Xy9w"}  # the secrets' last 4 characters, shown as hints


@pytest.fixture
def plus(run) -> None:
    """An account profile, so that verdicts are decided (eligible) rather than undetermined."""
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")


def chat(i: int, user: str, answer: str = "ok", gpt: bool = False) -> ConversationBuilder:
    c = ConversationBuilder(IDS[i], f"Chat {i}", T0 + i * 86400,
                            gizmo_id=GPT if gpt else None, gizmo_type="gpt" if gpt else None)
    c.turn(user, answer)
    return c


def shares(*ids: str) -> list[dict[str, Any]]:
    return [{"id": f"s-{n}", "conversation_id": cid, "title": "t", "is_anonymous": True}
            for n, cid in enumerate(ids)]


def check(run, export: Path, *args: str) -> dict[str, Any]:
    return run("check", str(export), "--json", *args).json()


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in doc["conversations"]}


def steps(doc: dict[str, Any]) -> dict[str, list[str]]:
    return {s["id"]: s["conversations"] for s in doc["next_steps"]}


def test_where_each_message_is_scanned(run, tmp_path: Path, plus) -> None:
    user = chat(0, f"my key {AWS}, mail me at {EMAIL} or {PHONE}")
    answer_only = chat(1, "what is an access key?", f"an example: {AWS} or {EMAIL}")
    allowed = chat(2, "send it", gpt=True)
    allowed.action("api.example.net", "send", GPT, params=dumps({"to": EMAIL}), approval="allow")
    denied = chat(3, "send it", gpt=True)
    denied.action("api.example.net", "send", GPT, params=dumps({"to": EMAIL}), approval="deny")
    builtin = chat(4, "run it")
    builtin.tool("python", f"key = '{AWS}'", f"ok {EMAIL}")
    export = write_export(tmp_path / "e", [c.build() for c in (user, answer_only, allowed, denied, builtin)],
                          email="me@example.com", shared=[])
    found = {cid: c["sensitive"] for cid, c in by_id(check(run, export)).items()}
    assert found[IDS[0]] == [
        {"kind": "secret.aws_access_key", "count": 1, "where": "user", "hint": "…MYKY"},
        {"kind": "pii.email", "count": 1, "where": "user"},
        {"kind": "pii.phone", "count": 1, "where": "user"}]
    assert found[IDS[1]] == []  # only in the assistant's reply
    # One call is one disclosure: its message, prompt and result repeat the same parameters.
    assert found[IDS[2]] == [{"kind": "pii.email", "count": 1, "where": "third_party",
                              "party": "api.example.net"}]
    assert found[IDS[3]] == []  # declined: nothing left
    assert found[IDS[4]] == []  # a built-in tool runs at OpenAI


def test_counts_add_up_within_a_conversation(run, tmp_path: Path) -> None:
    c = chat(0, f"{EMAIL} and again {EMAIL}")
    c.turn(f"once more {EMAIL}, key {AWS}", "ok")
    export = write_export(tmp_path / "e", [c.build()], email="me@example.com")
    assert check(run, export)["conversations"][0]["sensitive"] == [
        {"kind": "secret.aws_access_key", "count": 1, "where": "user", "hint": "…MYKY"},
        {"kind": "pii.email", "count": 3, "where": "user"}]


def test_steps_name_the_right_conversations(run, tmp_path: Path, plus) -> None:
    convs = [chat(0, f"key {AWS}"),  # a secret, private
             chat(1, f"key {GITHUB}"),  # a secret, shared
             chat(2, f"call {PHONE}"),  # personal data, trainable
             chat(3, f"mail {EMAIL}"),  # personal data, shared
             chat(4, "nothing here")]
    sent = chat(5, "book it", gpt=True)  # personal data to a third party
    sent.action("api.example.net", "book", GPT, params=dumps({"card": CARD}), approval="allow")
    export = write_export(tmp_path / "e", [c.build() for c in (*convs, sent)],
                          email="me@example.com", shared=shares(IDS[1], IDS[3]))
    doc = check(run, export)
    assert {c["id"]: c["verdict"] for c in doc["conversations"]}[IDS[2]] == "eligible"
    found = steps(doc)
    assert found["step.rotate_secret"] == [IDS[1], IDS[0]]  # the shared one first
    assert found["step.review_sensitive_shared"] == [IDS[3]]
    assert found["step.review_sensitive_trainable"] == [IDS[2], IDS[3]]  # not 5: undetermined
    assert found["step.review_sensitive_third_party"] == [IDS[5]]
    rotate = next(s for s in doc["next_steps"] if s["id"] == "step.rotate_secret")
    assert "secret.aws_access_key" in rotate["why"] and "secret.github_token" in rotate["why"]


def test_without_an_account_nothing_is_trainable(run, tmp_path: Path) -> None:
    export = write_export(tmp_path / "e", [chat(0, f"call {PHONE}").build()], email="me@example.com")
    doc = check(run, export)
    assert doc["conversations"][0]["verdict"] == "undetermined"
    assert "step.review_sensitive_trainable" not in steps(doc)
    assert doc["summary"]["sensitive"]["training"] == 0


def _expected_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """summary.sensitive recomputed from the conversations' own data."""
    per_kind: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    for c in doc["conversations"]:
        if not c["sensitive"]:
            continue
        ways = {"training"} if c["verdict"] == "eligible" else set()
        if any(d["rule"] == "disclosure.shared_link" for d in c["third_parties"]):
            ways.add("shared_link")
        every: set[str] = set()
        for kind in {f["kind"] for f in c["sensitive"]}:
            mine = ways | ({"third_party"} if any(f["kind"] == kind and f["where"] == "third_party"
                                                  for f in c["sensitive"]) else set())
            per_kind.setdefault(kind, Counter()).update({"conversations", *mine})
            every |= mine
        total.update({"conversations", *every})
    keys = ("conversations", "training", "shared_link", "third_party")
    return {**{k: total[k] for k in keys},
            "kinds": {kind: {k: n[k] for k in keys} for kind, n in per_kind.items()}}


def test_summary_equals_the_conversations(run, tmp_path: Path, plus) -> None:
    sent = chat(3, f"card {CARD}", gpt=True)
    sent.action("api.example.net", "pay", GPT, params=dumps({"iban": IBAN, "to": EMAIL}), approval="allow")
    convs = [chat(0, f"{AWS} {EMAIL}"), chat(1, f"{EMAIL} {SSN}"), chat(2, "plain"), sent]
    export = write_export(tmp_path / "e", [c.build() for c in convs], email="me@example.com",
                          shared=shares(IDS[1]))
    doc = check(run, export)
    summary = doc["summary"]["sensitive"]
    assert summary == _expected_summary(doc)
    assert summary["conversations"] == 3 and summary["third_party"] == 1
    assert summary["kinds"]["pii.email"] == {"conversations": 3, "training": 2, "shared_link": 1,
                                             "third_party": 1}
    assert list(summary["kinds"]) == ["secret.aws_access_key", "pii.email", "pii.payment_card",
                                      "pii.iban", "pii.us_ssn"]  # kinds' order


# --- privacy: no output holds a planted value ---------------------------------------------

def _planted_export(tmp_path: Path) -> Path:
    text = " ".join(PLANTED)
    first = chat(0, text)
    sent = chat(1, "send", gpt=True)
    sent.action("api.example.net", "send", GPT, params=dumps({"note": text}), approval="allow")
    return write_export(tmp_path / "export", [first.build(), sent.build()], email="me@example.com",
                        shared=shares(IDS[0]))


OUTPUTS = [("check",), ("check", "--explain"), ("check", "--ids"), ("check", "--json"),
           ("check", "--jsonl"), ("report", "-o", "-")]


@pytest.mark.parametrize("redact", [False, True])
@pytest.mark.parametrize("command", OUTPUTS, ids=" ".join)
def test_no_output_holds_a_planted_value(run, tmp_path: Path, plus, command: tuple[str, ...],
                                         redact: bool) -> None:
    export = _planted_export(tmp_path)
    result = run(command[0], str(export), *command[1:], *(["--redact"] if redact else []))
    out = result.stdout + result.stderr
    assert result.stdout
    for value, middle in PLANTED.items():
        for text in {value, middle, json.dumps(value)[1:-1], value.replace(" ", "")}:
            assert text not in out, (command, text)
    if redact:
        assert not any(hint in out for hint in HINTS)
        assert "…" not in out
    if "--json" in command or "--jsonl" in command:
        lines = [json.loads(line) for line in result.stdout.splitlines()] if "--jsonl" in command \
            else [result.json()]
        findings = [f for doc in lines for c in [doc, *doc.get("conversations", [])]
                    for f in c.get("sensitive", []) if isinstance(f, dict)]
        assert {f["kind"] for f in findings} >= {"secret.aws_access_key", "pii.email"}
        with_hints = {f["kind"] for f in findings if "hint" in f}
        assert with_hints == (set() if redact else {"secret.aws_access_key", "secret.github_token"})
        assert all(f["hint"] in HINTS for f in findings if "hint" in f)


def test_nothing_left_behind(run, tmp_path: Path, plus, isolated_env: Path) -> None:
    export = _planted_export(tmp_path)
    for command in OUTPUTS:
        for redact in ([], ["--redact"]):
            run(command[0], str(export), *command[1:], *redact)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([export.name, isolated_env.name])
    for path in isolated_env.rglob("*"):  # the home holds profiles, never what was found
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not any(m in text for m in PLANTED.values()) and not any(h in text for h in HINTS)


# --- bad input ------------------------------------------------------------------------------

def _user_nodes(conv: dict[str, Any]) -> list[dict[str, Any]]:
    return [n["message"] for n in conv["mapping"].values()
            if n["message"] and n["message"]["author"]["role"] == "user"]


@pytest.mark.parametrize("content", [42, ["a", 1], "text"])
def test_content_not_an_object_is_an_error_and_the_rest_is_checked(run, tmp_path: Path,
                                                                   content: Any) -> None:
    odd = chat(0, "replaced")
    odd.turn(f"mail {EMAIL}", "ok")
    conv = odd.build()
    _user_nodes(conv)[0]["content"] = content
    export = write_export(tmp_path / "e", [conv, chat(1, f"key {AWS}").build()], email="me@example.com")
    doc = check(run, export)
    errors = doc["summary"]["errors"]
    assert [(e["id"], e["path"]) for e in errors] == [(IDS[0], "mapping.*.message.content")]
    found = {cid: [f["kind"] for f in c["sensitive"]] for cid, c in by_id(doc).items()}
    assert found == {IDS[0]: ["pii.email"], IDS[1]: ["secret.aws_access_key"]}


@pytest.mark.parametrize("filler", ["1234567890", "a@"])
def test_huge_message_is_checked(run, tmp_path: Path, filler: str) -> None:
    big = chat(0, filler * (10_000_000 // len(filler)) + f" {GITHUB}")  # read to its end
    export = write_export(tmp_path / "e", [big.build(), chat(1, f"key {AWS}").build()],
                          email="me@example.com")
    result = run("check", str(export), "--json")
    assert "Traceback" not in result.stderr
    doc = result.json()
    found = {cid: [f["kind"] for f in c["sensitive"]] for cid, c in by_id(doc).items()}
    assert found == {IDS[0]: ["secret.github_token"], IDS[1]: ["secret.aws_access_key"]}
    assert doc["summary"]["errors"] == []


def test_invalid_utf8_and_lone_surrogates_do_not_crash(run, tmp_path: Path) -> None:
    convs = [chat(0, "MARK0").build(), chat(1, "MARK1").build(), chat(2, f"key {AWS}").build()]
    export = write_export(tmp_path / "e", convs, email="me@example.com")
    path = export / "conversations.json"
    data = path.read_bytes()
    data = data.replace(b"MARK0", b"\xff\xfe " + EMAIL.encode() + b" \xc3")  # not UTF-8
    data = data.replace(b"MARK1", b"\\ud800 " + EMAIL.encode() + b" \\udfff")  # lone surrogates
    path.write_bytes(data)
    result = run("check", str(export), "--json")
    assert "Traceback" not in result.stdout + result.stderr
    doc = result.json()
    found = {cid: [f["kind"] for f in c["sensitive"]] for cid, c in by_id(doc).items()}
    assert found[IDS[2]] == ["secret.aws_access_key"]  # the rest is checked
    assert doc["summary"]["total"] + doc["summary"]["skipped"] == 3
    for text in ("check", "report"):
        result = run(text, str(export), *(["-o", "-"] if text == "report" else []))
        assert "Traceback" not in result.stdout + result.stderr


# --- --no-scan ------------------------------------------------------------------------------

def test_no_scan_has_no_sensitive_keys(run, tmp_path: Path) -> None:
    export = write_export(tmp_path / "e", [chat(0, f"key {AWS} {EMAIL}").build()], email="me@example.com")
    doc = check(run, export, "--no-scan")
    assert all("sensitive" not in c for c in doc["conversations"])
    assert "sensitive" not in doc["summary"]
    assert "step.rotate_secret" not in steps(doc)
    lines = [json.loads(line) for line in
             run("check", str(export), "--jsonl", "--no-scan").stdout.splitlines()]
    assert not any("sensitive" in line or "sensitive" in line.get("summary", {}) for line in lines)
