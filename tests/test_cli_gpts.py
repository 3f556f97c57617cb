"""GPT profiles, Actions, consent decisions, reports and doctor, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gptpriv.errors import InvalidValue
from gptpriv.profiles.checks import (
    check_domain,
    check_gpt_id,
    check_https_url,
    parse_operation,
)


@pytest.fixture
def me(run):
    run("account", "add", "me", "--plan", "plus")


def test_create_with_no_training_and_show_json_contract(run) -> None:
    out = run("gpt", "create", "travel", "--title", "Travel", "--id", "g-abc123", "--no-training")
    assert out.stdout == "Created GPT travel (builder training off).\n"
    run("gpt", "action", "add", "travel", "api.example.com", "--auth", "oauth",
        "--privacy-policy", "https://example.com/privacy", "--operation", "search",
        "--operation", "book:consequential")
    run("gpt", "report", "travel", "--reason", "misleading", "--at", "2025-02-01")
    doc = run("gpt", "show", "travel", "--json").json()
    assert doc["name"] == "travel" and doc["id"] == "g-abc123" and doc["mine"] is True
    assert doc["visibility"] == "only-me" and doc["verified_builder"] is False
    assert doc["training_now"] == "off"
    assert len(doc["training"]) == 1 and doc["training"][0]["allowed"] is False
    assert doc["actions"] == [{
        "domain": "api.example.com", "auth": "oauth", "privacy_policy": "https://example.com/privacy",
        "operations": [{"id": "search", "consequential": False}, {"id": "book", "consequential": True}],
    }]
    assert doc["reports"] == [{"at": "2025-02-01T00:00:00Z", "reason": "misleading"}]


def test_someone_elses_gpt_stays_unknown_through_round_trips(run, isolated_env: Path) -> None:
    run("gpt", "create", "other", "--not-mine", "--id", "g-L2HknCZTC")
    for _ in range(2):
        run("gpt", "set", "other", "--title", "Other GPT")
        run("gpt", "action", "add", "other", "api.other.example")
        assert run("gpt", "show", "other", "--json").json()["training_now"] == "unknown"
    assert "training" not in (isolated_env / "gpts" / "other.toml").read_text()
    history = run("gpt", "history", "other", "--json").json()
    assert history == {"schema_version": 1, "gpt": "other", "default": "unknown", "training": []}
    run("gpt", "opt-out", "other", "--at", "2024-03-01")
    assert run("gpt", "show", "other", "--json").json()["training_now"] == "off"


def test_own_gpt_defaults_to_allowed(run) -> None:
    run("gpt", "create", "mine")
    assert run("gpt", "show", "mine", "--json").json()["training_now"] == "allowed"


@pytest.mark.parametrize(("value", "message"), [
    ("g-p-68ea6bc6398c81918e5b560b1885dd70", "is a project id"),
    ("abc", "invalid GPT id"),
    ("g-", "invalid GPT id"),
    ("g-abc/def", "invalid GPT id"),
])
def test_gpt_ids_are_checked(run, value: str, message: str, isolated_env: Path) -> None:
    result = run("gpt", "create", "x", "--id", value, ok=False)
    assert result.exit_code == 2 and message in result.stderr
    assert not (isolated_env / "gpts").exists()


def test_gpt_id_is_unique(run) -> None:
    run("gpt", "create", "a", "--id", "g-abc")
    result = run("gpt", "create", "b", "--id", "g-abc", ok=False)
    assert result.exit_code == 2 and "already belongs to GPT `a`" in result.stderr


@pytest.mark.parametrize(("value", "expected"), [
    ("api.example.com", "api.example.com"),
    ("API.Example.COM.", "api.example.com"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("  dreambox.ai ", "dreambox.ai"),
])
def test_domains_are_normalised(value: str, expected: str) -> None:
    assert check_domain(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("https://x.com/path", "without scheme or path"),
    ("x.com/path", "without scheme or path"),
    ("x.com:443", "without a port"),
    ("", "give a host name"),
    ("localhost", "not a valid public host name"),
    ("-bad.example", "not a valid public host name"),
    ("a..b", "not a valid"),
    ("x" * 64 + ".com", "not a valid"),
])
def test_bad_domains_are_refused(value: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        check_domain(value)


def test_bad_action_values_write_nothing(run, isolated_env: Path) -> None:
    run("gpt", "create", "t")
    path = isolated_env / "gpts" / "t.toml"
    before = path.read_bytes()
    for args in (["t", "https://x.com/path"], ["t", "x.com:443"], ["t", ""],
                 ["t", "x.com", "--privacy-policy", "http://x.com/p"],
                 ["t", "x.com", "--auth", "password"],
                 ["t", "x.com", "--operation", "do it:maybe"]):
        result = run("gpt", "action", "add", *args, ok=False)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("gptpriv: error: ") and result.stderr.count("\n") == 1
    assert path.read_bytes() == before


def test_validators() -> None:
    assert check_gpt_id("g-68ea6bc6398c81918e5b560b1885dd70")
    assert check_https_url("https://x.example/privacy") == "https://x.example/privacy"
    assert parse_operation("createPlaylist:consequential") == ("createPlaylist", True)
    assert parse_operation("search_papers") == ("search_papers", False)
    with pytest.raises(InvalidValue):
        check_https_url("https://")


def test_action_add_updates_and_remove(run) -> None:
    run("gpt", "create", "t")
    run("gpt", "action", "add", "t", "api.x.example", "--operation", "a")
    out = run("gpt", "action", "add", "t", "api.x.example", "--operation", "a:consequential",
              "--operation", "b")
    assert out.stdout == "Updated action api.x.example on GPT t.\n"
    actions = run("gpt", "action", "list", "t", "--json").json()["actions"]
    assert actions[0]["operations"] == [{"id": "a", "consequential": True},
                                        {"id": "b", "consequential": False}]
    run("gpt", "action", "remove", "t", "api.x.example")
    assert run("gpt", "action", "list", "t", "--json").json()["actions"] == []
    result = run("gpt", "action", "remove", "t", "api.x.example", ok=False)
    assert result.exit_code == 2 and "has no action for domain" in result.stderr


def test_consent_rules(run, me) -> None:
    run("gpt", "create", "t", "--id", "g-t1")
    run("gpt", "action", "add", "t", "pay.example", "--operation", "pay:consequential")
    run("gpt", "action", "add", "t", "read.example", "--operation", "get")
    result = run("consent", "always", "t", "pay.example", ok=False)
    assert result.exit_code == 2 and "consequential" in result.stderr
    run("consent", "always", "t", "read.example", "--at", "2025-01-01")
    run("consent", "allow", "t", "pay.example", "--at", "2025-01-02")
    run("consent", "reset", "t", "read.example", "--at", "2025-02-01")
    unknown = run("consent", "deny", "t", "elsewhere.example")
    assert "does not declare an action for elsewhere.example" in unknown.stderr
    doc = run("consent", "list", "--json").json()
    assert [(c["domain"], c["decision"]) for c in doc["consents"]] == [
        ("read.example", "always_allow"), ("pay.example", "allow"), ("read.example", "reset"),
        ("elsewhere.example", "deny")]
    result = run("consent", "allow", "ghost", "x.example", ok=False)
    assert result.exit_code == 2 and "no GPT named `ghost`" in result.stderr


def test_consent_in_force_at_a_time(run, me, isolated_env: Path) -> None:
    from datetime import datetime, timezone

    from gptpriv.profiles.accounts import load_account
    from gptpriv.profiles.store import Store

    run("gpt", "create", "t")
    run("consent", "always", "t", "r.example", "--at", "2025-01-01")
    run("consent", "reset", "t", "r.example", "--at", "2025-02-01")
    account = load_account(Store(isolated_env), "me")
    at = lambda s: datetime.fromisoformat(s).replace(tzinfo=timezone.utc)  # noqa: E731
    assert account.consent_at("t", "r.example", at("2024-12-31")) is None
    assert account.consent_at("t", "r.example", at("2025-01-15")).decision == "always_allow"
    assert account.consent_at("t", "r.example", at("2025-03-01")) is None


def test_report_prints_the_gpt_page(run) -> None:
    run("gpt", "create", "t", "--id", "g-abc")
    out = run("gpt", "report", "t", "--reason", "spam").stdout
    assert "https://chatgpt.com/g/g-abc" in out
    assert len(run("gpt", "show", "t", "--json").json()["reports"]) == 1
    result = run("gpt", "report", "t", "--reason", "  ", ok=False)
    assert result.exit_code == 2


def test_gpt_remove(run, isolated_env: Path) -> None:
    run("gpt", "create", "t")
    run("gpt", "remove", "t", "--yes")
    assert run("gpt", "list", "--json").json()["gpts"] == []


# -- doctor: each lint fires on one case and not on its twin --------------------------------


def rules(run, fail_on: str | None = None) -> set[str]:
    args = ["doctor", "--json"] + (["--fail-on", fail_on] if fail_on else [])
    return {f["rule"] for f in run(*args, ok=False).json()["findings"]}


def test_doctor_clean(run, me) -> None:
    run("gpt", "create", "t", "--id", "g-t")
    assert run("doctor").stdout == "No findings: every profile looks right.\n"
    assert run("doctor", "--json").json() == {"schema_version": 1, "findings": []}


def test_lint_gpt_id_missing(run) -> None:
    run("gpt", "create", "t")
    assert rules(run) == {"lint.gpt_id_missing"}
    run("gpt", "set", "t", "--id", "g-t")
    assert rules(run) == set()


def test_lint_public_action_no_privacy_policy(run) -> None:
    run("gpt", "create", "t", "--id", "g-t", "--visibility", "public")
    run("gpt", "action", "add", "t", "api.x.example")
    assert "lint.public_action_no_privacy_policy" in rules(run)
    run("gpt", "action", "add", "t", "api.x.example", "--privacy-policy", "https://x.example/p")
    assert "lint.public_action_no_privacy_policy" not in rules(run)
    run("gpt", "create", "private", "--id", "g-p2")
    run("gpt", "action", "add", "private", "api.y.example")
    assert "lint.public_action_no_privacy_policy" not in rules(run)


def test_lint_action_not_https(run, isolated_env: Path) -> None:
    run("gpt", "create", "t", "--id", "g-t")
    run("gpt", "action", "add", "t", "api.x.example", "--privacy-policy", "https://x.example/p")
    assert "lint.action_not_https" not in rules(run)
    path = isolated_env / "gpts" / "t.toml"
    path.write_text(path.read_text().replace("https://x.example/p", "http://x.example/p"))
    assert "lint.action_not_https" in rules(run)


def test_lint_unverified_builder_actions(run) -> None:
    run("gpt", "create", "t", "--id", "g-t", "--not-mine")
    assert "lint.unverified_builder_actions" not in rules(run)
    run("gpt", "action", "add", "t", "api.x.example")
    assert "lint.unverified_builder_actions" in rules(run)
    run("gpt", "set", "t", "--verified-builder")
    assert "lint.unverified_builder_actions" not in rules(run)


def test_lint_always_allow_consequential(run, me, isolated_env: Path) -> None:
    run("gpt", "create", "t", "--id", "g-t")
    run("gpt", "action", "add", "t", "pay.example", "--operation", "pay")
    run("consent", "always", "t", "pay.example")
    assert "lint.always_allow_consequential" not in rules(run)
    # The operation turns out to be consequential after the decision was recorded.
    run("gpt", "action", "add", "t", "pay.example", "--operation", "pay:consequential")
    assert "lint.always_allow_consequential" in rules(run)


def test_lint_devices_disagree(run, me) -> None:
    run("device", "add", "laptop")
    run("device", "add", "phone")
    run("device", "history-off", "laptop", "--at", "2023-05-01")
    run("device", "history-off", "phone", "--at", "2023-05-01")
    run("account", "opt-out", "--at", "2023-05-01")
    assert "lint.devices_disagree" not in rules(run)
    run("device", "history-on", "phone", "--at", "2023-06-01")
    findings = run("doctor", "--json").json()["findings"]
    messages = [f["message"] for f in findings if f["rule"] == "lint.devices_disagree"]
    # Now is after the per-device switch ended: they disagreed until then.
    assert ("account me: device laptop and device phone disagree from 2023-06-01 00:00 UTC until "
            "the switch ended (about 2024-04-30)") in messages
    assert any("device phone and the account" in m for m in messages)


def test_doctor_fail_on_levels(run) -> None:
    run("gpt", "create", "t")  # a warning: no id
    assert run("doctor", "--fail-on", "error").exit_code == 0
    assert run("doctor", "--fail-on", "warning", ok=False).exit_code == 1
    assert run("doctor", "--fail-on", "never", ok=False).exit_code == 2


def test_doctor_unreadable_profile_exits_2(run, isolated_env: Path) -> None:
    run("gpt", "create", "t")
    (isolated_env / "gpts" / "t.toml").write_text("mine = \n")
    result = run("doctor", ok=False)
    assert result.exit_code == 2 and "t.toml:1:" in result.stderr
