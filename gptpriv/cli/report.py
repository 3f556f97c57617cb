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
    output: Annotated[str, typer.Option("--output", "-o", metavar="FILE",
                                        help="Where to write the HTML (- for standard output).")] = "gptpriv-report.html",
    account: AccountOpt = None,
    redact: Annotated[bool, typer.Option("--redact", help="Hide conversation titles.")] = False,
) -> None:
    """Write a self-contained HTML privacy report: timeline, third parties, GPTs, every conversation."""
    import io
    import sys
    from contextlib import closing
    from pathlib import Path

    from gptpriv.check import Filters, Summary, check_export
    from gptpriv.cli.check import _with_progress, prepare
    from gptpriv.cli.output import say
    from gptpriv.report import ReportBuilder
    from gptpriv.resolver import Settings
    from gptpriv.timeutil import now

    snapshot, inputs = prepare(ctx, paths, account, None)
    summary = Summary()
    builder = ReportBuilder(snapshot, redact, summary)
    for reader, choice in inputs:
        builder.exports.append({"path": reader.label, "account": choice.account.name if choice.account else None,
                                "account_reason": choice.why})
        checked = _with_progress(check_export(reader, Settings(choice.account, snapshot),
                                              Filters(), None, summary), reader)
        with closing(checked):  # closed even on Ctrl-C: the workers end now
            for facts, verdict in checked:
                builder.add(facts, verdict)
    if output == "-":
        builder.write(sys.stdout, now())
        return
    from gptpriv.store import atomic_file

    target = Path(output)
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
    counts = summary.as_dict()
    say(f"Wrote {target}: {counts['total']} conversations ({counts['eligible']} may be trained on, "
        f"{counts['not_eligible']} not, {counts['undetermined']} undetermined), "
        f"{len(builder.parties)} third parties.")
