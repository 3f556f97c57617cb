"""`gptpriv status`: the verdict for a conversation not yet started, under your settings now."""

from __future__ import annotations

import re
from typing import Annotated, Optional

import typer

from gptpriv.cli.common import AccountOpt, AtOpt, JsonOpt, complete_device, complete_gpt, store, when
from gptpriv.policy.facts import LABELS, MEANINGS, plain_words

app = typer.Typer()
# An era named in a rule's message, `era.x (2023-04-25 – about 2024-04-30)`: without --explain
# only its dates are said.
_ERA_ID = re.compile(r"\bera\.[a-z_]+ \(([^()]*)\)")



@app.command("status")
def status(
    ctx: typer.Context, account: AccountOpt = None,
    gpt: Annotated[Optional[str], typer.Option(
        "--gpt", metavar="GPT", autocompletion=complete_gpt,
        help="Chat with this GPT (profile name, or a `g-...` id).")] = None,
    device: Annotated[Optional[str], typer.Option(
        "--device", autocompletion=complete_device,
        help="On this device (its legacy switch then counts).")] = None,
    temporary: Annotated[bool, typer.Option("--temporary", help="A Temporary Chat.")] = False,
    feedback: Annotated[bool, typer.Option(
        "--feedback", help="Assume you give feedback (thumbs up or down) in it.")] = False,
    at: AtOpt = None, json: JsonOpt = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Every reason with its rule id and where its facts came from.")] = False,
) -> None:
    """Would a conversation started now (or --at WHEN) be used for training? Who would see it?"""
    from gptpriv.policy import eras
    from gptpriv.policy.resolver import verdict_dict
    from gptpriv.policy.steps import for_one
    from gptpriv.run.status import planned_status
    from gptpriv.timeutil import iso_utc

    moment = when(at)
    result = planned_status(store(ctx), account=account, gpt=gpt, device=device, temporary=temporary,
                            feedback=feedback, moment=moment, at_given=at is not None)
    found, verdict = result.account, result.verdict
    # "not recorded" for a device with no entry in the switch's era: a default is no fact.
    devices = [{"name": d.name, "history": "not recorded" if not d.recorded else
                "did not exist" if d.switch == "not yet" else "on" if d.history_on else "off",
                "since": iso_utc(d.since) if d.since else None, "switch": d.switch}
               for d in result.devices]
    control = eras.control_at(moment)
    doc = {"account": found.name if found else None, "at": iso_utc(moment), "gpt": gpt,
           "device": device, "temporary": temporary, "feedback": feedback,
           **verdict_dict(verdict), "devices": devices, "control": control,
           "eras": [e.id for e in eras.ERAS if e.holds_at(moment)]}
    steps = for_one(verdict)
    doc["next_steps"] = [s.to_json() for s in steps]
    if json:
        from gptpriv.cli.output import emit_json

        emit_json(doc)
        return
    from gptpriv.cli.output import say, say_wrapped
    from gptpriv.timeutil import local_text

    say(f"A {'temporary ' if temporary else ''}conversation started {local_text(moment)}"
        f" on account {found.name if found else '(none recorded)'}"
        + (f" with GPT {gpt}" if gpt else "") + (f" on device {device}" if device else "") + ":")
    say_wrapped(control if explain else eras.control_at(moment, ids=False), "At that time: ", "  ")
    if found is not None and found.plan == "team":
        say(f"Plan: team (Team, now Business: renamed on {eras.TEAM_NAMED_BUSINESS.start})")
    # The reasons in words; with --explain each with its rule id, message and source.
    because = "; ".join(dict.fromkeys(r.words() for r in verdict.reasons))
    say_wrapped(f"{LABELS[verdict.verdict]} ({MEANINGS[verdict.verdict]})"
                + (f": {because}" if because and not explain else ""), "Training: ", "  ")
    if explain:
        for reason in verdict.reasons:
            say(f"  {reason.rule}: {reason.message}")
            say(f"    from: {reason.source}")
        for fact in verdict.missing:
            say(f"  missing: {fact}")
    else:
        for fact in verdict.missing:
            say_wrapped(plain_words(fact), "  Not recorded: ", "    ")
    labels = {"builder.no_access": "Builder", "retention.temporary": "Kept",
              "retention.preservation_order": "Kept"}
    for notice in verdict.notices:
        label = labels.get(notice.rule, notice.rule if explain else "Note")
        say_wrapped(notice.message if explain else _ERA_ID.sub(r"\1", plain_words(notice.message)),
                    f"{label}: ", "  ")
    if gpt and result.gpt is None:
        say(f"Actions: not known for GPT {gpt}: it has no profile, so what it sends out is not "
            f"recorded; record it with `gptpriv gpt create NAME --id {gpt} --not-mine` and "
            "`gptpriv gpt action add NAME DOMAIN` for each Action its page lists")
    if verdict.disclosures:
        say("Third parties its Actions would send parts of the conversation to:")
    for d in verdict.disclosures:
        kind = "consequential: asks every time" if d.consequential else (
            "not consequential: Always allow possible" if d.consequential is False else "consequential?")
        say_wrapped(f"{d.party} {d.operation or '(no operation recorded)'} ({kind}); "
                    f"consent on record: {d.consent}; privacy policy: {d.privacy_policy or 'none'}",
                    "  ", "    ")
    era = eras.DEVICE_TOGGLE
    if devices:
        say({"existed": "Devices (the legacy switch never synced; each has its own):",
             "ended": f"Devices (the per-device switch ended {era.until_text()}; "
                      "each as it was then):",
             "not yet": f"Devices (the per-device switch did not exist yet: {era.span()}):"}[
            result.devices[0].switch])
    for state in devices:
        say(f"  {state['name']}: Chat History & Training {state['history']}"
            + (f" since {state['since']}" if state["since"] else ""))
    from gptpriv.cli.check_text import steps_text

    steps_text(steps, ids=explain)
    if device and not eras.in_device_era(moment):
        say(f"Device {device}: its switch did not exist at that time "
            f"({era.named() if explain else era.span()}), so it "
            "does not count")
