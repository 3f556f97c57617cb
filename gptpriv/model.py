"""The domain: accounts, devices, GPTs, Actions, consent decisions and dated timelines.

Frozen, typed views of the profile files. `parse_account` and `parse_gpt` validate a raw
TOML dict and raise ProfileError naming the file and the key; the raw dict itself stays the
source of truth for writing, so keys this version does not know survive a rewrite.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from gptpriv.errors import ProfileError
from gptpriv.timeutil import as_utc

CONSUMER_PLANS = ("free", "go", "plus", "pro")
BUSINESS_PLANS = ("team", "business", "enterprise", "edu", "api")
PLANS = CONSUMER_PLANS + BUSINESS_PLANS
VISIBILITIES = ("only-me", "link", "public", "workspace")
AUTH_KINDS = ("none", "api-key", "oauth")
# "reset" ends a standing decision: from then on ChatGPT asks again.
DECISIONS = ("allow", "always_allow", "deny", "reset")


class Entry(NamedTuple):
    """One dated change of a setting: in force from `at` until the next entry."""

    at: datetime
    allowed: bool
    note: str = ""
    index: int = 0  # position in the profile file's list, to say where a fact came from


class Timeline(NamedTuple):
    """A setting over time. `default` is in force before the first entry; None is unknown."""

    entries: tuple[Entry, ...]
    default: bool | None

    def entry_at(self, when: datetime) -> Entry | None:
        """The entry in force at `when`: the last one with `at <= when` (later wins on ties)."""
        pos = bisect.bisect_right([e.at for e in self.entries], when)
        return self.entries[pos - 1] if pos else None

    def value_at(self, when: datetime) -> bool | None:
        entry = self.entry_at(when)
        return entry.allowed if entry else self.default

    def changes(self) -> list[bool]:
        """For each entry, whether it changed the value in force just before it."""
        result, current = [], self.default
        for entry in self.entries:
            result.append(entry.allowed != current)
            current = entry.allowed
        return result


class Device(NamedTuple):
    name: str
    history: Timeline  # the legacy "Chat History & Training" toggle; allowed = on


class Consent(NamedTuple):
    gpt: str
    domain: str
    decision: str
    at: datetime
    index: int = 0


class Account(NamedTuple):
    name: str
    path: Path
    email: str | None
    plan: str | None
    training: Timeline
    devices: tuple[Device, ...] = ()
    consents: tuple[Consent, ...] = ()

    @property
    def is_business(self) -> bool:
        return self.plan in BUSINESS_PLANS

    def device(self, name: str) -> Device | None:
        return next((d for d in self.devices if d.name == name), None)

    def consent_at(self, gpt: str, domain: str, when: datetime) -> Consent | None:
        """The standing decision for (GPT, domain) at `when`, or None (no record, or reset)."""
        found = None
        for consent in self.consents:
            if consent.gpt == gpt and consent.domain == domain and consent.at <= when:
                found = consent
        return None if found is None or found.decision == "reset" else found


class Operation(NamedTuple):
    id: str
    consequential: bool


class Action(NamedTuple):
    domain: str
    auth: str = "none"
    privacy_policy: str | None = None
    operations: tuple[Operation, ...] = ()

    @property
    def has_consequential(self) -> bool:
        return any(op.consequential for op in self.operations)


class Report(NamedTuple):
    at: datetime
    reason: str


class Gpt(NamedTuple):
    name: str
    path: Path
    title: str | None
    id: str | None
    mine: bool
    visibility: str | None
    verified_builder: bool
    builder: str | None
    training: Timeline
    actions: tuple[Action, ...] = ()
    reports: tuple[Report, ...] = ()

    def action(self, domain: str) -> Action | None:
        return next((a for a in self.actions if a.domain == domain), None)


def plan_default(plan: str | None) -> bool | None:
    """The account-wide control before its first entry (RULES.md, notes)."""
    if plan is None:
        return None  # never given: unknown, so the resolver says what is missing
    return plan in CONSUMER_PLANS


def builder_default(mine: bool) -> bool | None:
    """Your own GPT starts with the editor's box checked; someone else's is unknown."""
    return True if mine else None


class _Reader:
    """Typed access to a raw dict that names the file and key path in every error."""

    def __init__(self, path: Path, data: Mapping[str, Any], where: str = "") -> None:
        self.path, self.data, self.where = path, data, where

    def fail(self, key: str, expected: str) -> ProfileError:
        place = f"{self.where}.{key}" if self.where else key
        return ProfileError(f"{self.path}: `{place}`: expected {expected}")

    def str(self, key: str, *, required: bool = False, choices: Sequence[str] = ()) -> Any:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or (choices and value not in choices):
            raise self.fail(key, f"one of {', '.join(choices)}" if choices else "a string")
        return value

    def bool(self, key: str, default: bool | None = None) -> bool:
        """A boolean; with no default, the key is required."""
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def time(self, key: str) -> datetime:
        value = self.data.get(key)
        if not isinstance(value, (datetime, date)):
            raise self.fail(key, "a date-time such as 2024-05-01T09:30:00Z")
        return as_utc(value)

    def tables(self, key: str) -> list[_Reader]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "an array of tables")
        return [_Reader(self.path, v, f"{self.prefix(key)}[{i}]") for i, v in enumerate(value)]

    def prefix(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key


def _timeline(reader: _Reader, key: str, default: bool | None) -> Timeline:
    entries = [
        Entry(r.time("at"), r.bool("allowed"), r.str("note") or "", i)
        for i, r in enumerate(reader.tables(key))
    ]
    # Stable sort: entries recorded for the same moment keep their order, the later one wins.
    entries.sort(key=lambda e: e.at)
    return Timeline(tuple(entries), default)


def parse_account(path: Path, data: Mapping[str, Any]) -> Account:
    r = _Reader(path, data)
    plan = r.str("plan", choices=PLANS)
    devices = tuple(
        Device(d.str("name", required=True), _timeline(d, "history", True))
        for d in r.tables("devices")
    )
    consents = sorted(
        (
            Consent(c.str("gpt", required=True), c.str("domain", required=True),
                    c.str("decision", required=True, choices=DECISIONS), c.time("at"), i)
            for i, c in enumerate(r.tables("consents"))
        ),
        key=lambda c: c.at,
    )
    return Account(
        name=r.str("name", required=True), path=path, email=r.str("email"), plan=plan,
        training=_timeline(r, "training", plan_default(plan)),
        devices=devices, consents=tuple(consents),
    )


def parse_gpt(path: Path, data: Mapping[str, Any]) -> Gpt:
    r = _Reader(path, data)
    mine = r.bool("mine", True)
    actions = tuple(
        Action(
            domain=a.str("domain", required=True),
            auth=a.str("auth", choices=AUTH_KINDS) or "none",
            privacy_policy=a.str("privacy_policy"),
            operations=tuple(
                Operation(o.str("id", required=True), o.bool("consequential", False))
                for o in a.tables("operations")
            ),
        )
        for a in r.tables("actions")
    )
    reports = tuple(Report(p.time("at"), p.str("reason") or "") for p in r.tables("reports"))
    return Gpt(
        name=r.str("name", required=True), path=path, title=r.str("title"), id=r.str("id"),
        mine=mine, visibility=r.str("visibility", choices=VISIBILITIES),
        verified_builder=r.bool("verified_builder", False), builder=r.str("builder"),
        training=_timeline(r, "training", builder_default(mine)),
        actions=actions, reports=reports,
    )


class Snapshot:
    """Everything the resolver may consult: the profiles as they were read."""

    def __init__(self, accounts: tuple[Account, ...] = (), gpts: tuple[Gpt, ...] = ()) -> None:
        self.accounts, self.gpts = accounts, gpts
        self._by_id: dict[str, Gpt] = {}
        for gpt in gpts:
            if gpt.id:
                self._by_id.setdefault(gpt.id, gpt)

    def gpt_by_id(self, gpt_id: str) -> Gpt | None:
        """A GPT by its `g-...` id; `profile:NAME` names a profile that has no id yet."""
        if gpt_id.startswith("profile:"):
            return self.gpt_by_name(gpt_id[8:])
        return self._by_id.get(gpt_id)

    def gpt_by_name(self, name: str) -> Gpt | None:
        return next((g for g in self.gpts if g.name == name), None)
