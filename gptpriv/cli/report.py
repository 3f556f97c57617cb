"""`gptpriv report`: one self-contained HTML file about an export."""

from __future__ import annotations

from typing import Annotated

import typer

from gptpriv.cli.common import AccountOpt

app = typer.Typer()


@app.command("report")
def report(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(metavar="EXPORT...", help="As for `gptpriv check`.")],
    output: Annotated[str, typer.Option(
        "--output", "-o", metavar="FILE",
        help="Where to write the HTML (- for standard output).")] = "gptpriv-report.html",
    account: AccountOpt = None,
    redact: Annotated[bool, typer.Option(
        "--redact", help="Hide conversation titles and shared-link URLs.")] = False,
) -> None:
    """Write a self-contained HTML privacy report: timeline, third parties, GPTs, every conversation."""
    import io
    import sys
    from contextlib import closing

    from gptpriv.check import Filters, Summary, open_inputs
    from gptpriv.cli.common import store
    from gptpriv.cli.output import say, warn_left_out, warn_problems, with_progress
    from gptpriv.exports import Run, checked
    from gptpriv.plural import count
    from gptpriv.report import ReportBuilder
    from gptpriv.timeutil import now

    if output != "-":  # checked before anything is read, so nothing is written when refused
        from gptpriv.report.target import check_target

        target = check_target(output, paths, store(ctx).root)
    snapshot, inputs = open_inputs(store(ctx), paths, account, None, sys.stdin.buffer)
    warn_left_out(inputs)
    summary = Summary()
    builder = ReportBuilder(snapshot, redact, summary)
    try:
        run = Run(inputs, by_account_flag=account is not None)
        results = checked(run, snapshot, Filters(), None, summary, with_progress, redact)
        with closing(results):  # closed even on Ctrl-C: the workers end now
            for _, facts, verdict in results:
                builder.add(facts, verdict)
        for item in inputs:
            warn_problems(item.reader)
        builder.exports = run.exports()
        builder.deleted = run.deleted_between_exports(redact)
        if output == "-":
            builder.write(sys.stdout, now())
            return
        from gptpriv.profiles.atomic import atomic_file
        from gptpriv.profiles.safety import remove_stale_temps
        from gptpriv.report.target import STALE_SECONDS

        remove_stale_temps(target, older_than=STALE_SECONDS)
        try:
            # Streamed into a temporary file beside the target, renamed over it at the end:
            # memory stays bounded and there is never a half-written report.
            with atomic_file(target) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8")
                builder.write(text, now())
                text.flush()
                text.detach()  # atomic_file closes the file itself
        except OSError as exc:
            from gptpriv.errors import GptprivError

            raise GptprivError(f"{target}: {exc.strerror or exc}") from None
    finally:
        builder.close()  # its spooled rows, also when the reading failed
    counts = summary.as_dict()
    say(f"Wrote {output}: {count(counts['total'], 'conversation')} ({counts['eligible']} eligible for "
        f"training, {counts['not_eligible']} not eligible, {counts['undetermined']} undetermined), "
        f"{count(sum(1 for v in builder.parties.values() if v['calls']), 'third party')}.")
