"""`gptpriv check`: every conversation of an export, may it be used for training, and why."""

from __future__ import annotations

import sys
from contextlib import closing
from typing import Annotated, Any, Optional

import typer

from gptpriv.cli.common import AccountOpt, JsonOpt, complete_device, complete_gpt, completes, note, store
from gptpriv.policy.facts import FAIL_ON, LABELS, VERDICTS

app = typer.Typer()


@app.command("check")
def check(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(
        metavar="EXPORT...", help="Export ZIP, unzipped folder, conversations*.json, one "
        "conversation object, or - for standard input.")],
    account: AccountOpt = None,
    device: Annotated[Optional[str], typer.Option(
        "--device", autocompletion=complete_device,
        help="The conversations came from this device (its legacy switch counts).")] = None,
    json: JsonOpt = False,
    jsonl: Annotated[bool, typer.Option(
        "--jsonl", help="One JSON line per conversation as it is read, then a summary line.")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Every reason with its source, and each disclosure (with --id for one).")] = False,
    ids: Annotated[Optional[list[str]], typer.Option(
        "--id", help="Only the conversation with this id (repeatable).")] = None,
    redact: Annotated[bool, typer.Option(
        "--redact", help="Hide conversation titles and shared-link URLs.")] = False,
    verdict: Annotated[Optional[list[str]], typer.Option(
        "--verdict", autocompletion=completes(VERDICTS),
        help="Only conversations with this verdict (repeatable).")] = None,
    gpt: Annotated[Optional[list[str]], typer.Option(
        "--gpt", autocompletion=complete_gpt,
        help="Only conversations with this GPT: profile name or `g-...` id (repeatable).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN",
                                                 help="Only conversations created at or after.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="WHEN",
                                                 help="Only conversations created before.")] = None,
    sort: Annotated[str, typer.Option(
        "--sort", autocompletion=completes(SORT_ORDERS),
        help="Order of the text table by creation time: oldest (first) or newest.")] = "oldest",
    fail_on: Annotated[Optional[str], typer.Option(
        "--fail-on", metavar="WHAT", autocompletion=completes(FAIL_ON),
        help="Exit 1 if any conversation is eligible, undetermined, has a disclosure (a call to "
        "a third party), or any shared link exists.")] = None,
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
    from gptpriv.cli.output import warn_left_out, warn_problems, with_progress
    from gptpriv.errors import GptprivError, InvalidValue
    from gptpriv.exports import Run, checked
    from gptpriv.timeutil import parse_when

    verdict = check_verdicts(verdict or [])
    if sort not in SORT_ORDERS:
        raise InvalidValue(f"invalid --sort `{sort}`: use oldest or newest")
    check_fail_on(fail_on)
    if json and jsonl:
        raise InvalidValue("give `--json` or `--jsonl`, not both")
    summary = Summary()
    exports: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []  # kept only for the text table
    failed = False
    out = _JsonStream() if json else None
    try:
        snapshot, inputs = open_inputs(store(ctx), paths, account, device, sys.stdin.buffer)
        warn_left_out(inputs)
        filters = Filters(frozenset(verdict or ()), frozenset(gpt_ids(snapshot, gpt or [])),
                          parse_when(since, note) if since else None, parse_when(until, note) if until else None,
                          frozenset(ids or ()))
        # Replaced by run.exports() (with each export's date) once all were read; until then,
        # what the closing line of a failed --jsonl read names.
        exports = [{"path": i.reader.label, "account": i.choice.account.name if i.choice.account else None,
                    "account_reason": i.choice.why} for i in inputs]
        run = Run(inputs, by_account_flag=account is not None)
        results = checked(run, snapshot, filters, device, summary, with_progress, redact)
        with closing(results):  # closed even on Ctrl-C: the workers end now
            for k, facts, result in results:
                row = conversation_dict(facts, result, inputs[k].reader.label, redact)
                failed = failed or fails(fail_on, row)
                if out is not None:
                    out.conversation(row)
                elif jsonl:
                    from gptpriv.cli.output import emit_jsonl

                    emit_jsonl(row)
                else:
                    rows.append(row)
        for item in inputs:
            warn_problems(item.reader)
    except GptprivError as exc:
        if jsonl:  # the stream always ends with its summary line, saying why it stopped
            from gptpriv.cli.output import emit_jsonl

            emit_jsonl({"summary": summary.as_dict(), "exports": exports, "error": str(exc)})
        if out is not None:
            out.discard()
        raise
    except BaseException:  # Ctrl-C, or any other way out: the spooled rows go too
        if out is not None:
            out.discard()
        raise
    # Shared links without a conversation in the export are known only at the end.
    failed = failed or (fail_on == "shared" and bool(summary.unmatched))
    exports = run.exports()
    deleted = run.deleted_between_exports(redact)
    doc = {"account": exports[0]["account"] if len({e["account"] for e in exports}) == 1 else None,
           "exports": exports, "summary": summary.as_dict(), "next_steps": summary.steps.as_list(),
           "deleted_between_exports": deleted}
    if out is not None:
        out.close(doc)
    elif jsonl:
        from gptpriv.cli.output import emit_jsonl

        emit_jsonl({"next_steps": doc["next_steps"]})
        emit_jsonl({"summary": doc["summary"], "exports": exports, "deleted_between_exports": deleted})
    else:
        rows.sort(key=_created, reverse=sort == "newest")
        _render(rows, doc, snapshot, explain, filtered=filters != Filters())
        _device_note(snapshot, exports, device)
    if fail_on and failed:
        raise typer.Exit(1)


class _JsonStream:
    """One JSON document built as conversations are produced, in bounded memory: rows are
    spooled to a temporary file (in memory up to 8 MiB, then on disk) and copied to stdout
    only when the whole input was read, so a fatal error leaves stdout empty."""

    def __init__(self) -> None:
        import tempfile

        import msgspec

        from gptpriv.text import json_visible_bytes

        encode = msgspec.json.Encoder().encode
        # Exact strings, but a C1 control or bidi override in a title is written as \uXXXX.
        self._encode = lambda value: json_visible_bytes(encode(value))
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

    def discard(self) -> None:
        """Let go of the spooled rows when the reading failed (nothing goes to stdout)."""
        self._spool.close()


# A verdict's colour on a colour terminal: the more exposed, the louder.
_VERDICT_STYLES = {LABELS["eligible"]: "red", LABELS["not_eligible"]: "green", LABELS["undetermined"]: "yellow"}
SORT_ORDERS = ("oldest", "newest")


def _created(row: dict[str, Any]) -> tuple[bool, str]:
    return row["create_time"] is None, row["create_time"] or ""  # no creation time: last


def _render(rows: list[dict[str, Any]], doc: dict[str, Any], snapshot: Any, explain: bool,
            filtered: bool) -> None:
    from gptpriv.cli.output import say, table, warn
    from gptpriv.policy.verdicts import parties_in_words
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
    if rows:
        table(["created", "title", "gpt", "verdict", "reason", "third parties"], [
            [local_text(parse_when(r["create_time"])) if r["create_time"] else "?",
             "(redacted)" if r["title"] is None and r["id"] else (r["title"] or "")[:48],
             ", ".join(names.get(g, g) for g in r["gpt_ids"]),
             LABELS[r["verdict"]], r["reasons"][0]["rule"] if r["reasons"] else "",
             parties_in_words((d["party"], d["sent"]) for d in r["third_parties"])]
            for r in rows
        ], styles={3: _VERDICT_STYLES})
    else:
        say("No conversation matches." if doc["summary"]["total"] or doc["summary"]["skipped"] or filtered
            else "No conversations in this export.")
    for row in rows if explain else []:
        _explain(row)
    say()
    _summary(doc)


def summary_of(ctx: typer.Context, path: str, account: str | None) -> None:
    """Check one export and print only its summary (what `setup` ends with), read as `check`
    reads it: copies counted once, the manifest's warnings said."""
    from gptpriv.check import Filters, Summary, open_inputs
    from gptpriv.cli.output import warn_problems
    from gptpriv.exports import Run, checked

    snapshot, inputs = open_inputs(store(ctx), [path], account, None, None)
    summary = Summary()
    run = Run(inputs, by_account_flag=account is not None)
    results = checked(run, snapshot, Filters(), None, summary)
    with closing(results):
        for _ in results:
            pass
    for item in inputs:
        warn_problems(item.reader)
    _summary({"summary": summary.as_dict(), "next_steps": summary.steps.as_list(),
              "deleted_between_exports": []})


def _summary(doc: dict[str, Any]) -> None:
    from gptpriv.cli.output import say, warn
    from gptpriv.plural import count

    summary = doc["summary"]
    say(f"{count(summary['total'], 'conversation')}: {summary['eligible']} eligible for training, "
        f"{summary['not_eligible']} not eligible, {summary['undetermined']} undetermined; "
        f"{summary['skipped']} skipped")
    if summary["duplicates"]:
        say(f"{summary['duplicates']} duplicate cop{'ies' if summary['duplicates'] != 1 else 'y'} "
            "not counted (the same conversation in more than one file or export: the latest "
            "update counts)")
    if summary["by_rule"]:
        say("By rule: " + ", ".join(f"{k} {v}" for k, v in summary["by_rule"].items()))
    if summary["third_parties"]:
        say("Third parties: " + ", ".join(f"{k} ({count(v, 'call')})"
                                          for k, v in summary["third_parties"].items()))
    if summary["shared_links"]:
        elsewhere = len(summary["unmatched_shared_links"])
        say(f"Shared links: {summary['shared_links']}" + (
            f" ({elsewhere} of a conversation not in the export: "
            + ", ".join(_link(x) for x in summary["unmatched_shared_links"]) + ")" if elsewhere else ""))
    if summary["library_files"] is not None:
        say(f"Library: {summary['library_files']} files kept (deleting a chat does not delete them)")
    _deleted(doc["deleted_between_exports"])
    for error in summary["errors"]:
        if "index" not in error:
            continue  # a problem with the export as a whole: already a warning line
        where = f"byte {error['offset']}" if error["offset"] is not None else f"#{error['index']}"
        what = "conversation" if "path" in error else "skipped conversation"
        warn(f"gptpriv: {what} #{error['index']} in {error['export']} ({where}): {error['message']}")
    _steps(doc["next_steps"])


def _link(link: dict[str, Any]) -> str:
    title = f"\"{link['title']}\" " if link["title"] else ""
    return f"{title}{link['url'] or '(URL redacted)'}"


def _steps(steps: list[dict[str, Any]]) -> None:
    """RULES.md "Next steps": one line each, in its order; ids are in --json."""
    from gptpriv.cli.output import say
    from gptpriv.plural import count

    if not steps:
        return
    say()
    say("What you can do:")
    for step in steps:
        n = step["count"]
        say(f"- {step['id']} ({count(n, 'conversation')}): {step['why']}. "
            f"How: {step['how']}")



def _device_note(snapshot: Any, exports: list[dict[str, Any]], device: str | None) -> None:
    """Say why recorded device switches decided nothing here, rather than stay silent."""
    from gptpriv.cli.output import warn
    from gptpriv.policy.eras import DEVICE_TOGGLE
    from gptpriv.policy.switch import in_era_entries

    used = {e["account"] for e in exports if e["account"]}
    for account in (a for a in snapshot.accounts if a.name in used and not device):
        off = [d.name for d in account.devices if any(not e.allowed for e in in_era_entries(d))]
        if off:
            warn(f"gptpriv: note: account {account.name} has Chat History & Training off on "
                 f"{', '.join(off)} inside {DEVICE_TOGGLE.named()}; an export does not say which "
                 "device a conversation came from, and one saved to history was started with "
                 "the switch on, so these records decide no conversation of the era "
                 "(`--device NAME` reports a contradiction)")


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
    say(f"{row['id']}" + (f" {row['title']}" if row["title"] else "") + f": {LABELS[row['verdict']]}")
    if row["url"]:
        say(f"  open: {row['url']}")
    for reason in row["reasons"]:
        say(f"  {reason['rule']}: {reason['message']}")
        say(f"    from: {reason['source']}")
    for fact in row["missing"]:
        say(f"  missing: {fact}")
    for notice in row["notices"]:
        say(f"  {notice['rule']}: {notice['message']}")
    if row["tools"]:
        from gptpriv.policy.facts import TOOL_LABELS

        say("  built-in tools (run by OpenAI, not third parties): " + ", ".join(
            f"{TOOL_LABELS.get(name, name)} {n}" for name, n in row["tools"].items()))
    for d in row["third_parties"]:
        if d["rule"] == "disclosure.shared_link":
            anonymous = {True: "anonymous", False: "not anonymous"}.get(d["anonymous"], "")
            say(f"  {d['rule']}: {d['party']}: {d['url'] or '(URL redacted)'}"
                + (f" ({anonymous})" if anonymous else "") + f"; {d['note']}")
            continue
        flags = f" [{', '.join(d['flags'])}]" if d["flags"] else ""
        say(f"  {d['rule']}: {d['party']} {d['operation'] or ''} at {d['time'] or '?'}; consequential: "
            f"{d['consequential'] if d['consequential'] is not None else 'unknown'}; consent: "
            f"{d['consent']}{'' if d['sent'] else ' (declined, nothing sent)'}; privacy policy: "
            f"{d['privacy_policy'] or 'none'}{flags}")
