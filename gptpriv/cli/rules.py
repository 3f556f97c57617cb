"""`gptpriv rules`: the rule table the resolver and doctor implement, with sources, and the
policy history (what existed when) it judges each conversation by."""

from __future__ import annotations

import typer

from gptpriv.cli.common import JsonOpt

app = typer.Typer()


@app.command("rules")
def rules(json: JsonOpt = False) -> None:
    """The rules in the order they are applied, the policy eras, and the kinds of sensitive data.

    Each rule with its source (paraphrases marked), each era with the controls that existed
    then, and each kind of sensitive data with how it is found in the text."""
    from gptpriv.policy.eras import ERAS
    from gptpriv.policy.rules import RULES
    from gptpriv.scan.kinds import KINDS

    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"rules": [r._asdict() for r in RULES], "eras": [e.as_dict() for e in ERAS],
                   "sensitive_kinds": [k._asdict() for k in KINDS]})
        return
    from gptpriv.cli.output import say

    titles = {"training": "Training eligibility (first step that decides ends the evaluation)",
              "disclosure": "Who can see the conversation",
              "notice": "Notices (what is kept, what an export proves, what OpenAI may still hold)",
              "lint": "Lints (gptpriv doctor)"}
    for kind, title in titles.items():
        say(title)
        for rule in (r for r in RULES if r.kind == kind):
            step = f"{rule.step}. " if rule.step else "- "
            say(f"  {step}{rule.id}: when {rule.when} -> {rule.effect}")
            say(f"     source{' (paraphrase)' if rule.paraphrase else ''}: {rule.source}")
        say()
    say("Policy history (a conversation is judged by what existed at its creation; "
        "\"about\": the sources give only the week, month or year, taken as 00:00 UTC)")
    for era in ERAS:
        say(f"  - {era.id} ({era.span()}): {era.what}")
        say(f"     source: {era.source}")
    say()
    say("Sensitive data found in the text (what you wrote, and what calls sent; never shown: "
        "a kind, a count and, for a secret, its last 4 characters)")
    for found in KINDS:
        say(f"  - {found.id}: {found.how}")
        say(f"     as in: {found.source}")
