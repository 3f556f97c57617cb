"""Local times: hand-written TOML local dates and date-times mean local time, as `--at` does;
skipped and repeated local hours; and the ends of datetime's range, on every date path."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gptpriv.errors import InvalidValue
from gptpriv.timeutil import parse_when


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def _account(run, home: Path, training: str) -> Path:
    run("account", "add", "work", "--plan", "plus")
    path = home / "accounts" / "work.toml"
    path.write_text(path.read_text() + training)
    return path


@pytest.mark.parametrize("at", ["2024-06-01", "2024-05-01T09:30:00"])
def test_hand_written_local_at_reads_and_writes(run, isolated_env: Path, paris: None, at: str) -> None:
    path = _account(run, isolated_env, f"\n[[training]]\nat = {at}\nallowed = false\n")
    shown = run("account", "show", "work", "--json").json()
    # Local time in Paris (+02:00 in summer), exactly as `--at` reads the same text.
    assert shown["training"][0]["at"] == parse_when(at).isoformat().replace("+00:00", "Z")
    assert shown["training"][0]["at"] in ("2024-05-31T22:00:00Z", "2024-05-01T07:30:00Z")
    # Every write used to fail comparing a date with a date-time.
    run("account", "opt-in", "work", "--at", "2024-07-01T00:00:00Z")
    run("account", "opt-out", "work", "--at", "2024-01-01")
    entries = run("account", "show", "work", "--json").json()["training"]
    assert [e["allowed"] for e in entries] == [False, False, True]
    assert entries[1]["at"] == shown["training"][0]["at"]  # the hand-written entry kept its meaning
    import tomllib

    kept = tomllib.loads(path.read_text())["training"][1]["at"]
    assert kept.isoformat() == at and getattr(kept, "tzinfo", None) is None  # still local


def test_skipped_local_hour_is_refused(run, paris: None) -> None:
    with pytest.raises(InvalidValue, match="does not exist.*explicit offset.*2024-03-31T02:30\\+01:00"):
        parse_when("2024-03-31T02:30")
    run("account", "add", "work", "--plan", "plus")
    result = run("account", "opt-out", "work", "--at", "2024-03-31T02:30", ok=False)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "does not exist" in result.stderr
    assert run("account", "show", "work", "--json").json()["training"] == []


def test_repeated_local_hour_says_which_reading(run, paris: None) -> None:
    run("account", "add", "work", "--plan", "plus")
    result = run("account", "opt-out", "work", "--at", "2024-10-27T02:30")
    assert "happens twice" in result.stderr and "read as the first, 2024-10-27T02:30+02:00" in result.stderr
    assert run("account", "show", "work", "--json").json()["training"][0]["at"] == "2024-10-27T00:30:00Z"


def test_skipped_hour_in_a_profile_is_one_line(run, isolated_env: Path, paris: None) -> None:
    _account(run, isolated_env, "\n[[training]]\nat = 2024-03-31T02:30:00\nallowed = false\n")
    result = run("account", "show", "work", ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "`training[0].at`" in result.stderr and "does not exist" in result.stderr


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-12:00",
                                  "0001-01-01", "9999-12-31T23:00:00"])
def test_ends_of_the_range_on_the_command_line(run, text: str) -> None:
    with pytest.raises(InvalidValue, match="outside the years"):
        parse_when(text)
    run("account", "add", "work", "--plan", "plus")
    for args in (("account", "opt-out", "work", "--at", text), ("check", "-", "--since", text),
                 ("check", "-", "--until", text)):
        result = run(*args, input="[]", ok=False)
        assert result.exit_code == 2, args
        assert result.stderr.count("\n") == 1 and "outside the years" in result.stderr, args


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-12:00", "0001-01-01"])
def test_ends_of_the_range_in_a_profile(run, isolated_env: Path, value: str) -> None:
    _account(run, isolated_env, f"\n[[training]]\nat = {value}\nallowed = false\n")
    for args in (("account", "show", "work"), ("account", "opt-in", "work"), ("doctor",), ("status",)):
        result = run(*args, ok=False)
        assert result.exit_code == 2, args
        assert result.stderr.count("\n") == 1 and "outside the years" in result.stderr, args
