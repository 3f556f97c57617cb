"""`gptpriv status`: the verdict for a conversation not yet started, under your settings now."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gptpriv.cli.common import AccountOpt, AtOpt, JsonOpt, store, when

app = typer.Typer()

VERDICT_WORDS = {"eligible": "may be used for training", "not_eligible": "not used for training",
                 "undetermined": "undetermined"}


@app.command("status")
def status(
    ctx: typer.Context, account: AccountOpt = None,
    gpt: Annotated[Optional[str], typer.Option(
        "--gpt", metavar="GPT", help="Chat with this GPT (profile name, or a `g-...` id).")] = None,
    device: Annotated[Optional[str], typer.Option(
        "--device", help="On this device (its legacy switch then counts).")] = None,
    temporary: Annotated[bool, typer.Option("--temporary", help="A Temporary Chat.")] = False,
    feedback: Annotated[bool, typer.Option(
        "--feedback", help="Assume you give feedback (thumbs up or down) in it.")] = False,
    at: AtOpt = None, json: JsonOpt = False,
) -> None:
    """Would a conversation started now (or --at WHEN) be used for training? Who would see it?"""
    from gptpriv import accounts, gpts
    from gptpriv.errors import NotFound, show
    from gptpriv.model import Snapshot
    from gptpriv.resolver import Conversation, Settings, planned_calls, resolve, verdict_dict
    from gptpriv.timeutil import iso_utc

    st = store(ctx)
    moment = when(at)
    found = accounts.resolve_account(st, account) if account or accounts.current_account(st)[0] else None
    snapshot = Snapshot((found,) if found else (), tuple(gpts.load_gpts(st)))
    sources = {"create_time": "--at option" if at else "now"}
    gpt_ref, calls = None, ()
    if gpt:
        profile = None if gpt.startswith("g-") else gpts.load_gpt(st, gpt)
        if gpt.startswith("g-"):
            from gptpriv.validate import check_gpt_id

            profile = snapshot.gpt_by_id(check_gpt_id(gpt))
        gpt_ref = gpt if gpt.startswith("g-") else (profile.id or f"profile:{profile.name}")  # type: ignore[union-attr]
        sources[f"gpt:{gpt_ref}"] = "--gpt option"
        calls = planned_calls(profile, gpt_ref, moment) if profile else ()
    if device:
        if found is None or found.device(device) is None:
            raise NotFound(f"no device named {show(device)} on the account")
        sources["device"] = "--device option"
    if temporary:
        sources["temporary"] = "--temporary option"
    if feedback:
        sources["feedback"] = "--feedback option"
    conversation = Conversation(create_time=moment, gpt_ids=(gpt_ref,) if gpt_ref else (),
                                temporary=temporary, feedback=feedback, device=device,
                                calls=calls, sources=sources)
    verdict = resolve(Settings(found, snapshot), conversation)
    devices = [
        {"name": d.name, "history": "on" if d.history.value_at(moment) else "off",
         "since": iso_utc(e.at) if (e := d.history.entry_at(moment)) else None}
        for d in (found.devices if found else ())
    ]
    doc = {"account": found.name if found else None, "at": iso_utc(moment), "gpt": gpt,
           "device": device, "temporary": temporary, "feedback": feedback,
           **verdict_dict(verdict), "devices": devices}
    if json:
        from gptpriv.cli.output import emit_json

        emit_json(doc)
        return
    from gptpriv.cli.output import say
    from gptpriv.timeutil import local_text

    say(f"A {'temporary ' if temporary else ''}conversation started {local_text(moment)}"
        f" on account {found.name if found else '(none recorded)'}"
        + (f" with GPT {gpt}" if gpt else "") + (f" on device {device}" if device else "") + ":")
    say(f"Training: {VERDICT_WORDS[verdict.verdict]}")
    for reason in verdict.reasons:
        say(f"  {reason.rule}: {reason.message}")
        say(f"    from: {reason.source}")
    for fact in verdict.missing:
        say(f"  missing: {fact}")
    for notice in verdict.notices:
        say(f"Builder: {notice.message}")
    if verdict.disclosures:
        say("Third parties its Actions would send parts of the conversation to:")
    for d in verdict.disclosures:
        kind = "consequential: asks every time" if d.consequential else (
            "not consequential: Always allow possible" if d.consequential is False else "consequential?")
        say(f"  {d.party} {d.operation or '(no operation recorded)'} ({kind}); "
            f"consent on record: {d.consent}; privacy policy: {d.privacy_policy or 'none'}")
    if devices:
        say("Devices (the legacy switch never synced; each has its own):")
    for d in devices:
        say(f"  {d['name']}: Chat History & Training {d['history']}"
            + (f" since {d['since']}" if d["since"] else ""))
