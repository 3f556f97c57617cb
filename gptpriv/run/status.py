"""`status` without the CLI: the facts of a conversation not started yet, from what the person
says about it (when, with which GPT, on which device, temporary or not), and its verdict."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from gptpriv.errors import NotFound, show
from gptpriv.policy.facts import Call, Conversation
from gptpriv.policy.resolver import Settings, Verdict, planned_calls, resolve
from gptpriv.profiles.model import Account, Device, Gpt, Snapshot
from gptpriv.profiles.store import Store


class DeviceState(NamedTuple):
    name: str
    # The legacy switch at the moment asked about; after era.device_toggle, what it was when
    # the era ended; None before the era (no switch yet) or with no entry dated inside it.
    history_on: bool | None
    since: datetime | None  # when that entry was recorded; None before any entry
    recorded: bool = True  # some entry is dated inside era.device_toggle
    switch: str = "existed"  # at the moment: "existed", "ended" or "not yet"


def device_state(device: Device, moment: datetime) -> DeviceState:
    """What `status` says of a device at `moment`; never a default shown as a fact."""
    from gptpriv.policy import eras
    from gptpriv.policy.switch import device_switch, in_era_entries

    entries = in_era_entries(device)
    if not entries:
        return DeviceState(device.name, None, None, False,
                           "existed" if eras.in_device_era(moment) else
                           "ended" if moment >= eras.DEVICE_UNTIL else "not yet")
    if eras.in_device_era(moment):
        entry, value = device_switch(device, moment)
        return DeviceState(device.name, value, entry.at if entry else None)
    if moment >= eras.DEVICE_UNTIL:
        return DeviceState(device.name, entries[-1].allowed, entries[-1].at, True, "ended")
    return DeviceState(device.name, None, None, True, "not yet")


class Status(NamedTuple):
    account: Account | None
    verdict: Verdict
    devices: tuple[DeviceState, ...]
    gpt: Gpt | None = None  # the GPT's profile, when it has one


def planned_status(store: Store, *, account: str | None, gpt: str | None, device: str | None,
                   temporary: bool, feedback: bool, moment: datetime, at_given: bool) -> Status:
    """What would happen to a conversation started at `moment` under the recorded settings."""
    from gptpriv.profiles.accounts import current_account, resolve_account
    from gptpriv.profiles.checks import check_gpt_id
    from gptpriv.profiles.gpts import load_gpt, load_gpts

    found = resolve_account(store, account) if account or current_account(store)[0] else None
    snapshot = Snapshot((found,) if found else (), tuple(load_gpts(store)))
    sources = {"create_time": "--at option" if at_given else "now"}
    gpt_ref: str | None = None
    profile: Gpt | None = None
    calls: tuple[Call, ...] = ()
    if gpt:
        if gpt.startswith("g-"):
            gpt_ref = check_gpt_id(gpt)
            profile = snapshot.gpt_by_id(gpt_ref)
        else:
            profile = load_gpt(store, gpt)
            gpt_ref = profile.id or f"profile:{profile.name}"
        sources[f"gpt:{gpt_ref}"] = "--gpt option"
        calls = planned_calls(profile, gpt_ref, moment) if profile else ()
    if device:
        if found is None or found.device(device) is None:
            raise NotFound(f"no device named {show(device)} on the account")
        sources["device"] = "--device option"
    if temporary:
        sources["temporary"] = "--temporary option"
    if feedback:
        sources["feedback"] = "--feedback option"
    conversation = Conversation(create_time=moment, gpt_ids=(gpt_ref,) if gpt_ref else (),
                                temporary=temporary, feedback=feedback, device=device,
                                calls=calls, sources=sources, planned=True)
    verdict = resolve(Settings(found, snapshot), conversation)
    devices = tuple(device_state(d, moment) for d in (found.devices if found else ()))
    return Status(found, verdict, devices, profile)
