"""`gptpriv status` and `gptpriv rules` from the command line."""

from __future__ import annotations


def test_status_json_contract(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    run("account", "opt-out", "--at", "2024-05-01")
    run("device", "add", "laptop")
    run("device", "history-off", "laptop", "--at", "2023-05-01")
    run("gpt", "create", "travel", "--id", "g-travel")
    run("gpt", "action", "add", "travel", "api.x.example", "--privacy-policy",
        "https://x.example/p", "--operation", "book:consequential")
    run("consent", "allow", "travel", "api.x.example", "--at", "2024-01-01")
    doc = run("status", "--gpt", "travel", "--at", "2024-06-01", "--json").json()
    assert doc["verdict"] == "not_eligible"
    assert [r["rule"] for r in doc["reasons"]] == ["account.training_off"]
    assert set(doc["reasons"][0]) >= {"rule", "message", "source"}
    assert doc["disclosures"] == [{
        "rule": "disclosure.action", "party": "api.x.example", "domain": "api.x.example",
        "operation": "book", "method": None, "path": None, "time": "2024-06-01T00:00:00Z",
        "consequential": True, "privacy_policy": "https://x.example/p", "consent": "allow",
        "consent_source": doc["disclosures"][0]["consent_source"], "sent": True, "gpt_id": "g-travel",
            "flags": []}]
    assert "consents[0]" in doc["disclosures"][0]["consent_source"]
    # 2024-06-01 is after the per-device switch ended: what it was then, and that it ended.
    assert doc["devices"] == [{"name": "laptop", "history": "off", "since": "2023-05-01T00:00:00Z",
                               "switch": "ended"}]
    assert doc["eras"] == ["era.api_not_trained", "era.privacy_request", "era.account_control",
                           "era.temporary_chat", "era.memory", "era.gpts"]
    assert doc["control"].startswith("the account-wide \"Improve the model for everyone\"")
    assert [n["rule"] for n in doc["notices"]] == ["builder.no_access"]


def test_status_before_opt_out_and_with_named_device(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    run("account", "opt-out", "--at", "2024-05-01")
    run("device", "add", "laptop")
    run("device", "history-off", "laptop", "--at", "2023-05-01")
    assert run("status", "--at", "2023-01-01", "--json").json()["verdict"] == "eligible"
    doc = run("status", "--at", "2023-06-01", "--device", "laptop", "--json").json()
    assert [r["rule"] for r in doc["reasons"]] == ["device.history_off"]
    assert run("status", "--temporary", "--json").json()["reasons"][0]["rule"] == "chat.temporary"
    result = run("status", "--device", "tablet", ok=False)
    assert result.exit_code == 2 and "no device named `tablet`" in result.stderr


def test_status_for_a_newcomer_is_undetermined_and_says_what_is_missing(run) -> None:
    doc = run("status", "--json").json()
    assert doc["verdict"] == "undetermined" and doc["account"] is None
    assert doc["reasons"][0]["rule"] == "account.setting_unknown"
    assert "gptpriv account add" in doc["missing"][0]
    text = run("status").stdout
    assert "Training: undetermined" in text and "Not recorded: the account's training setting" in text
    assert "account.setting_unknown" not in text and "`" not in text
    assert "missing:" in run("status", "--explain").stdout


def test_status_unknown_gpt_id_and_text_output(run) -> None:
    run("account", "add", "me", "--plan", "pro")
    text = run("status", "--gpt", "g-unknown1", "--at", "2025-01-01", "--explain").stdout
    assert " ".join(text.split()).startswith(
        "A conversation started 2025-01-01 00:00 +0000 on account me with GPT g-unknown1: "
        "At that time: the account-wide \"Improve the model for everyone\" control, which "
        "applies to the entire account (era.account_control (about 2024-04-30 –)) "
        "Training: undetermined (not known: a fact that decides it is not recorded) "
        "gpt.builder_setting_unknown:")
    plain = " ".join(run("status", "--gpt", "g-unknown1", "--at", "2025-01-01").stdout.split())
    assert ("the entire account (about 2024-04-30 –) Training: undetermined (not known: a fact "
            "that decides it is not recorded): builder's setting unknown") in plain
    assert "gpt.builder_setting_unknown" not in plain
    # A GPT with no profile: its Actions are not known, and the text says how to record them.
    assert "Actions: not known for GPT g-unknown1" in text
    assert "gptpriv gpt create NAME --id g-unknown1 --not-mine" in text
    result = run("status", "--gpt", "g-p-abc", ok=False)
    assert result.exit_code == 2 and "project id" in result.stderr


def test_business_account_status(run) -> None:
    run("account", "add", "work", "--plan", "enterprise")
    assert run("status", "--feedback", "--json").json()["reasons"][0]["rule"] == "plan.business"


def test_rules_lists_every_rule_with_sources(run) -> None:
    from gptpriv.policy.rules import RULES

    doc = run("rules", "--json").json()
    assert [r["id"] for r in doc["rules"]] == [r.id for r in RULES]
    assert all(r["source"] for r in doc["rules"])
    text = run("rules").stdout
    assert "7. feedback.given" in text and "https://help.openai.com/en/articles/5722486" in text
    for rule in RULES:
        assert rule.id in text
    from gptpriv.policy.eras import ERAS

    assert [e["id"] for e in doc["eras"]] == [e.id for e in ERAS]
    assert doc["eras"][2] == {
        "id": "era.device_toggle", "from": "2023-04-25", "until": "2024-04-30",
        "what": ERAS[2].what, "source": ERAS[2].source, "approximate": True}
    assert "  - era.device_toggle (2023-04-25 – about 2024-04-30): " in text


def test_status_speaks_in_words_and_names_rules_only_with_explain(run) -> None:
    from gptpriv.policy.eras import ERAS
    from gptpriv.policy.rules import RULES

    run("account", "add", "me", "--plan", "plus")
    run("account", "opt-out", "--at", "2024-05-01")
    run("gpt", "create", "travel", "--id", "g-TRAVEL123abc", "--not-mine")
    run("gpt", "action", "add", "travel", "api.flights.example", "--operation", "book:consequential")
    ids = [r.id for r in RULES] + [e.id for e in ERAS]
    for at in ("2023-06-01", "2024-08-12", "2025-06-01"):
        args = ("status", "--gpt", "travel", "--temporary", "--at", at)
        plain, explained = run(*args).stdout, run(*args, "--explain").stdout
        assert [i for i in ids if i in plain] == [] and "`" not in plain, at
        assert any(i in explained for i in ids), at
        # Same words otherwise: the verdict and the parties are said either way.
        for line in ("Training: ", "api.flights.example book"):
            assert line in plain and line in explained
