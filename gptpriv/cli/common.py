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
AccountOpt = Annotated[
    Optional[str], typer.Option("--account", "-a", help="Account to use (default: the current one).")
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def completes(values: Sequence[str]) -> Callable[[str], list[str]]:
    """TAB completion for an option whose values the core defines: the same tuple the core
    checks against, so help, completion and validation never disagree."""

    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]

    return complete


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
    typer.confirm(question, abort=True)


def entry_json(entry: Entry, changes: bool) -> dict[str, Any]:
    from gptpriv.timeutil import iso_utc

    return {"at": iso_utc(entry.at), "allowed": entry.allowed, "note": entry.note, "changes": changes}


def timeline_json(timeline: Timeline) -> list[dict[str, Any]]:
    return [entry_json(e, c) for e, c in zip(timeline.entries, timeline.changes(), strict=True)]


def timeline_rows(timeline: Timeline, on: str, off: str, default_why: str) -> list[list[str]]:
    """Rows for a timeline table: what was in force before the first entry, then each entry."""
    from gptpriv.cli.output import setting_word
    from gptpriv.timeutil import local_text

    first = f"before {local_text(timeline.entries[0].at)}" if timeline.entries else "always"
    rows = [[first, setting_word(timeline.default, on, off), default_why]]
    for entry, changes in zip(timeline.entries, timeline.changes(), strict=True):
        note = entry.note if changes else f"(no change) {entry.note}".rstrip()
        rows.append([local_text(entry.at), setting_word(entry.allowed, on, off), note])
    return rows
