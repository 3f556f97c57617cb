"""`gptpriv account ...`: accounts and their account-wide training control."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from gptpriv.cli.common import (
    AtOpt,
    JsonOpt,
    NoteOpt,
    YesOpt,
    complete_account,
    completes,
    confirm,
    happened,
    one_of,
    store,
    timeline_json,
)
from gptpriv.policy.eras import ACCOUNT_CONTROL, DEVICE_TOGGLE, plan_label
from gptpriv.profiles.model import PLANS

if TYPE_CHECKING:
    from gptpriv.profiles.model import Account

app = typer.Typer(help="Accounts, their plan and the account-wide training control.",
                  no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Account name (a slug such as `work`).",
                                         autocompletion=complete_account)]
MaybeNameArg = Annotated[
    Optional[str], typer.Argument(metavar="[NAME]", help="Account name (default: the current account).",
                                  autocompletion=complete_account)
]
PlanOpt = Annotated[
    Optional[str],
    typer.Option("--plan", autocompletion=completes(PLANS),
                 help=f"{one_of(PLANS)}."),
]
EmailOpt = Annotated[Optional[str], typer.Option("--email", help="The account's email address.")]

_DEFAULT_WHY = {
    True: "plan default: consumer plans are trained on unless you opt out",
    False: "plan default: business plans are not trained on",
    None: "unknown: no plan recorded (`gptpriv account set NAME --plan ...`)",
}


def account_json(account: Account, current: str | None) -> dict[str, Any]:
    from gptpriv.cli.common import timeline_json as tl
    from gptpriv.cli.output import setting_word
    from gptpriv.timeutil import iso_utc, now

    moment = now()
    return {
        "name": account.name,
        "email": account.email,
        "plan": account.plan,
        "current": account.name == current,
        "file": str(account.path),
        "training_now": setting_word(account.training.value_at(moment)),
        "training_default": setting_word(account.training.default),
        "training": tl(account.training),
        "devices": [
            # A device never recorded is "not recorded", not the switch's default shown as a fact.
            {"name": d.name, "history": setting_word(d.history.value_at(moment), "on", "off")
             if d.history.entries else "not recorded", "timeline": tl(d.history)}
            for d in account.devices
        ],
        "consents": [
            {"gpt": c.gpt, "domain": c.domain, "decision": c.decision, "at": iso_utc(c.at)}
            for c in account.consents
        ],
    }


@app.command("add")
def add(ctx: typer.Context, name: NameArg, email: EmailOpt = None, plan: PlanOpt = None,
        from_export: Annotated[Optional[str], typer.Option(
            "--from-export", metavar="EXPORT",
            help="Take the email from the export's user.json, and the plan when it says Plus.")] = None,
        ) -> None:
    """Add an account. The first account added becomes the current one."""
    from gptpriv import timeutil
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    if from_export:
        from gptpriv.export import ExportReader

        user = ExportReader(from_export).user
        if user is None:
            from gptpriv.errors import InvalidValue

            raise InvalidValue(f"{from_export}: the export has no user.json to take the account from")
        email = email or user.email
        # Only `chatgpt_plus_user = true` says something; false could be free, go or pro.
        if plan is None and user.chatgpt_plus_user is True:
            plan = "plus"

    became_current = accounts.add_account(store(ctx), name, email=email, plan=plan,
                                          created=timeutil.now())
    say(f"Added account {name}" + (f" ({plan} plan)." if plan else "."))
    if became_current:
        say(f"{name} is now the current account.")
    if not plan:
        say(f"Its training setting is unknown until you record the plan: "
            f"gptpriv account set {name} --plan free|plus|pro|...")


@app.command("list")
def list_(ctx: typer.Context, json: JsonOpt = False) -> None:
    """List accounts with their plan and training control now."""
    from gptpriv.profiles import accounts

    st = store(ctx)
    current, _ = accounts.current_account(st)
    found = accounts.load_accounts(st)
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"current": current, "accounts": [account_json(a, current) for a in found]})
        return
    from gptpriv.cli.output import say, setting_word, table
    from gptpriv.timeutil import now

    if not found:
        say("No accounts yet: add one with `gptpriv account add NAME --plan plus`.")
        return
    moment = now()
    table(["", "name", "plan", "email", "training now", "devices"], [
        ["*" if a.name == current else "", a.name, plan_label(a.plan) if a.plan else "?", a.email or "",
         setting_word(a.training.value_at(moment)), str(len(a.devices))]
        for a in found
    ])


@app.command("show")
def show(ctx: typer.Context, name: MaybeNameArg = None, json: JsonOpt = False) -> None:
    """Show one account: plan, email, training control, devices and consent decisions."""
    from gptpriv.profiles import accounts

    st = store(ctx)
    account = accounts.resolve_account(st, name)
    current, _ = accounts.current_account(st)
    doc = account_json(account, current)
    if json:
        from gptpriv.cli.output import emit_json

        emit_json(doc)
        return
    from gptpriv.cli.output import say

    say(f"Account:       {account.name}" + ("  (current)" if doc["current"] else ""))
    say(f"Plan:          {plan_label(account.plan) if account.plan else 'unknown'}")
    say(f"Email:         {account.email or '-'}")
    say(f"Training now:  {doc['training_now']}"
        f"  ({len(account.training.entries)} timeline entries; `gptpriv account history`)")
    for device in doc["devices"]:
        say(f"Device:        {device['name']}: Chat History & Training {device['history']}")
    for consent in account.consents:
        say(f"Consent:       {consent.decision} {consent.domain} for GPT {consent.gpt}")
    say(f"File:          {account.path}")


@app.command("use")
def use(ctx: typer.Context, name: NameArg) -> None:
    """Make an account the current one."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    accounts.use_account(store(ctx), name)
    say(f"{name} is now the current account.")


@app.command("set")
def set_(ctx: typer.Context, name: NameArg, plan: PlanOpt = None, email: EmailOpt = None) -> None:
    """Change an account's plan or email."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    if plan is None and email is None:
        from gptpriv.errors import InvalidValue

        raise InvalidValue("nothing to change: give `--plan` or `--email`")
    accounts.set_account(store(ctx), name, email=email, plan=plan)
    say(f"Updated account {name}.")


def _record(ctx: typer.Context, name: str | None, allowed: bool, at: str | None,
            note: str | None) -> None:
    from gptpriv.cli.common import recorded
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    st = store(ctx)
    account_name = accounts.resolve_account(st, name).name
    moment = happened(at)
    changed = accounts.record_training(st, account_name, allowed=allowed, at=moment, note=note)
    word = "allowed" if allowed else "off"
    say(recorded(f"training {word} for account {account_name}", moment, changed))
    if not allowed:
        say("It covers conversations created from then on; earlier ones are not affected.")
    if moment < ACCOUNT_CONTROL.begins:
        from gptpriv.cli.output import warn
        from gptpriv.timeutil import iso_utc

        warn(f"gptpriv: note: before {ACCOUNT_CONTROL.start_text()} the account-wide opt-out was "
             "a privacy request (the form, or the privacy portal's \"do not train on my "
             "content\"); the Chat History & Training switch is recorded per device: "
             f"`gptpriv device history-off DEVICE --at {iso_utc(moment)}`")


_ACCOUNT_HELP = (
    "the account-wide training control: \"Improve the model for everyone\" in Settings > Data "
    f"controls (from {ACCOUNT_CONTROL.start_text()}); before that, an opt-out by privacy request "
    "(the form, or the privacy portal's \"do not train on my content\"). The per-device \"Chat "
    f"History & Training\" switch ({DEVICE_TOGGLE.span()}) is recorded with `gptpriv device "
    "history-off|history-on`.")


@app.command("opt-out", help=f"Record that you turned off {_ACCOUNT_HELP}")
def opt_out(ctx: typer.Context, name: MaybeNameArg = None, at: AtOpt = None,
            note: NoteOpt = None) -> None:
    _record(ctx, name, False, at, note)


@app.command("opt-in", help=f"Record that you turned back on {_ACCOUNT_HELP}")
def opt_in(ctx: typer.Context, name: MaybeNameArg = None, at: AtOpt = None,
           note: NoteOpt = None) -> None:
    _record(ctx, name, True, at, note)


@app.command("history")
def history(ctx: typer.Context, name: MaybeNameArg = None, json: JsonOpt = False) -> None:
    """The dated training timeline, oldest first, with what was in force before it."""
    from gptpriv.cli.output import setting_word
    from gptpriv.profiles import accounts

    account = accounts.resolve_account(store(ctx), name)
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"account": account.name, "plan": account.plan,
                   "default": setting_word(account.training.default),
                   "training": timeline_json(account.training)})
        return
    from gptpriv.cli.common import timeline_rows
    from gptpriv.cli.output import table

    rows = timeline_rows(account.training, "allowed", "off", _DEFAULT_WHY[account.training.default])
    table(["#", "from", "training", "note"], rows,
          title=f"Training control of account {account.name} (plan {account.plan or 'unknown'})")


@app.command("remove-entry")
def remove_entry(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(metavar="[NAME] N", help="The account (default: the current "
                                         "one), then the entry's number in `account history`.")],
    second: Annotated[Optional[str], typer.Argument(hidden=True, show_default=False)] = None,
    yes: YesOpt = False,
) -> None:
    """Undo a training entry recorded by mistake (N as `account history` numbers it)."""
    from gptpriv.cli.common import entry_number, removed
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    name, number = (None, entry_number(first)) if second is None else (first, entry_number(second))
    st = store(ctx)
    account = accounts.resolve_account(st, name)
    confirm(f"Remove entry {number} from the training history of account {account.name}?", yes)
    entry = accounts.remove_training_entry(st, account.name, number)
    say(removed(f"entry {number}, training", entry))


@app.command("remove")
def remove(ctx: typer.Context, name: NameArg, yes: YesOpt = False) -> None:
    """Delete an account profile with its devices and consent decisions."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import accounts

    st = store(ctx)
    accounts.load_account(st, name)
    confirm(f"Remove account {name} and everything recorded for it?", yes)
    accounts.remove_account(st, name)
    say(f"Removed account {name}.")
