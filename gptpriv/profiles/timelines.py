"""Editing dated timelines in a raw profile dict: the one way every timeline (account training,
device history, GPT builder training, consents) gains an entry."""

from __future__ import annotations

from collections.abc import MutableSequence
from datetime import date, datetime
from typing import Any

from gptpriv import plural
from gptpriv.errors import NotFound
from gptpriv.profiles.model import Entry, Timeline
from gptpriv.timeutil import as_utc


def insert_entry(entries: MutableSequence[dict[str, Any]], entry: dict[str, Any]) -> None:
    """Add a dated entry after every entry at or before its time, keeping the list sorted.

    Entries written by hand may hold TOML local dates or date-times: they are compared as the
    instants they mean (local time), never as raw values of different types."""
    at = as_utc(entry["at"])
    position = sum(1 for e in entries if isinstance(e.get("at"), (date, datetime)) and as_utc(e["at"]) <= at)
    entries.insert(position, entry)


def timeline_entry(allowed: bool, at: datetime, note: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": at, "allowed": allowed}
    if note:
        entry["note"] = note
    return entry


def record_entry(entries: MutableSequence[dict[str, Any]], timeline: Timeline, allowed: bool,
                 at: datetime, note: str | None) -> bool:
    """Add a dated entry to the raw list behind `timeline`; True if it changed what was in
    force at `at` (the entry is recorded either way)."""
    before = timeline.value_at(at)
    insert_entry(entries, timeline_entry(allowed, at, note))
    return before != allowed


def remove_entry(entries: MutableSequence[dict[str, Any]], timeline: Timeline, number: int,
                 what: str) -> Entry:
    """Remove entry `number` (1 is the oldest, as `history` numbers them) from the raw list
    behind `timeline`, and return it."""
    if not 1 <= number <= len(timeline.entries):
        count = len(timeline.entries)
        has = f"it has {plural.count(count, 'entry')}" if count else "it has no entries"
        raise NotFound(f"no entry {number} in the history of {what}: {has} "
                       "(numbered oldest first by its `history` command)")
    entry = timeline.entries[number - 1]
    del entries[entry.index]  # `index` is the entry's place in the file's list
    return entry
