"""The legacy per-device "Chat History & Training" switch over the policy eras.

It existed only inside era.device_toggle; an entry dated outside it describes a switch that did
not exist then, and is ignored (`doctor` reports it: lint.device_outside_era). Pure functions.
"""

from __future__ import annotations

from datetime import datetime

from gptpriv.policy import eras
from gptpriv.profiles.model import Account, Device, Entry, Timeline


def _in_era(timeline: Timeline) -> Timeline:
    """The device entries dated inside era.device_toggle: one outside it describes a switch
    that did not exist then, and is ignored (doctor says so: lint.device_outside_era)."""
    if all(eras.in_device_era(e.at) for e in timeline.entries):
        return timeline
    return timeline._replace(entries=tuple(e for e in timeline.entries if eras.in_device_era(e.at)))


def device_switch(device: Device, when: datetime | None) -> tuple[Entry | None, bool | None]:
    """A device's Chat History & Training switch at `when`: the entry in force and its value.
    Outside era.device_toggle there was no such switch: (None, None)."""
    if when is None or not eras.in_device_era(when):
        return None, None
    timeline = _in_era(device.history)
    entry = timeline.entry_at(when)
    return entry, entry.allowed if entry else timeline.default


def in_era_entries(device: Device) -> tuple[Entry, ...]:
    """The entries of a device that count: those dated inside era.device_toggle."""
    return _in_era(device.history).entries


def switch_at_end(device: Device) -> bool | None:
    """The device's switch when era.device_toggle ended (what "your choice will remain" kept)."""
    entries = _in_era(device.history).entries
    return entries[-1].allowed if entries else device.history.default


def carried_over(account: Account, training: Timeline, when: datetime | None) -> list[Device]:
    """device.carried_over: after the era (or at an unknown time), with no account-wide entry
    at or before T yet, the devices whose switch was off when the era ended."""
    if when is not None and when < eras.DEVICE_UNTIL:
        return []
    if (training.entry_at(when) if when is not None else training.entries):
        return []
    return [d for d in account.devices if switch_at_end(d) is False]


def devices_off_in_era(account: Account) -> list[str]:
    """The devices of an account whose switch was off at some moment of era.device_toggle."""
    return [d.name for d in account.devices if any(not e.allowed for e in in_era_entries(d))]
