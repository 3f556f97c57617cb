"""`gptpriv rules`: the rule table the resolver and doctor implement, with sources."""

from __future__ import annotations

import typer

from gptpriv.cli.common import JsonOpt

app = typer.Typer()


@app.command("rules")
def rules(json: JsonOpt = False) -> None:
    """The rules, in the order they are applied, with the source of each (paraphrases marked)."""
    from gptpriv.policy.rules import RULES

    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"rules": [r._asdict() for r in RULES]})
        return
    from gptpriv.cli.output import say

    titles = {"training": "Training eligibility (first step that decides ends the evaluation)",
              "disclosure": "Who can see the conversation",
              "notice": "What OpenAI may still hold (conversations deleted between exports)",
              "lint": "Lints (gptpriv doctor)"}
    for kind, title in titles.items():
        say(title)
        for rule in (r for r in RULES if r.kind == kind):
            step = f"{rule.step}. " if rule.step else "- "
            say(f"  {step}{rule.id}: when {rule.when} -> {rule.effect}")
            say(f"     source{' (paraphrase)' if rule.paraphrase else ''}: {rule.source}")
        say()
