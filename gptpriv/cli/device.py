"""`gptpriv device ...`: the legacy per-device "Chat History & Training" toggle.

It never synced across devices, so each device has its own dated timeline. It existed only in
era.device_toggle (2023-04-25 to about 2024-04-30); after it the control is account-wide.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gptpriv.cli.common import (
    AccountOpt,
    AtOpt,
    JsonOpt,
    NoteOpt,
    YesOpt,
    complete_device,
    confirm,
    happened,
    store,
)
from gptpriv.policy.eras import DEVICE_TOGGLE

app = typer.Typer(help='Devices and their legacy "Chat History & Training" toggle (never synced).',
                  no_args_is_help=True)

DeviceArg = Annotated[
    Optional[str], typer.Argument(metavar="[DEVICE]", help="Device name (default: this machine's host name).",
                                  autocompletion=complete_device)
]


def _names(ctx: typer.Context, account: str | None, device: str | None) -> tuple[str, str]:
    from gptpriv.profiles import accounts

    found = accounts.resolve_account(store(ctx), account)
    return found.name, device or accounts.default_device_name()


@app.command("add")
def add(ctx: typer.Context, name: DeviceArg = None, account: AccountOpt = None) -> None:
    """Add a device (a browser or app where you used ChatGPT) to an account."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    account_name, device = _names(ctx, account, name)
    accounts.add_device(store(ctx), account_name, device)
    say(f"Added device {device} to account {account_name}.")


@app.command("list")
def list_(ctx: typer.Context, account: AccountOpt = None, json: JsonOpt = False) -> None:
    """List an account's devices with their toggle now."""
    from gptpriv.cli.account import account_json
    from gptpriv.profiles import accounts

    found = accounts.resolve_account(store(ctx), account)
    devices = account_json(found, None)["devices"]
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"account": found.name, "devices": devices})
        return
    from gptpriv.cli.output import say, table

    if not devices:
        say(f"No devices on account {found.name}: add this one with `gptpriv device add`.")
        return
    table(["device", "chat history & training (last recorded)", "entries"],
          [[d["name"], d["history"], str(len(d["timeline"]))] for d in devices],
          title=f"Devices of account {found.name}")
    say(f"The per-device switch existed {DEVICE_TOGGLE.span()}; after it the control is "
        "account-wide (`gptpriv account history`).")


def _record(ctx: typer.Context, name: str | None, account: str | None, on: bool,
            at: str | None, note: str | None) -> None:
    from gptpriv.cli.common import recorded
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    account_name, device = _names(ctx, account, name)
    moment = happened(at)
    changed = accounts.record_device(store(ctx), account_name, device, history_on=on,
                                     at=moment, note=note)
    say(recorded(f"Chat History & Training {'on' if on else 'off'} on device {device}", moment, changed))
    from gptpriv.policy.eras import in_device_era

    if not in_device_era(moment):
        from gptpriv.cli.output import warn

        warn(f"gptpriv: warning: the per-device switch existed only {DEVICE_TOGGLE.span()}, so "
             "this entry is ignored (`gptpriv doctor`: lint.device_outside_era); record the "
             "account-wide control with `gptpriv account opt-out|opt-in --at WHEN`")


_DEVICE_HELP = (
    f"the device's \"Chat History & Training\" switch, which existed {DEVICE_TOGGLE.span()}, "
    "per browser or app, and did not sync; a chat started with it off was not saved to history "
    "(so it is never in an export). After it, record the account-wide control with `gptpriv "
    "account opt-out|opt-in`.")


@app.command("history-off", help=f"Record that you turned off {_DEVICE_HELP}")
def history_off(ctx: typer.Context, name: DeviceArg = None, account: AccountOpt = None,
                at: AtOpt = None, note: NoteOpt = None) -> None:
    _record(ctx, name, account, False, at, note)


@app.command("history-on", help=f"Record that you turned on {_DEVICE_HELP}")
def history_on(ctx: typer.Context, name: DeviceArg = None, account: AccountOpt = None,
               at: AtOpt = None, note: NoteOpt = None) -> None:
    _record(ctx, name, account, True, at, note)


@app.command("history")
def history(ctx: typer.Context, name: DeviceArg = None, account: AccountOpt = None,
            json: JsonOpt = False) -> None:
    """A device's dated Chat History & Training timeline, oldest first, numbered."""
    from gptpriv.cli.common import timeline_json, timeline_rows
    from gptpriv.errors import NotFound, show
    from gptpriv.profiles import accounts

    account_name, device = _names(ctx, account, name)
    found = accounts.load_account(store(ctx), account_name).device(device)
    if found is None:
        raise NotFound(f"no device named {show(device)} on account {show(account_name)}: "
                       f"add it with `gptpriv device add {device}`")
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"account": account_name, "device": device, "history": timeline_json(found.history)})
        return
    from gptpriv.cli.output import table

    rows = timeline_rows(found.history, "on", "off", "")
    # Before its first entry the switch's state is not a recorded fact: never shown as "on".
    rows[0][2:] = ["not recorded", "add what you know with `gptpriv device history-on|history-off --at WHEN`"]
    table(["#", "from", "chat history & training", "note"], rows,
          title=f"Chat History & Training on device {device} (account {account_name})")


@app.command("remove-entry")
def remove_entry(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="DEVICE", help="Device name.", autocompletion=complete_device)],
    number: Annotated[int, typer.Argument(metavar="N", help="The entry's number in `device history`.")],
    account: AccountOpt = None, yes: YesOpt = False,
) -> None:
    """Undo a device entry recorded by mistake (N as `device history` numbers it)."""
    from gptpriv.cli.common import removed
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    account_name, device = _names(ctx, account, name)
    confirm(f"Remove entry {number} from the history of device {device} (account {account_name})?", yes)
    entry = accounts.remove_device_entry(store(ctx), account_name, device, number)
    say(removed(f"entry {number}, Chat History & Training", entry, on="on"))


@app.command("remove")
def remove(ctx: typer.Context, name: DeviceArg = None, account: AccountOpt = None,
           yes: YesOpt = False) -> None:
    """Remove a device and its timeline from an account."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    account_name, device = _names(ctx, account, name)
    confirm(f"Remove device {device} from account {account_name}?", yes)
    accounts.remove_device(store(ctx), account_name, device)
    say(f"Removed device {device} from account {account_name}.")
