"""Account, device and config commands, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_first_account_becomes_current(run) -> None:
    result = run("account", "add", "work", "--plan", "plus", "--email", "me@example.com")
    assert result.stdout == "Added account work (plus plan).\nwork is now the current account.\n"
    result = run("account", "add", "home", "--plan", "free")
    assert result.stdout == "Added account home (free plan).\n"
    assert run("account", "list", "--json").json()["current"] == "work"
    run("account", "use", "home")
    assert run("account", "list", "--json").json()["current"] == "home"


def test_account_list_plain_table(run) -> None:
    run("account", "add", "work", "--plan", "plus", "--email", "me@example.com")
    run("account", "add", "team", "--plan", "team")
    assert run("account", "list").stdout == (
        "   NAME  PLAN                EMAIL           TRAINING NOW  DEVICES\n"
        "   team  Team, now Business                  off           0\n"
        "*  work  plus                me@example.com  allowed       0\n"
    )
    assert run("account", "show", "team").stdout.splitlines()[1] == "Plan:          Team, now Business"
    assert run("account", "show", "team", "--json").json()["plan"] == "team"  # the stored value


def test_account_show_json_contract(run) -> None:
    run("account", "add", "work", "--plan", "plus", "--email", "me@example.com")
    run("account", "opt-out", "--at", "2024-05-01T09:30:00+02:00", "--note", "settings")
    run("device", "add", "laptop")
    doc = run("account", "show", "work", "--json").json()
    assert doc["schema_version"] == 1
    assert doc["name"] == "work" and doc["email"] == "me@example.com" and doc["plan"] == "plus"
    assert doc["training"] == [
        {"number": 1, "at": "2024-05-01T07:30:00Z", "allowed": False, "note": "settings", "changes": True}
    ]
    # never recorded: the default is no fact
    assert doc["devices"] == [{"name": "laptop", "history": "not recorded", "timeline": []}]


def test_history_shows_default_and_no_change_entries(run) -> None:
    run("account", "add", "work", "--plan", "plus")
    run("account", "opt-out", "--at", "2024-06-01")
    out = run("account", "opt-out", "--at", "2024-05-01", "--note", "first").stdout
    assert "(no change" not in out
    out = run("account", "opt-out", "--at", "2024-07-01").stdout
    assert "(no change: it was already so)" in out
    assert run("account", "history").stdout == (
        "Training control of account work (plan plus)\n"
        "#  FROM                           TRAINING  NOTE\n"
        "   before 2024-05-01 00:00 +0000  allowed   plan default: consumer plans are trained on unless you opt out\n"
        "1  2024-05-01 00:00 +0000         off       first\n"
        "2  2024-06-01 00:00 +0000         off       (no change)\n"
        "3  2024-07-01 00:00 +0000         off       (no change)\n"
    )
    doc = run("account", "history", "--json").json()
    assert [e["at"] for e in doc["training"]] == [
        "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z", "2024-07-01T00:00:00Z"]
    assert [e["changes"] for e in doc["training"]] == [True, False, False]
    assert doc["default"] == "allowed"


def test_plan_defaults(run) -> None:
    run("account", "add", "biz", "--plan", "enterprise")
    run("account", "add", "nop")
    assert run("account", "show", "biz", "--json").json()["training_now"] == "off"
    assert run("account", "show", "nop", "--json").json()["training_now"] == "unknown"
    run("account", "set", "nop", "--plan", "pro")
    assert run("account", "show", "nop", "--json").json()["training_now"] == "allowed"


@pytest.mark.parametrize("name", ["../x", "a/b", "", "a\x00b", "Work", "-x", "x" * 65, "a\\b", "con"])
def test_bad_names_are_refused(run, name: str, isolated_env: Path) -> None:
    result = run("account", "add", "--", name, ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("gptpriv: error: invalid account name")
    assert result.stderr.count("\n") == 1 and "\x00" not in result.stderr
    assert not (isolated_env / "accounts").exists()


def test_bad_values_are_refused(run) -> None:
    run("account", "add", "work")
    for args, message in [
        (["account", "set", "work", "--plan", "gold"], "unknown plan `gold`"),
        (["account", "set", "work", "--email", "nope"], "invalid email `nope`"),
        (["account", "opt-out", "--at", "soon"], "invalid time `soon`"),
        (["account", "set", "work"], "nothing to change"),
        (["account", "add", "work"], "account `work` already exists"),
        (["account", "show", "ghost"], "no account named `ghost`"),
        (["account", "use", "ghost"], "no account named `ghost`"),
    ]:
        result = run(*args, ok=False)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)


def test_no_current_account(run) -> None:
    result = run("account", "opt-out", ok=False)
    assert result.exit_code == 2
    assert "no account given and none is current" in result.stderr


def test_remove_asks_and_needs_yes_without_terminal(run, isolated_env: Path) -> None:
    run("account", "add", "work", "--plan", "plus")
    result = run("account", "remove", "work", ok=False)
    assert result.exit_code == 2 and "pass `--yes`" in result.stderr
    assert (isolated_env / "accounts" / "work.toml").exists()
    assert run("account", "remove", "work", "--yes").stdout == "Removed account work.\n"
    assert not (isolated_env / "accounts" / "work.toml").exists()
    assert run("account", "list", "--json").json() == {"schema_version": 1, "current": None,
                                                       "accounts": []}


def test_devices_have_their_own_timelines(run, monkeypatch) -> None:
    monkeypatch.setattr("socket.gethostname", lambda: "My.Laptop")
    run("account", "add", "work", "--plan", "plus")
    assert run("device", "add").stdout == "Added device my-laptop to account work.\n"
    run("device", "add", "phone")
    run("device", "add", "tablet")
    run("device", "history-off", "--at", "2023-05-01")
    run("device", "history-on", "phone", "--at", "2023-06-01")
    doc = run("device", "list", "--json").json()
    assert [(d["name"], d["history"]) for d in doc["devices"]] == [
        ("my-laptop", "off"), ("phone", "on"), ("tablet", "not recorded")]
    assert run("device", "list").stdout.splitlines()[1:] == [
        "DEVICE     CHAT HISTORY & TRAINING (LAST RECORDED)  ENTRIES",
        "my-laptop  off                                      1",
        "phone      on                                       1",
        "tablet     not recorded                             0",
        "The per-device switch existed 2023-04-25 – about 2024-04-30; after it the control is "
        "account-wide (`gptpriv account history`).",
    ]
    run("device", "remove", "tablet", "--yes")
    result = run("device", "history-off", "tablet", ok=False)
    assert result.exit_code == 2 and "no device named `tablet`" in result.stderr
    run("device", "remove", "phone", "--yes")
    assert [d["name"] for d in run("device", "list", "--json").json()["devices"]] == ["my-laptop"]


def test_config_path_and_show(run, isolated_env: Path, tmp_path: Path) -> None:
    assert run("config", "path").stdout == f"{isolated_env}\n"
    other = tmp_path / "other"
    assert run("--home", str(other), "config", "path").stdout == f"{other}\n"
    run("account", "add", "work")
    settings = {s["key"]: s for s in run("config", "show", "--json").json()["settings"]}
    assert settings["home"]["source"] == "env" and settings["home"]["value"] == str(isolated_env)
    assert settings["current_account"] == {"key": "current_account", "value": "work",
                                           "source": "file", "origin": "config.toml"}
    settings = {s["key"]: s for s in
                run("--home", str(other), "config", "show", "--json").json()["settings"]}
    assert settings["home"]["source"] == "flag" and settings["current_account"]["value"] is None


def test_account_env_overrides_config(run, monkeypatch) -> None:
    run("account", "add", "work", "--plan", "plus")
    run("account", "add", "home", "--plan", "free")
    monkeypatch.setenv("GPTPRIV_ACCOUNT", "home")
    run("account", "opt-out", "--at", "2024-01-01")
    assert run("account", "show", "home", "--json").json()["training_now"] == "off"
    assert run("account", "show", "work", "--json").json()["training_now"] == "allowed"


def test_user_text_is_not_markup(run) -> None:
    run("account", "add", "work", "--plan", "plus")
    run("account", "opt-out", "--note", "[bold]kept[/bold] [redacted]")
    assert "[bold]kept[/bold] [redacted]" in run("account", "history").stdout
