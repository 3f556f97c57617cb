"""`gptpriv check`: every conversation of an export, may it be used for training, and why."""

from __future__ import annotations

import sys
from contextlib import closing
from typing import Annotated, Any, Optional

import typer

from gptpriv.cli.common import AccountOpt, JsonOpt, NoScanOpt, complete_device, complete_gpt, completes, note, store
from gptpriv.policy.facts import FAIL_ON, VERDICTS

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
    show_ids: Annotated[bool, typer.Option(
        "--ids", help="Rule and step ids in the text output (as --json names them).")] = False,
    ids: Annotated[Optional[list[str]], typer.Option(
        "--id", help="Only the conversation with this id (repeatable).")] = None,
    redact: Annotated[bool, typer.Option(
        "--redact", help="Hide conversation titles, shared-link URLs and secrets' last characters.")] = False,
    no_scan: NoScanOpt = False,
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
        "a third party), a shared link (shared), a secret in its text (secret) or any sensitive "
        "data (sensitive).")] = None,
) -> None:
    """Check every conversation in a ChatGPT export: training eligibility and third parties."""
    from gptpriv.cli.output import emit_jsonl, warn_left_out, warn_problems, with_progress
    from gptpriv.errors import GptprivError, InvalidValue
    from gptpriv.run import CheckRun
    from gptpriv.run.inputs import Filters, check_fail_on, check_verdicts, gpt_ids
    from gptpriv.timeutil import parse_when

    verdict = check_verdicts(verdict or [])
    if sort not in SORT_ORDERS:
        raise InvalidValue(f"invalid --sort `{sort}`: use oldest or newest")
    check_fail_on(fail_on)
    if no_scan and fail_on in ("secret", "sensitive"):
        raise InvalidValue(f"--fail-on {fail_on} needs the text scanned: leave out --no-scan")
    if json and jsonl:
        raise InvalidValue("give `--json` or `--jsonl`, not both")
    rows: list[Any] = []  # kept only for the text table
    failed = False
    out = _JsonStream() if json else None
    run = None
    try:
        run = CheckRun.open(store(ctx), paths, account=account, device=device, stdin=sys.stdin.buffer,
                            redact=redact, scan=not no_scan, progress=with_progress)
        warn_left_out(run.inputs)
        run.filters = Filters(frozenset(verdict or ()), frozenset(gpt_ids(run.snapshot, gpt or [])),
                              parse_when(since, note) if since else None,
                              parse_when(until, note) if until else None, frozenset(ids or ()))
        with closing(run):  # closed even on Ctrl-C: the workers end now
            for checked in run:
                failed = failed or checked.trips(fail_on)
                if out is not None:
                    out.conversation(checked.to_json())
                elif jsonl:
                    emit_jsonl(checked.to_json())
                else:
                    rows.append(checked)
        for item in run.inputs:
            warn_problems(item.reader)
    except GptprivError as exc:
        if jsonl:  # the stream always ends with its summary line, saying why it stopped
            from gptpriv.run.summary import Summary

            emit_jsonl({"summary": (run.summary if run else Summary()).to_json(),
                        "exports": [e.to_json() for e in run.passes.exports()] if run else [],
                        "error": str(exc)})
        if out is not None:
            out.discard()
        raise
    except BaseException:  # Ctrl-C, or any other way out: the spooled rows go too
        if out is not None:
            out.discard()
        raise
    result = run.result()
    # Shared links without a conversation in the export are known only at the end.
    failed = failed or (fail_on == "shared" and bool(result.summary.unmatched))
    if out is not None:
        out.close(result.to_json())
    elif jsonl:
        doc = result.to_json()
        emit_jsonl({"next_steps": doc["next_steps"]})
        emit_jsonl({"summary": doc["summary"], "exports": doc["exports"],
                    "deleted_between_exports": doc["deleted_between_exports"]})
    else:
        from gptpriv.cli.check_text import render

        rows.sort(key=_created, reverse=sort == "newest")
        render(rows, result, run.snapshot, explain, filtered=run.filters != Filters(), device=device,
               ids=show_ids)
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


SORT_ORDERS = ("oldest", "newest")


def _created(checked: Any) -> tuple[bool, float]:
    created = checked.facts.create_time
    return created is None, created.timestamp() if created else 0.0  # no creation time: last


