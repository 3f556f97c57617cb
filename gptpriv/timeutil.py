"""Times: parsed from what people type, kept as aware UTC, shown in local time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from gptpriv.errors import InvalidValue, show

UTC = timezone.utc
# A day inside datetime's own range at each end, so that showing any accepted time in any
# local offset (at most a day away) or adding an offset to it can never overflow.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
_RANGE = "outside the years 0001 to 9999 that gptpriv handles"

def now() -> datetime:
    # Whole seconds: entries recorded "now" read better and compare exactly after a round trip.
    return datetime.now(UTC).replace(microsecond=0)

def parse_when(text: str, notice: Callable[[str], None] | None = None) -> datetime:
    """Parse an ISO date or date-time typed by a person into aware UTC.

    A date means local midnight; a date-time without offset means local time. A local time
    that does not exist (the hour skipped when clocks go forward) is refused; one that exists
    twice (the hour repeated when they go back) is read as the first, and `notice` is told.
    """
    raw = text.strip()
    if raw.lower() == "now":
        return now()
    try:
        if len(raw) == 10:
            parsed = datetime.combine(date.fromisoformat(raw), time())
        else:
            parsed = datetime.fromisoformat(raw.replace(" ", "T", 1))
    except ValueError:
        raise InvalidValue(
            f"invalid time {show(text)}: use an ISO date or date-time such as "
            "`2024-05-01` or `2024-05-01T09:30:00+02:00`"
        ) from None
    if parsed.tzinfo is None:
        return local_to_utc(parsed, f"time {show(text)}", notice)  # local, as a person means it
    return checked_utc(parsed, f"time {show(text)}")

def checked_utc(value: datetime, what: str) -> datetime:
    """An aware time as UTC, refused when it is too near the ends of datetime's range."""
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidValue(f"invalid {what}: {_RANGE}") from None
    if not EARLIEST <= utc <= LATEST:
        raise InvalidValue(f"invalid {what}: {_RANGE}")
    return utc

def local_to_utc(naive: datetime, what: str, notice: Callable[[str], None] | None = None) -> datetime:
    """A wall-clock time in the local time zone as aware UTC.

    Both readings of the wall time (PEP 495's fold) are computed: if neither gives back the
    same wall time, the time fell in a gap; if they differ, it was in the repeated hour.
    """
    try:
        first, second = (naive.replace(fold=f).astimezone() for f in (0, 1))
    except (OverflowError, ValueError, OSError):
        raise InvalidValue(f"invalid {what}: {_RANGE}") from None
    if first.replace(tzinfo=None) != naive and second.replace(tzinfo=None) != naive:
        # The offset in force just before the gap: which reading fold=0 gives for a time in a
        # gap differs between Python versions (3.11 and 3.12 disagree), this one does not.
        before = (naive - timedelta(hours=3)).astimezone()
        raise InvalidValue(
            f"invalid {what}: that local time does not exist (the clocks skipped it): give an "
            f"explicit offset such as `{naive:%Y-%m-%dT%H:%M}{_offset(before)}`")
    if first.utcoffset() != second.utcoffset() and notice is not None:
        notice(f"{what} happens twice in local time (the clocks went back): read as the "
               f"first, {naive:%Y-%m-%dT%H:%M}{_offset(first)}; give an explicit offset such as "
               f"`{naive:%Y-%m-%dT%H:%M}{_offset(second)}` for the second")
    return checked_utc(first, what)

def _offset(value: datetime) -> str:
    text = value.strftime("%z")
    return f"{text[:3]}:{text[3:]}" if len(text) == 5 else text

def as_utc(value: datetime | date) -> datetime:
    """A TOML value read from a profile as aware UTC. TOML's local dates and local
    date-times mean local time, as `--at` does (gptpriv itself writes offset date-times in
    UTC); a repeated local hour is read as its first occurrence."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return local_to_utc(value, f"time `{value.isoformat()}`")
        try:  # the common case, once per timeline entry: no message built unless it fails
            utc = value.astimezone(UTC)
            if EARLIEST <= utc <= LATEST:
                return utc
        except (OverflowError, ValueError):
            pass
        return checked_utc(value, f"time `{value.isoformat()}`")
    return local_to_utc(datetime.combine(value, time()), f"date `{value.isoformat()}`")

def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, for JSON and files."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")

def local_text(value: datetime) -> str:
    """A time as a person reads it: local time, minutes precision, with the offset."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M %z")


# Clocks differ a little between machines; a moment this close to now still counts as now.
_CLOCK_SKEW_SECONDS = 120


def happened(text: str | None, notice: Callable[[str], None] | None = None) -> datetime:
    """When something the person records happened: `--at` (default now), never in the future."""
    moment = parse_when(text, notice) if text else now()
    if (moment - now()).total_seconds() > _CLOCK_SKEW_SECONDS:
        raise InvalidValue(f"{show(text)} is in the future: gptpriv records what happened; "
                           "give the time you changed the setting")
    return moment
