"""`gptpriv report`: one self-contained HTML file about an export."""

from __future__ import annotations

from typing import Annotated

import typer

from gptpriv.cli.common import AccountOpt, NoScanOpt

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
        "--redact", help="Hide conversation titles, shared-link URLs and secrets' last characters.")] = False,
    no_scan: NoScanOpt = False,
) -> None:
    """Write a self-contained HTML privacy report: timeline, third parties, GPTs, every conversation."""
    import io
    import sys
    from contextlib import closing

    from gptpriv.cli.common import store
    from gptpriv.cli.output import say, warn_left_out, warn_problems, with_progress
    from gptpriv.plural import count
    from gptpriv.report import ReportBuilder
    from gptpriv.run import CheckRun
    from gptpriv.timeutil import now

    if output != "-":  # checked before anything is read, so nothing is written when refused
        from gptpriv.report.target import check_target

        target = check_target(output, paths, store(ctx).root)
    run = CheckRun.open(store(ctx), paths, account=account, stdin=sys.stdin.buffer, redact=redact, scan=not no_scan,
                        progress=with_progress)
    warn_left_out(run.inputs)
    builder = ReportBuilder(run.snapshot)
    try:
        with closing(run):  # closed even on Ctrl-C: the workers end now
            for checked in run:
                builder.add(checked)
        for item in run.inputs:
            warn_problems(item.reader)
        result = run.result()
        if output == "-":
            builder.write(sys.stdout, now(), result)
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
                builder.write(text, now(), result)
                text.flush()
                text.detach()  # atomic_file closes the file itself
        except OSError as exc:
            from gptpriv.errors import GptprivError

            raise GptprivError(f"{target}: {exc.strerror or exc}") from None
    finally:
        builder.close()  # its spooled rows, also when the reading failed
    summary = result.summary
    say(f"Wrote {output}: {count(summary.total, 'conversation')} ({summary.verdicts['eligible']} eligible "
        f"for training, {summary.verdicts['not_eligible']} not eligible, {summary.verdicts['undetermined']} "
        f"undetermined), {count(sum(1 for v in builder.parties.values() if v['calls']), 'third party')}.")
