"""Times: parsed from what people type, kept as aware UTC, shown in local time."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from gptpriv.errors import InvalidValue, show

UTC = timezone.utc


def now() -> datetime:
    # Whole seconds: entries recorded "now" read better and compare exactly after a round trip.
    return datetime.now(UTC).replace(microsecond=0)


def parse_when(text: str) -> datetime:
    """Parse an ISO date or date-time typed by a person into aware UTC.

    A date means local midnight; a date-time without offset means local time.
    """
    raw = text.strip()
    if raw.lower() == "now":
        return now()
    try:
        if len(raw) == 10:
            local = datetime.combine(date.fromisoformat(raw), time())
            return local.astimezone().astimezone(UTC)
        parsed = datetime.fromisoformat(raw.replace(" ", "T", 1))
    except ValueError:
        raise InvalidValue(
            f"invalid time {show(text)}: use an ISO date or date-time such as "
            "`2024-05-01` or `2024-05-01T09:30:00+02:00`"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.astimezone()  # local time, as a person means it
    return parsed.astimezone(UTC)


def as_utc(value: datetime | date) -> datetime:
    """A TOML value read from a profile as aware UTC (files are written in UTC)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.combine(value, time(), tzinfo=UTC)


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, for JSON and files."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def local_text(value: datetime) -> str:
    """A time as a person reads it: local time, minutes precision, with the offset."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M %z")


# Clocks differ a little between machines; a moment this close to now still counts as now.
_CLOCK_SKEW_SECONDS = 120


def happened(text: str | None) -> datetime:
    """When something the person records happened: `--at` (default now), never in the future."""
    moment = parse_when(text) if text else now()
    if (moment - now()).total_seconds() > _CLOCK_SKEW_SECONDS:
        raise InvalidValue(f"{show(text)} is in the future: gptpriv records what happened; "
                           "give the time you changed the setting")
    return moment
