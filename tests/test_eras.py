"""The policy history from the command line: what existed when, on a real 2023 export, in
`status`, when recording, and in `doctor`."""

from __future__ import annotations

from conftest import REAL_EXPORTS

REAL_2023 = REAL_EXPORTS / "my_chat_gpt-2023-plugin-call.json"  # created 2023-05-30


def laptop_off_in_may_2023(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    run("device", "add", "laptop")
    run("device", "add", "phone")
    run("device", "history-off", "laptop", "--at", "2023-05-01")


def test_real_2023_export_with_the_device_named_is_a_contradiction(run) -> None:
    laptop_off_in_may_2023(run)
    [row] = run("check", str(REAL_2023), "--device", "laptop", "--json").json()["conversations"]
    # Saved to history, so not started with the switch off: the other rules decide.
    assert row["verdict"] == "eligible"
    assert [r["rule"] for r in row["reasons"]] == ["consumer.default"]
    assert [n["rule"] for n in row["notices"]] == ["device.contradiction"]
    assert row["notices"][0]["era"] == "era.device_toggle"
    assert "`laptop`" in row["notices"][0]["message"]
    text = run("check", str(REAL_2023), "--device", "laptop", "--explain").stdout
    assert "device.history_off" not in text
    assert ("device.contradiction: this conversation was saved to history, so it was not started "
            "with Chat History & Training off on `laptop`") in text
    assert "inside era.device_toggle (2023-04-25 – about 2024-04-30)" in text
    # Without --device, no notice; the text output says why the record decided nothing.
    [row] = run("check", str(REAL_2023), "--json").json()["conversations"]
    assert row["verdict"] == "eligible" and row["notices"] == []
    note = run("check", str(REAL_2023)).stderr
    assert "the switch recorded off on laptop decides no conversation here" in note
    assert note.count("\n") == 2  # one or two short lines; the detail with --explain
    assert "has Chat History & Training off on laptop inside era.device_toggle" in run(
        "check", str(REAL_2023), "--explain").stderr
    assert "switch recorded off" not in run(
        "check", str(REAL_2023), "--device", "phone").stderr


def test_status_in_the_device_era_applies_the_switch_and_says_what_existed(run) -> None:
    laptop_off_in_may_2023(run)
    text = run("status", "--at", "2023-06-01", "--device", "laptop", "--explain").stdout
    lines, flat = text.splitlines(), " ".join(text.split())
    assert ("At that time: the per-browser Chat History & Training switch, which did not sync "
            "(era.device_toggle (2023-04-25 – about 2024-04-30)); account-wide only an opt-out "
            "by privacy request (era.privacy_request) Training: not eligible (not used for "
            "training) device.history_off:") in flat
    assert "is not saved to history" in flat
    assert "  laptop: Chat History & Training off since 2023-05-01T00:00:00Z" in lines
    assert "  phone: Chat History & Training not recorded" in lines  # never "on" by default
    # Without --explain: the same in words, the eras by their dates, no ids.
    plain = run("status", "--at", "2023-06-01", "--device", "laptop").stdout
    assert ("At that time: the per-browser Chat History & Training switch, which did not sync "
            "(2023-04-25 – about 2024-04-30); account-wide only an opt-out by privacy request "
            "Training: not eligible (not used for training): history off on the device "
            "2023-05-01 ") in " ".join(plain.split())
    assert "era." not in plain and "device.history_off" not in plain and "`" not in plain


def test_status_after_the_era_carries_the_device_over(run) -> None:
    laptop_off_in_may_2023(run)
    doc = run("status", "--at", "2024-06-01", "--json").json()
    assert doc["verdict"] == "undetermined"
    assert [r["rule"] for r in doc["reasons"]] == ["device.carried_over"]
    assert doc["reasons"][0]["era"] == "era.device_toggle"
    assert "Improve the model for everyone" in doc["missing"][0]
    assert [(d["name"], d["history"], d["switch"]) for d in doc["devices"]] == [
        ("laptop", "off", "ended"), ("phone", "not recorded", "ended")]
    run("account", "opt-out", "--at", "2024-05-01")
    assert run("status", "--at", "2024-06-01", "--json").json()["reasons"][0]["rule"] == (
        "account.training_off")


def test_status_temporary_inside_the_preservation_order(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    text = run("status", "--temporary", "--at", "2025-06-01").stdout
    assert "Kept: a temporary chat is kept up to 30 days for safety, then deleted" in text
    assert "Kept: inside 2025-05-13 – 2025-09-26, a court order" in " ".join(text.split())
    explained = " ".join(run("status", "--temporary", "--at", "2025-06-01", "--explain").stdout.split())
    assert "Kept: inside era.preservation_order (2025-05-13 – 2025-09-26), a court order" in explained
    doc = run("status", "--temporary", "--at", "2025-10-01", "--json").json()
    assert [n["rule"] for n in doc["notices"]] == ["retention.temporary"]


def test_account_opt_out_before_the_account_control_says_what_it_was(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    result = run("account", "opt-out", "--at", "2023-05-01")
    assert result.stdout.startswith("Recorded: training off for account me from 2023-05-01")
    assert result.stderr.splitlines() == [
        "gptpriv: note: before about 2024-04-30 the account-wide opt-out was a privacy request "
        "(the form, or the privacy portal's \"do not train on my content\"); the Chat History & "
        "Training switch is recorded per device: `gptpriv device history-off DEVICE --at "
        "2023-05-01T00:00:00Z`"]
    assert run("account", "opt-in", "--at", "2024-04-30T00:00:00Z").stderr == ""
    help_text = " ".join(run("account", "opt-out", "--help").stdout.split())
    assert "\"Improve the model for everyone\" in Settings > Data controls (from about 2024-04-30)" in help_text
    assert "`gptpriv device history-off|history-on`" in help_text


def test_device_entry_outside_the_era_warns_and_doctor_reports_it(run) -> None:
    run("account", "add", "me", "--plan", "plus")
    run("device", "add", "laptop")
    assert run("device", "history-off", "laptop", "--at", "2023-06-01").stderr == ""
    result = run("device", "history-off", "laptop", "--at", "2024-06-01")
    assert "the per-device switch existed only 2023-04-25 – about 2024-04-30" in result.stderr
    help_text = " ".join(run("device", "history-off", "--help").stdout.split())
    assert "which existed 2023-04-25 – about 2024-04-30, per browser or app, and did not sync" in help_text
    findings = run("doctor", "--json").json()["findings"]
    outside = [f for f in findings if f["rule"] == "lint.device_outside_era"]
    assert len(outside) == 1 and "history[1]" in outside[0]["message"]
    assert "2024-06-01 00:00 UTC" in outside[0]["message"]


def test_api_plan_before_2023_03_01_and_team_as_business(run) -> None:
    run("account", "add", "org", "--plan", "api")
    assert run("status", "--at", "2023-02-01", "--json").json()["reasons"][0]["rule"] == (
        "consumer.default")
    doc = run("status", "--at", "2023-03-01", "--json").json()
    assert doc["reasons"][0]["rule"] == "plan.business"
    assert doc["reasons"][0]["era"] == "era.api_not_trained"
    run("account", "set", "org", "--plan", "team")
    doc = run("status", "--at", "2025-01-01", "--json").json()
    assert "plan `team` (Team, now Business)" in doc["reasons"][0]["message"]
    assert "Plan: team (Team, now Business: renamed on 2025-08-29)" in run(
        "status", "--at", "2025-01-01").stdout.splitlines()
