"""`gptpriv doctor`: check every profile against the lints of the rule table."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gptpriv.cli.common import JsonOpt, completes, store
from gptpriv.policy.lints import FAIL_LEVELS

app = typer.Typer()


@app.command("doctor")
def doctor(
    ctx: typer.Context, json: JsonOpt = False,
    fail_on: Annotated[Optional[str], typer.Option(
        "--fail-on", metavar="LEVEL", autocompletion=completes(FAIL_LEVELS),
        help="Exit 1 when a finding reaches this level: warning or error.")] = None,
) -> None:
    """Check all profiles: settings that disagree, risky Actions, GPTs that cannot be matched."""
    from gptpriv import timeutil
    from gptpriv.policy.lints import LEVELS, check_fail_level, run_lints
    from gptpriv.profiles import load_snapshot

    check_fail_level(fail_on)
    findings = run_lints(load_snapshot(store(ctx)), timeutil.now())
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
