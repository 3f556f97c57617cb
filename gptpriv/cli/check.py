"""`gptpriv check`: every conversation of an export, may it be used for training, and why."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from gptpriv.cli.common import AccountOpt, JsonOpt, completes, store
from gptpriv.policy.facts import FAIL_ON, TABLE_LABELS, VERDICTS

app = typer.Typer()


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
        "--verdict", autocompletion=completes(VERDICTS),
        help="Only conversations with this verdict (repeatable).")] = None,
    gpt: Annotated[Optional[list[str]], typer.Option(
        "--gpt", help="Only conversations with this GPT: profile name or `g-...` id (repeatable).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN",
                                                 help="Only conversations created at or after.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="WHEN",
                                                 help="Only conversations created before.")] = None,
    fail_on: Annotated[Optional[str], typer.Option(
        "--fail-on", metavar="WHAT", autocompletion=completes(FAIL_ON),
        help="Exit 1 if any conversation is eligible, undetermined, or has a disclosure.")] = None,
) -> None:
    """Check every conversation in a ChatGPT export: training eligibility and third parties."""
    from gptpriv.check import (
        Filters,
        Summary,
        check_fail_on,
        check_verdicts,
        conversation_dict,
        fails,
        gpt_ids,
        open_inputs,
    )
    from gptpriv.cli.output import with_progress
    from gptpriv.errors import InvalidValue
    from gptpriv.exports import Run, checked
    from gptpriv.timeutil import parse_when

    check_verdicts(verdict or [])
    check_fail_on(fail_on)
    if json and jsonl:
        raise InvalidValue("give `--json` or `--jsonl`, not both")
    snapshot, inputs = open_inputs(store(ctx), paths, account, device, sys.stdin.buffer)
    filters = Filters(frozenset(verdict or ()), frozenset(gpt_ids(snapshot, gpt or [])),
                      parse_when(since) if since else None, parse_when(until) if until else None,
                      frozenset(ids or ()))
    summary = Summary()
    run = Run(inputs, by_account_flag=account is not None)
    rows: list[dict[str, Any]] = []  # kept only for the text table
    failed = False
    out = _JsonStream() if json else None
    for k, facts, result in checked(run, snapshot, filters, device, summary, with_progress):
        row = conversation_dict(facts, result, inputs[k].reader.label, redact)
        failed = failed or fails(fail_on, row)
        if out is not None:
            out.conversation(row)
        elif jsonl:
            from gptpriv.cli.output import emit_jsonl

            emit_jsonl(row)
        else:
            rows.append(row)
    exports = run.exports()
    deleted = run.deleted_between_exports(redact)
    doc = {"account": exports[0]["account"] if len({e["account"] for e in exports}) == 1 else None,
           "exports": exports, "summary": summary.as_dict(), "deleted_between_exports": deleted}
    if out is not None:
        out.close(doc)
    elif jsonl:
        from gptpriv.cli.output import emit_jsonl

        emit_jsonl({"summary": doc["summary"], "exports": exports, "deleted_between_exports": deleted})
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
        self._spool = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b")  # noqa: SIM115 (closed by close())
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


def _render(rows: list[dict[str, Any]], doc: dict[str, Any], snapshot: Any, explain: bool) -> None:
    from gptpriv.cli.output import say, table, warn
    from gptpriv.timeutil import local_text, parse_when

    names = {g.id: g.name for g in snapshot.gpts if g.id}
    unknown = []
    for export in doc["exports"]:
        used = export["account"] or "none"
        dated = f"; as of {export['as_of'][:10]}" if export["as_of"] else ""
        if dated and export["as_of_source"] != "manifest":
            dated += " or later (its latest conversation time)"
        say(f"{export['path']}: account {used} ({export['account_reason']}){dated}")
        if export["account"] is None:
            unknown.append(export["path"])
    if unknown:  # one note per run, naming every input it concerns
        warn("gptpriv: note: the account's training setting is unknown, so most verdicts are "
             f"undetermined for {', '.join(unknown)}: record it with `gptpriv account add NAME "
             f"--from-export {unknown[0]}` and `gptpriv account opt-out --at WHEN` if you opted out")
    table(["created", "title", "gpt", "verdict", "reason", "third parties"], [
        [local_text(parse_when(r["create_time"])) if r["create_time"] else "?",
         "(redacted)" if r["title"] is None and r["id"] else (r["title"] or "")[:48],
         ", ".join(names.get(g, g) for g in r["gpt_ids"]),
         TABLE_LABELS[r["verdict"]], r["reasons"][0]["rule"] if r["reasons"] else "",
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
    if summary["duplicates"]:
        say(f"{summary['duplicates']} duplicate cop{'ies' if summary['duplicates'] != 1 else 'y'} "
            "not counted (the same conversation in more than one file or export: the latest "
            "update counts)")
    if summary["by_rule"]:
        say("By rule: " + ", ".join(f"{k} {v}" for k, v in summary["by_rule"].items()))
    if summary["third_parties"]:
        say("Third parties: " + ", ".join(f"{k} ({v} call{'s' if v != 1 else ''})"
                                          for k, v in summary["third_parties"].items()))
    _deleted(doc["deleted_between_exports"])
    for error in summary["errors"]:
        where = f"byte {error['offset']}" if error["offset"] is not None else f"#{error['index']}"
        warn(f"gptpriv: skipped conversation #{error['index']} in {error['export']} ({where}): "
             f"{error['message']}")


def _deleted(deleted: list[dict[str, Any]]) -> None:
    """Conversations deleted between two exports, then each notice's text once."""
    from gptpriv.cli.output import say

    if not deleted:
        return
    say()
    say(f"Deleted since your earlier export ({len(deleted)}):")
    notices: dict[str, str] = {}
    for d in deleted:
        window = d["window"]
        title = "(redacted)" if d["title"] is None and d["id"] else (d["title"] or "")
        say(f"  {title} ({d['id']}): in {d['last_seen_in']}, not in {d['missing_from']}; deleted "
            f"between {(window['from'] or '?')[:10]} and {(window['until'] or '?')[:10]} "
            f"[{', '.join(n['rule'] for n in d['notices'])}]")
        notices.update((n["rule"], n["message"]) for n in d["notices"])
    for rule, message in notices.items():
        say(f"  {rule}: {message}")


def _explain(row: dict[str, Any]) -> None:
    from gptpriv.cli.output import say

    say()
    say(f"{row['id']}" + (f" {row['title']}" if row["title"] else "") + f": {TABLE_LABELS[row['verdict']]}")
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
