"""The domain: accounts, devices, GPTs, Actions, consent decisions and dated timelines.

Frozen, typed views of the profile files (built from TOML by `profiles.parse`). The raw dict
stays the source of truth for writing, so keys this version does not know survive a rewrite.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

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
    # Position in the profile file's list, to say where a fact came from. (A field named like
    # tuple.index, hence the ignore.)
    index: int = 0  # type: ignore[assignment]


class Timeline(NamedTuple):
    """A setting over time. `default` is in force before the first entry; None is unknown."""

    entries: tuple[Entry, ...]
    default: bool | None

    def entry_at(self, when: datetime) -> Entry | None:
        """The entry in force at `when`: the last one with `at <= when` (later wins on ties)."""
        # Keyed, not a list of times built per call: doctor and status ask once per entry.
        pos = bisect.bisect_right(self.entries, when, key=lambda e: e.at)
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
    index: int = 0  # type: ignore[assignment]  # a field named like tuple.index


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


class Snapshot:
    """Everything the resolver may consult: the profiles as they were read."""

    def __init__(self, accounts: tuple[Account, ...] = (), gpts: tuple[Gpt, ...] = ()) -> None:
        self.accounts, self.gpts = accounts, gpts
        self._by_id: dict[str, Gpt] = {}
        names: dict[str, list[str]] = {}
        for gpt in gpts:
            if gpt.id:
                self._by_id.setdefault(gpt.id, gpt)
                names.setdefault(gpt.id, []).append(gpt.name)
        # An id on several profiles (hand-edited): which one holds is never guessed.
        self.duplicate_ids = {gid: tuple(n) for gid, n in names.items() if len(n) > 1}

    def gpt_by_id(self, gpt_id: str) -> Gpt | None:
        """A GPT by its `g-...` id; `profile:NAME` names a profile that has no id yet. None
        for an id that several profiles claim (`doctor` reports them)."""
        if gpt_id.startswith("profile:"):
            return self.gpt_by_name(gpt_id[8:])
        if gpt_id in self.duplicate_ids:
            return None
        return self._by_id.get(gpt_id)

    def gpt_by_name(self, name: str) -> Gpt | None:
        return next((g for g in self.gpts if g.name == name), None)
