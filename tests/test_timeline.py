"""Timeline lookup at its boundaries, and parsing of the times people type."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from gptpriv.errors import InvalidValue
from gptpriv.profiles.model import Entry, Timeline
from gptpriv.timeutil import iso_utc, parse_when

UTC = timezone.utc
T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)


def timeline(default: bool | None, *entries: tuple[datetime, bool]) -> Timeline:
    return Timeline(tuple(Entry(at, allowed) for at, allowed in entries), default)


def test_before_first_entry_is_the_default() -> None:
    line = timeline(True, (T0, False))
    assert line.value_at(T0 - ONE_US) is True
    assert timeline(None, (T0, False)).value_at(T0 - ONE_US) is None


def test_exactly_at_an_entry_it_is_in_force() -> None:
    line = timeline(True, (T0, False), (T0 + timedelta(days=1), True))
    assert line.value_at(T0) is False
    assert line.value_at(T0 + timedelta(days=1)) is True
    assert line.value_at(T0 + timedelta(days=1) - ONE_US) is False


def test_same_moment_later_entry_wins() -> None:
    assert timeline(True, (T0, False), (T0, True)).value_at(T0) is True


def test_offsets_compare_as_instants() -> None:
    plus_two = timezone(timedelta(hours=2))
    line = timeline(True, (datetime(2024, 5, 1, 11, 30, tzinfo=plus_two), False))
    assert line.value_at(T0) is False
    assert line.value_at(T0 - ONE_US) is True


def test_changes_marks_entries_that_change_nothing() -> None:
    line = timeline(True, (T0, True), (T0 + ONE_US, False), (T0 + 2 * ONE_US, False))
    assert line.changes() == [False, True, False]
    assert timeline(None, (T0, True)).changes() == [True]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01", "2024-05-01T00:00:00Z"),
        ("2024-05-01T09:30:00+02:00", "2024-05-01T07:30:00Z"),
        ("2024-05-01T09:30:00Z", "2024-05-01T09:30:00Z"),
        ("2024-05-01T09:30", "2024-05-01T09:30:00Z"),
        ("2024-05-01 09:30:00-05:00", "2024-05-01T14:30:00Z"),
    ],
)
def test_parse_when_in_utc(text: str, expected: str) -> None:
    assert iso_utc(parse_when(text)) == expected


def test_a_date_is_local_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    assert iso_utc(parse_when("2024-05-01")) == "2024-04-30T18:30:00Z"
    assert iso_utc(parse_when("2024-05-01T09:30")) == "2024-05-01T04:00:00Z"


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "", "01/05/2024"])
def test_parse_when_refuses_garbage(text: str) -> None:
    with pytest.raises(InvalidValue, match="invalid time"):
        parse_when(text)
