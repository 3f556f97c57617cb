"""`gptpriv check`: every conversation of an export, may it be used for training, and why."""

from __future__ import annotations

import sys
from contextlib import closing
from typing import Annotated, Any, Optional

import typer

from gptpriv.cli.common import AccountOpt, JsonOpt, store

app = typer.Typer()

VERDICTS = ("eligible", "not_eligible", "undetermined")
FAIL_ON = ("eligible", "undetermined", "disclosure")
_SHORT = {"eligible": "eligible", "not_eligible": "not eligible", "undetermined": "undetermined"}


@app.command("check")
def check(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(
        metavar="EXPORT...", help="Export ZIP, unzipped folder, conversations*.json, one "
        "conversation object, or - for standard input.")],
    account: AccountOpt = None,
    device: Annotated[Optional[str], typer.Option(
        "--device", help="The conversations came from this device (its legacy switch counts).")] = None,
    json: JsonOpt = False,
    jsonl: Annotated[bool, typer.Option(
        "--jsonl", help="One JSON line per conversation as it is read, then a summary line.")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Every reason with its source, and each disclosure (with --id for one).")] = False,
    ids: Annotated[Optional[list[str]], typer.Option(
        "--id", help="Only the conversation with this id (repeatable).")] = None,
    redact: Annotated[bool, typer.Option("--redact", help="Hide conversation titles.")] = False,
    verdict: Annotated[Optional[list[str]], typer.Option(
        "--verdict", help="Only conversations with this verdict (repeatable).")] = None,
    gpt: Annotated[Optional[list[str]], typer.Option(
        "--gpt", help="Only conversations with this GPT: profile name or `g-...` id (repeatable).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN",
                                                 help="Only conversations created at or after.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="WHEN",
                                                 help="Only conversations created before.")] = None,
    fail_on: Annotated[Optional[str], typer.Option(
        "--fail-on", metavar="WHAT",
        help="Exit 1 if any conversation is eligible, undetermined, or has a disclosure.")] = None,
) -> None:
    """Check every conversation in a ChatGPT export: training eligibility and third parties."""
    from gptpriv.check import Filters, Summary, check_export, conversation_dict
    from gptpriv.errors import InvalidValue
    from gptpriv.resolver import Settings
    from gptpriv.timeutil import parse_when

    for value in verdict or []:
        if value not in VERDICTS:
            raise InvalidValue(f"invalid --verdict `{value}`: use {', '.join(VERDICTS)}")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise InvalidValue(f"invalid --fail-on `{fail_on}`: use {', '.join(FAIL_ON)}")
    if json and jsonl:
        raise InvalidValue("give `--json` or `--jsonl`, not both")
    snapshot, inputs = prepare(ctx, paths, account, device)
    filters = Filters(frozenset(verdict or ()), frozenset(_gpt_ids(snapshot, gpt or [])),
                      parse_when(since) if since else None, parse_when(until) if until else None,
                      frozenset(ids or ()))
    summary = Summary()
    exports: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []  # kept only for the text table
    failed = False
    out = _JsonStream() if json else None
    for reader, choice in inputs:
        exports.append({"path": reader.label,
                        "account": choice.account.name if choice.account else None,
                        "account_reason": choice.why})
        settings = Settings(choice.account, snapshot)
        results = check_export(reader, settings, filters, device, summary)
        with closing(_with_progress(results, reader)) as checked:  # closed even on Ctrl-C
            for facts, result in checked:
                row = conversation_dict(facts, result, reader.label, redact)
                failed = failed or _fails(fail_on, row)
                if out is not None:
                    out.conversation(row)
                elif jsonl:
                    from gptpriv.cli.output import emit_jsonl

                    emit_jsonl(row)
                else:
                    rows.append(row)
    doc = {"account": exports[0]["account"] if len({e["account"] for e in exports}) == 1 else None,
           "exports": exports, "summary": summary.as_dict()}
    if out is not None:
        out.close(doc)
    elif jsonl:
        from gptpriv.cli.output import emit_jsonl

        emit_jsonl({"summary": doc["summary"], "exports": exports})
    else:
        _render(rows, doc, snapshot, explain)
    if fail_on and failed:
        raise typer.Exit(1)


class _JsonStream:
    """One JSON document built as conversations are produced, in bounded memory: rows are
    spooled to a temporary file (in memory up to 8 MiB, then on disk) and copied to stdout
    only when the whole input was read, so a fatal error leaves stdout empty."""

    def __init__(self) -> None:
        import tempfile

        import msgspec

        self._encode = msgspec.json.Encoder().encode
        self._spool = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b")
        self._spool.write(b'{"schema_version": 1, "conversations": [')
        self._first = True

    def conversation(self, row: dict[str, Any]) -> None:
        self._spool.write((b"\n" if self._first else b",\n") + self._encode(row))
        self._first = False

    def close(self, doc: dict[str, Any]) -> None:
        import shutil

        self._spool.write(b"\n], " + self._encode(doc)[1:] + b"\n")
        self._spool.seek(0)
        sys.stdout.flush()
        shutil.copyfileobj(self._spool, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        self._spool.close()


def prepare(ctx: typer.Context, paths: list[str], account: str | None,
            device: str | None) -> tuple[Any, list[tuple[Any, Any]]]:
    """Profiles, and each input opened with the account it is checked against."""
    from gptpriv import accounts, gpts
    from gptpriv.check import pick_account
    from gptpriv.errors import InvalidValue
    from gptpriv.export import ExportReader

    st = store(ctx)
    snapshot = gpts.load_snapshot(st)
    flag_account = accounts.load_account(st, account) if account else None
    current_name, _ = accounts.current_account(st)
    current = next((a for a in snapshot.accounts if a.name == current_name), None)
    inputs = []
    for path in paths:  # every input is opened before anything is read
        reader = ExportReader(path, sys.stdin.buffer)
        choice = pick_account(snapshot, flag_account, current, reader)
        if device and (choice.account is None or choice.account.device(device) is None):
            raise InvalidValue(f"no device named `{device}` on the account used for {reader.label}")
        inputs.append((reader, choice))
    return snapshot, inputs


def _gpt_ids(snapshot: Any, values: list[str]) -> list[str]:
    from gptpriv.errors import NotFound

    ids = []
    for value in values:
        if value.startswith("g-"):
            ids.append(value)
            continue
        gpt = snapshot.gpt_by_name(value)
        if gpt is None or not gpt.id:
            raise NotFound(f"no GPT profile `{value}` with an id to filter on")
        ids.append(gpt.id)
    return ids


def _fails(fail_on: str | None, row: dict[str, Any]) -> bool:
    if fail_on == "disclosure":
        return bool(row["third_parties"])
    return fail_on is not None and row["verdict"] == fail_on


def _with_progress(results: Any, reader: Any) -> Any:
    """A progress bar on stderr for inputs over a few MB, only when stderr is a terminal.

    It is drawn from here, not by Rich's refresh thread: the parallel reader forks its
    workers only while this process runs one thread. It shows from the first conversation
    on, once the workers have started.
    """
    try:
        total = reader.total_bytes
        if not sys.stderr.isatty() or not total or total < 8 * 1024 * 1024:
            yield from results
            return
        import time

        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        from gptpriv.cli.output import console

        items = iter(results)
        first = next(items, None)
        if first is None:
            return
        # The console reads no markup (titles are printed as they are): the column is styled
        # by its arguments, not by `[progress.description]` in its text.
        with Progress(TextColumn("{task.description}", style="progress.description", markup=False),
                      BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                      console=console(stderr=True), transient=True, auto_refresh=False) as bar:
            task = bar.add_task("reading", total=total, completed=reader.bytes_read)
            bar.refresh()
            yield first
            shown = time.monotonic()
            for item in items:
                if time.monotonic() - shown >= 0.1:
                    bar.update(task, completed=reader.bytes_read, refresh=True)
                    shown = time.monotonic()
                yield item
    finally:
        results.close()


def _render(rows: list[dict[str, Any]], doc: dict[str, Any], snapshot: Any, explain: bool) -> None:
    from gptpriv.cli.output import say, table, warn
    from gptpriv.timeutil import local_text, parse_when

    names = {g.id: g.name for g in snapshot.gpts if g.id}
    for export in doc["exports"]:
        used = export["account"] or "none"
        say(f"{export['path']}: account {used} ({export['account_reason']})")
        if export["account"] is None:
            warn("gptpriv: note: the account's training setting is unknown, so most verdicts are "
                 "undetermined: record it with `gptpriv account add NAME --from-export "
                 f"{export['path']}` and `gptpriv account opt-out --at WHEN` if you opted out")
    table(["created", "title", "gpt", "verdict", "reason", "third parties"], [
        [local_text(parse_when(r["create_time"])) if r["create_time"] else "?",
         "(redacted)" if r["title"] is None and r["id"] else (r["title"] or "")[:48],
         ", ".join(names.get(g, g) for g in r["gpt_ids"]),
         _SHORT[r["verdict"]], r["reasons"][0]["rule"] if r["reasons"] else "",
         ", ".join(sorted({d["party"] for d in r["third_parties"]}))]
        for r in rows
    ])
    for row in rows if explain else []:
        _explain(row)
    summary = doc["summary"]
    say()
    say(f"{summary['total']} conversations: {summary['eligible']} eligible, "
        f"{summary['not_eligible']} not eligible, {summary['undetermined']} undetermined; "
        f"{summary['skipped']} skipped")
    if summary["by_rule"]:
        say("By rule: " + ", ".join(f"{k} {v}" for k, v in summary["by_rule"].items()))
    if summary["third_parties"]:
        say("Third parties: " + ", ".join(f"{k} ({v} call{'s' if v != 1 else ''})"
                                          for k, v in summary["third_parties"].items()))
    for error in summary["errors"]:
        where = f"byte {error['offset']}" if error["offset"] is not None else f"#{error['index']}"
        warn(f"gptpriv: skipped conversation #{error['index']} in {error['export']} ({where}): "
             f"{error['message']}")


def _explain(row: dict[str, Any]) -> None:
    from gptpriv.cli.output import say

    say()
    say(f"{row['id']}" + (f" {row['title']}" if row["title"] else "") + f": {_SHORT[row['verdict']]}")
    for reason in row["reasons"]:
        say(f"  {reason['rule']}: {reason['message']}")
        say(f"    from: {reason['source']}")
    for fact in row["missing"]:
        say(f"  missing: {fact}")
    for notice in row["notices"]:
        say(f"  {notice['rule']}: {notice['message']}")
    for d in row["third_parties"]:
        flags = f" [{', '.join(d['flags'])}]" if d["flags"] else ""
        say(f"  {d['rule']}: {d['party']} {d['operation'] or ''} at {d['time'] or '?'}; consequential: "
            f"{d['consequential'] if d['consequential'] is not None else 'unknown'}; consent: "
            f"{d['consent']}; privacy policy: {d['privacy_policy'] or 'none'}{flags}")
