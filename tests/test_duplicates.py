"""One email on two accounts, one GPT id on two profiles: refused when typed, reported by
`doctor` when hand-edited, never guessed between by `check`. And `doctor` stays linear."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gptpriv.policy.lints import devices_disagree
from gptpriv.profiles.model import Account, Device, Entry, Timeline

from export_builder import ConversationBuilder, write_export

UTC = timezone.utc


def _export(tmp_path: Path, email: str) -> Path:
    c = ConversationBuilder("c-1", "One", 1.70e9)
    c.turn("q", "a")
    return write_export(tmp_path / "export", [c.build()], email=email)


def test_account_add_and_set_refuse_an_email_already_used(run) -> None:
    run("account", "add", "work", "--plan", "plus", "--email", "me@example.com")
    result = run("account", "add", "other", "--email", " ME@Example.com ", ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "already on account `work`" in result.stderr
    run("account", "add", "home", "--plan", "free", "--email", "home@example.com")
    result = run("account", "set", "home", "--email", "Me@example.COM", ok=False)
    assert result.exit_code == 2 and "already on account `work`" in result.stderr
    assert run("account", "show", "home", "--json").json()["email"] == "home@example.com"
    run("account", "set", "work", "--email", "me@example.com")  # its own email again is fine


def test_emails_are_stored_trimmed_and_matched_case_folded(run, tmp_path: Path) -> None:
    run("account", "add", "work", "--plan", "plus", "--email", "  me@example.com ")
    assert run("account", "show", "work", "--json").json()["email"] == "me@example.com"
    doc = run("check", str(_export(tmp_path, " ME@example.com\t")), "--json").json()
    assert doc["exports"][0]["account"] == "work"


def test_check_never_guesses_between_two_accounts_with_one_email(run, isolated_env: Path,
                                                                 tmp_path: Path) -> None:
    run("account", "add", "a-first", "--plan", "plus", "--email", "me@example.com")
    run("account", "add", "b-second", "--plan", "team", "--email", "other@example.com")
    path = isolated_env / "accounts" / "b-second.toml"  # hand-edited: now the same email
    path.write_text(path.read_text().replace("other@example.com", " Me@Example.com"))
    doc = run("check", str(_export(tmp_path, "me@example.com")), "--json").json()
    assert doc["exports"][0]["account"] is None
    assert "several account profiles (`a-first`, `b-second`)" in doc["exports"][0]["account_reason"]
    assert doc["summary"]["undetermined"] == 1
    findings = run("doctor", "--json").json()["findings"]
    assert [f["rule"] for f in findings] == ["lint.duplicate_email"]
    assert "a-first, b-second" in findings[0]["message"] and findings[0]["level"] == "error"


def test_doctor_reports_two_gpt_profiles_with_one_id(run, isolated_env: Path) -> None:
    run("gpt", "create", "travel", "--id", "g-abc")
    run("gpt", "create", "copy", "--id", "g-xyz")
    path = isolated_env / "gpts" / "copy.toml"
    path.write_text(path.read_text().replace("g-xyz", "g-abc"))
    result = run("doctor", "--json", "--fail-on", "error", ok=False)
    assert result.exit_code == 1
    found = [f for f in result.json()["findings"] if f["rule"] == "lint.duplicate_gpt_id"]
    assert len(found) == 1 and "travel" in found[0]["message"] and "copy" in found[0]["message"]


def test_rules_lists_the_new_lints(run) -> None:
    out = run("rules").stdout
    assert "lint.duplicate_email" in out and "lint.duplicate_gpt_id" in out


# -- devices_disagree: the sweep finds exactly what comparing at every moment finds ----------


def _by_every_moment(account: Account, now: datetime) -> dict[tuple[str, str], datetime]:
    """The former definition, quadratic: every pair's states at every moment."""
    recorded = [d for d in account.devices if d.history.entries]
    moments = sorted({e.at for d in recorded for e in d.history.entries}
                     | {e.at for e in account.training.entries} | {now})
    found: dict[tuple[str, str], datetime] = {}
    for moment in moments:
        states = [(d.name, d.history.value_at(moment)) for d in recorded]
        value = account.training.value_at(moment)
        if value is not None and recorded and not account.is_business:
            states.append(("the account", value))
        for i, (a, a_value) in enumerate(states):
            for b, b_value in states[i + 1:]:
                if a_value != b_value:
                    found.setdefault((a, b), moment)
    return found


T0 = datetime(2024, 1, 1, tzinfo=UTC)
entries = st.lists(st.tuples(st.integers(0, 20), st.booleans()), max_size=6).map(
    lambda xs: tuple(sorted((Entry(T0 + timedelta(days=d), v, "", i) for i, (d, v) in enumerate(xs)),
                            key=lambda e: e.at)))


@settings(max_examples=300, deadline=None)
@given(st.lists(entries, max_size=4), entries, st.sampled_from([None, "plus", "team"]), st.integers(0, 25))
def test_the_sweep_matches_every_moment(devices, training, plan, day) -> None:
    account = Account("a", Path("a.toml"), None, plan,
                      Timeline(training, None if plan is None else plan == "plus"),
                      tuple(Device(f"d{i}", Timeline(h, True)) for i, h in enumerate(devices)))
    now = T0 + timedelta(days=day)
    expected = _by_every_moment(account, now)
    got = devices_disagree(account, now)
    assert len(got) == len(expected)
    for finding, ((a, b), since) in zip(got, expected.items(), strict=True):
        assert f"{since:%Y-%m-%d %H:%M}" in finding.message and a in finding.message and b in finding.message


def test_check_never_mixes_two_gpt_profiles_with_one_id(run, isolated_env: Path, tmp_path: Path) -> None:
    gpt = "g-681c8e39d12c81918c7c9723fea1e4fb"
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    run("gpt", "create", "a-first", "--id", gpt, "--not-mine")
    run("gpt", "opt-in", "a-first", "--at", "2023-01-01")
    run("gpt", "create", "b-second", "--id", "g-other", "--not-mine")
    run("gpt", "opt-out", "b-second", "--at", "2023-01-01")
    c = ConversationBuilder("c-1", "One", 1.70e9, gizmo_id=gpt, gizmo_type="gpt")
    c.turn("q", "a", gizmo_id=gpt)
    export = write_export(tmp_path / "export", [c.build()], email="me@example.com")
    assert run("check", str(export), "--json").json()["conversations"][0]["verdict"] == "eligible"
    path = isolated_env / "gpts" / "b-second.toml"
    path.write_text(path.read_text().replace("g-other", gpt))
    row = run("check", str(export), "--json").json()["conversations"][0]
    assert row["verdict"] == "undetermined"
    assert "several profiles (`a-first`, `b-second`)" in row["reasons"][0]["message"]
