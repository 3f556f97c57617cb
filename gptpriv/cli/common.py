"""Options and helpers shared by the command modules. Imports nothing heavy."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from gptpriv.profiles.model import Entry, Timeline
    from gptpriv.profiles.store import Store

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")]
AtOpt = Annotated[
    Optional[str],
    typer.Option("--at", metavar="WHEN",
                 help="When it happened: ISO date or date-time (a date is local midnight). Default: now."),
]
NoteOpt = Annotated[Optional[str], typer.Option("--note", help="A note kept with the entry.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
NoScanOpt = Annotated[bool, typer.Option(
    "--no-scan", help="Do not scan the text for secrets and personal data (faster).")]


def completes(values: Sequence[str]) -> Callable[[str], list[str]]:
    """TAB completion for an option whose values the core defines: the same tuple the core
    checks against, so help, completion and validation never disagree."""

    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]

    return complete


def _profile_names(ctx: typer.Context, kind: str, incomplete: str) -> list[str]:
    """Profile names for TAB completion; nothing (never an error) when the home cannot be read."""
    try:
        from gptpriv.profiles.store import Store, choose_home

        root = Store(choose_home(ctx.find_root().params.get("home")).path)
        return [n for n in root.names(kind) if n.startswith(incomplete)]
    except Exception:  # completion must never print a traceback into the shell
        return []


def complete_account(ctx: typer.Context, incomplete: str) -> list[str]:
    return _profile_names(ctx, "account", incomplete)


def complete_gpt(ctx: typer.Context, incomplete: str) -> list[str]:
    return _profile_names(ctx, "gpt", incomplete)


def complete_device(ctx: typer.Context, incomplete: str) -> list[str]:
    """Devices of the account named with --account, else of the current account."""
    try:
        from gptpriv.profiles.accounts import resolve_account
        from gptpriv.profiles.store import Store, choose_home

        root = Store(choose_home(ctx.find_root().params.get("home")).path)
        account = resolve_account(root, ctx.params.get("account"))
        return [d.name for d in account.devices if d.name.startswith(incomplete)]
    except Exception:  # completion must never print a traceback into the shell
        return []


AccountOpt = Annotated[
    Optional[str], typer.Option("--account", "-a", help="Account to use (default: the current one).",
                                autocompletion=complete_account)
]


def one_of(values: Sequence[str]) -> str:
    return ", ".join(values[:-1]) + f" or {values[-1]}"


def store(ctx: typer.Context) -> Store:
    from gptpriv.profiles.store import Store, choose_home

    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    if "store" not in root.obj:
        root.obj["store"] = Store(choose_home(root.obj.get("home")).path)
    return root.obj["store"]  # type: ignore[no-any-return]


def when(at: str | None) -> datetime:
    from gptpriv import timeutil

    return timeutil.parse_when(at, note) if at else timeutil.now()


def note(text: str) -> None:
    """A remark about how a value was read (not an error), on stderr."""
    from gptpriv.cli.output import warn

    warn(f"gptpriv: note: {text}")


def happened(at: str | None) -> datetime:
    """`--at` of a command that records what happened: refused when in the future; one
    warning line when it is before ChatGPT existed (recorded all the same: it is the
    person's record, and `gptpriv doctor` reports it)."""
    from gptpriv import timeutil
    from gptpriv.policy.facts import CHATGPT_LAUNCH

    moment = timeutil.happened(at, note)
    if moment < CHATGPT_LAUNCH:
        from gptpriv.cli.output import warn

        warn(f"gptpriv: warning: {timeutil.local_text(moment)} is before ChatGPT's launch on "
             f"{CHATGPT_LAUNCH:%Y-%m-%d}: no control existed then (`gptpriv doctor`: "
             "lint.entry_before_launch)")
    return moment


def recorded(what: str, moment: datetime, changed: bool) -> str:
    """The line that confirms a dated entry, saying when it changed nothing."""
    from gptpriv.timeutil import local_text

    return (f"Recorded: {what} from {local_text(moment)}"
            + ("." if changed else " (no change: it was already so)."))


def confirm(question: str, yes: bool) -> None:
    """Ask before destroying something; refuse to guess when nobody can answer."""
    if yes:
        return
    if not sys.stdin.isatty():
        from gptpriv.errors import InvalidValue

        raise InvalidValue(f"{question[0].lower()}{question[1:]}: not asked, standard input is "
                           "not a terminal: pass `--yes`")
    from gptpriv.text import visible

    typer.confirm(visible(question), abort=True)


def entry_json(entry: Entry, changes: bool, number: int) -> dict[str, Any]:
    from gptpriv.timeutil import iso_utc

    return {"number": number, "at": iso_utc(entry.at), "allowed": entry.allowed, "note": entry.note,
            "changes": changes}


def timeline_json(timeline: Timeline) -> list[dict[str, Any]]:
    """Entries oldest first, each with the number `remove-entry` takes."""
    return [entry_json(e, c, n) for n, (e, c) in
            enumerate(zip(timeline.entries, timeline.changes(), strict=True), start=1)]


def timeline_rows(timeline: Timeline, on: str, off: str, default_why: str) -> list[list[str]]:
    """Rows for a timeline table: what was in force before the first entry, then each entry
    with the number `remove-entry` takes (1 is the oldest)."""
    from gptpriv.cli.output import setting_word
    from gptpriv.timeutil import local_text

    first = f"before {local_text(timeline.entries[0].at)}" if timeline.entries else "always"
    rows = [["", first, setting_word(timeline.default, on, off), default_why]]
    for number, (entry, changes) in enumerate(zip(timeline.entries, timeline.changes(), strict=True), 1):
        note = entry.note if changes else f"(no change) {entry.note}".rstrip()
        rows.append([str(number), local_text(entry.at), setting_word(entry.allowed, on, off), note])
    return rows


def removed(what: str, entry: Entry, on: str = "allowed") -> str:
    """The line that confirms an undone entry."""
    from gptpriv.cli.output import setting_word
    from gptpriv.timeutil import local_text

    note = f" ({entry.note})" if entry.note else ""
    return f"Removed: {what} {setting_word(entry.allowed, on)} from {local_text(entry.at)}{note}."


def entry_number(text: str) -> int:
    from gptpriv.errors import InvalidValue, show

    if not text.isdigit() or int(text) < 1:
        raise InvalidValue(f"invalid entry number {show(text)}: give N as the `history` command numbers it")
    return int(text)
