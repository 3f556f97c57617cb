"""From a raw TOML dict to the typed profiles of `profiles.model`.

`parse_account` and `parse_gpt` validate what they read and raise ProfileError naming the
file and the key path, so a hand-edited profile says exactly where it is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gptpriv.errors import InvalidValue, ProfileError
from gptpriv.profiles.model import (
    AUTH_KINDS,
    DECISIONS,
    PLANS,
    VISIBILITIES,
    Account,
    Action,
    Consent,
    Device,
    Entry,
    Gpt,
    Operation,
    Report,
    Timeline,
    builder_default,
    plan_default,
)
from gptpriv.timeutil import as_utc


class _Reader:
    """Typed access to a raw dict that names the file and key path in every error."""

    def __init__(self, path: Path, data: Mapping[str, Any], where: str = "") -> None:
        self.path, self.data, self.where = path, data, where

    def fail(self, key: str, expected: str) -> ProfileError:
        place = f"{self.where}.{key}" if self.where else key
        return ProfileError(f"{self.path}: `{place}`: expected {expected}")

    def text(self, key: str, *, required: bool = False, choices: Sequence[str] = ()) -> Any:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or (choices and value not in choices):
            raise self.fail(key, f"one of {', '.join(choices)}" if choices else "a string")
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        """A boolean; with no default, the key is required."""
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def time(self, key: str) -> datetime:
        value = self.data.get(key)
        if not isinstance(value, (datetime, date)):
            raise self.fail(key, "a date-time such as 2024-05-01T09:30:00Z")
        try:
            return as_utc(value)
        except InvalidValue as exc:  # the ends of the range, or a skipped local hour
            place = self.prefix(key)
            raise ProfileError(f"{self.path}: `{place}`: {exc}") from None

    def tables(self, key: str) -> list[_Reader]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "an array of tables")
        return [_Reader(self.path, v, f"{self.prefix(key)}[{i}]") for i, v in enumerate(value)]

    def prefix(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key


def _timeline(reader: _Reader, key: str, default: bool | None) -> Timeline:
    entries = [
        Entry(r.time("at"), r.flag("allowed"), r.text("note") or "", i)
        for i, r in enumerate(reader.tables(key))
    ]
    # Stable sort: entries recorded for the same moment keep their order, the later one wins.
    entries.sort(key=lambda e: e.at)
    return Timeline(tuple(entries), default)


def parse_account(path: Path, data: Mapping[str, Any]) -> Account:
    r = _Reader(path, data)
    plan = r.text("plan", choices=PLANS)
    devices = tuple(
        Device(d.text("name", required=True), _timeline(d, "history", True))
        for d in r.tables("devices")
    )
    consents = sorted(
        (
            Consent(c.text("gpt", required=True), c.text("domain", required=True),
                    c.text("decision", required=True, choices=DECISIONS), c.time("at"), i)
            for i, c in enumerate(r.tables("consents"))
        ),
        key=lambda c: c.at,
    )
    return Account(
        name=r.text("name", required=True), path=path, email=r.text("email"), plan=plan,
        # `training_default = "unknown"`: the person does not remember whether they opted out
        # before the first entry, so the plan's default is not taken as a fact.
        training=_timeline(r, "training", None if r.text("training_default", choices=("unknown",))
                           else plan_default(plan)),
        devices=devices, consents=tuple(consents),
    )


def parse_gpt(path: Path, data: Mapping[str, Any]) -> Gpt:
    r = _Reader(path, data)
    mine = r.flag("mine", True)
    actions = tuple(
        Action(
            domain=a.text("domain", required=True),
            auth=a.text("auth", choices=AUTH_KINDS) or "none",
            privacy_policy=a.text("privacy_policy"),
            operations=tuple(
                Operation(o.text("id", required=True), o.flag("consequential", False))
                for o in a.tables("operations")
            ),
        )
        for a in r.tables("actions")
    )
    reports = tuple(Report(p.time("at"), p.text("reason") or "") for p in r.tables("reports"))
    return Gpt(
        name=r.text("name", required=True), path=path, title=r.text("title"), id=r.text("id"),
        mine=mine, visibility=r.text("visibility", choices=VISIBILITIES),
        verified_builder=r.flag("verified_builder", False), builder=r.text("builder"),
        training=_timeline(r, "training", builder_default(mine)),
        actions=actions, reports=reports,
    )
