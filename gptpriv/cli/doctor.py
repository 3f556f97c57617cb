"""`gptpriv doctor`: check every profile against the lints of the rule table."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gptpriv.cli.common import JsonOpt, store

app = typer.Typer()


@app.command("doctor")
def doctor(
    ctx: typer.Context, json: JsonOpt = False,
    fail_on: Annotated[Optional[str], typer.Option(
        "--fail-on", metavar="LEVEL",
        help="Exit 1 when a finding reaches this level: warning or error.")] = None,
) -> None:
    """Check all profiles: settings that disagree, risky Actions, GPTs that cannot be matched."""
    from gptpriv import gpts, timeutil
    from gptpriv.lints import LEVELS, run_lints

    if fail_on is not None and fail_on not in ("warning", "error"):
        from gptpriv.errors import InvalidValue

        raise InvalidValue(f"invalid --fail-on `{fail_on}`: use warning or error")
    findings = run_lints(gpts.load_snapshot(store(ctx)), timeutil.now())
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"findings": [f._asdict() for f in findings]})
    else:
        from gptpriv.cli.output import say

        for f in findings:
            say(f"{f.level}: {f.rule}: {f.message}")
            say(f"  file: {f.file}")
            say(f"  fix: {f.fix}")
        counts = {level: sum(f.level == level for f in findings) for level in LEVELS}
        say(f"{len(findings)} finding(s): {counts['error']} error, {counts['warning']} warning, "
            f"{counts['info']} info" if findings else "No findings: every profile looks right.")
    if fail_on and any(LEVELS.index(f.level) >= LEVELS.index(fail_on) for f in findings):
        raise typer.Exit(1)
