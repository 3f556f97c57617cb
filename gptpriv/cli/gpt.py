"""`gptpriv gpt ...`: GPT profiles, the builder's training setting, Actions and reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from gptpriv.cli.common import (
    AtOpt,
    JsonOpt,
    NoteOpt,
    YesOpt,
    complete_gpt,
    completes,
    confirm,
    happened,
    one_of,
    store,
    timeline_json,
)
from gptpriv.profiles.model import AUTH_KINDS, VISIBILITIES

if TYPE_CHECKING:
    from gptpriv.profiles.model import Gpt

app = typer.Typer(help="GPTs (your own and others'), their builder setting and Actions.",
                  no_args_is_help=True)
action_app = typer.Typer(help="The Actions of a GPT: third-party APIs it sends data to.",
                         no_args_is_help=True)
app.add_typer(action_app, name="action")

NameArg = Annotated[str, typer.Argument(metavar="GPT", help="GPT profile name (a slug).",
                                         autocompletion=complete_gpt)]
TitleOpt = Annotated[Optional[str], typer.Option("--title", help="Display name of the GPT.")]
IdOpt = Annotated[Optional[str], typer.Option("--id", help="The GPT's id, `g-...`, from its address.")]
VisibilityOpt = Annotated[
    Optional[str], typer.Option("--visibility", autocompletion=completes(VISIBILITIES),
                                help=f"{one_of(VISIBILITIES)}.")
]
BuilderOpt = Annotated[Optional[str], typer.Option("--builder", help="Who built it.")]
DomainArg = Annotated[str, typer.Argument(metavar="DOMAIN", help="The API's host name.")]

_DEFAULT_WHY = {
    True: "GPT editor default: the box to use conversation data starts checked",
    None: "unknown: someone else's GPT; record what its builder chose if you learn it",
}


def gpt_json(gpt: Gpt) -> dict[str, Any]:
    from gptpriv.cli.output import setting_word
    from gptpriv.profiles.gpts import gpt_page
    from gptpriv.timeutil import iso_utc, now

    return {
        "name": gpt.name, "title": gpt.title, "id": gpt.id, "mine": gpt.mine,
        "visibility": gpt.visibility, "verified_builder": gpt.verified_builder,
        "builder": gpt.builder, "page": gpt_page(gpt), "file": str(gpt.path),
        "training_now": setting_word(gpt.training.value_at(now())),
        "training_default": setting_word(gpt.training.default),
        "training": timeline_json(gpt.training),
        "actions": [
            {"domain": a.domain, "auth": a.auth, "privacy_policy": a.privacy_policy,
             "operations": [{"id": o.id, "consequential": o.consequential} for o in a.operations]}
            for a in gpt.actions
        ],
        "reports": [{"at": iso_utc(r.at), "reason": r.reason} for r in gpt.reports],
    }


@app.command("create")
def create(
    ctx: typer.Context, name: NameArg, title: TitleOpt = None, gpt_id: IdOpt = None,
    no_training: Annotated[bool, typer.Option(
        "--no-training", help="The builder opted out: conversation data not used for training.")] = False,
    mine: Annotated[bool, typer.Option("--mine/--not-mine", help="Whether you built it.")] = True,
    visibility: VisibilityOpt = None,
    verified_builder: Annotated[bool, typer.Option(
        "--verified-builder", help="The builder is verified (shown on the GPT's page).")] = False,
    builder: BuilderOpt = None,
) -> None:
    """Record a GPT: one you built, or (with --not-mine) one someone else built."""
    from gptpriv import timeutil
    from gptpriv.cli.output import say
    from gptpriv.profiles import gpts

    gpts.create_gpt(store(ctx), name, title=title, gpt_id=gpt_id, mine=mine,
                    visibility=visibility, verified_builder=verified_builder, builder=builder,
                    no_training=no_training, created=timeutil.now())
    say(f"Created GPT {name}" + (" (builder training off)." if no_training else "."))
    if not mine and not no_training:
        say("Its builder's training setting is unknown until you record it "
            f"(`gptpriv gpt opt-out {name}` or `opt-in`).")
    if not gpt_id:
        say(f"Add its id to match it in exports: gptpriv gpt set {name} --id g-...")


@app.command("list")
def list_(ctx: typer.Context, json: JsonOpt = False) -> None:
    """List GPT profiles."""
    from gptpriv.profiles import gpts

    found = gpts.load_gpts(store(ctx))
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"gpts": [gpt_json(g) for g in found]})
        return
    from gptpriv.cli.output import say, setting_word, table
    from gptpriv.timeutil import now

    if not found:
        say("No GPTs yet: record one with `gptpriv gpt create NAME --id g-...`.")
        return
    table(["name", "id", "mine", "visibility", "builder training", "actions"], [
        [g.name, g.id or "?", "yes" if g.mine else "no", g.visibility or "?",
         setting_word(g.training.value_at(now())), str(len(g.actions))]
        for g in found
    ])


@app.command("show")
def show(ctx: typer.Context, name: NameArg, json: JsonOpt = False) -> None:
    """Show a GPT: id, builder, training setting, Actions and past reports."""
    from gptpriv.profiles import gpts

    gpt = gpts.load_gpt(store(ctx), name)
    doc = gpt_json(gpt)
    if json:
        from gptpriv.cli.output import emit_json

        emit_json(doc)
        return
    from gptpriv.cli.output import say

    say(f"GPT:               {gpt.name}" + (f" ({gpt.title})" if gpt.title else ""))
    say(f"Id:                {gpt.id or 'unknown'}")
    say(f"Built by:          {'you' if gpt.mine else gpt.builder or 'someone else'}"
        + ("" if gpt.mine else f" ({'verified' if gpt.verified_builder else 'not recorded as verified'})"))
    say(f"Visibility:        {gpt.visibility or 'unknown'}")
    say(f"Builder training:  {doc['training_now']}")
    for action in gpt.actions:
        ops = ", ".join(o.id + (" (consequential)" if o.consequential else "")
                        for o in action.operations) or "no operations recorded"
        say(f"Action:            {action.domain} [auth {action.auth}] {ops}")
        say(f"                   privacy policy: {action.privacy_policy or 'none'}")
    for report in doc["reports"]:
        say(f"Reported:          {report['at']}: {report['reason']}")
    if doc["page"]:
        say(f"Page:              {doc['page']}")
    say(f"File:              {gpt.path}")


@app.command("set")
def set_(
    ctx: typer.Context, name: NameArg, title: TitleOpt = None, gpt_id: IdOpt = None,
    mine: Annotated[Optional[bool], typer.Option("--mine/--not-mine", help="Whether you built it.")] = None,
    visibility: VisibilityOpt = None,
    verified_builder: Annotated[Optional[bool], typer.Option(
        "--verified-builder/--unverified-builder", help="Whether the builder is verified.")] = None,
    builder: BuilderOpt = None,
) -> None:
    """Change a GPT's title, id, visibility, builder or ownership."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import gpts

    changes = {"title": title, "id": gpt_id, "mine": mine, "visibility": visibility,
               "verified_builder": verified_builder, "builder": builder}
    if all(v is None for v in changes.values()):
        from gptpriv.errors import InvalidValue

        raise InvalidValue("nothing to change: give at least one option (see --help)")
    gpts.set_gpt(store(ctx), name, changes)
    say(f"Updated GPT {name}.")


def _record(ctx: typer.Context, name: str, allowed: bool, at: str | None, note: str | None) -> None:
    from gptpriv.cli.common import recorded
    from gptpriv.cli.output import say
    from gptpriv.profiles import gpts

    moment = happened(at)
    changed = gpts.record_builder_training(store(ctx), name, allowed=allowed, at=moment, note=note)
    say(recorded(f"builder training {'allowed' if allowed else 'off'} for GPT {name}", moment, changed))


@app.command("opt-out")
def opt_out(ctx: typer.Context, name: NameArg, at: AtOpt = None, note: NoteOpt = None) -> None:
    """Record that the builder turned off "Use conversation data ... to improve our models"."""
    _record(ctx, name, False, at, note)


@app.command("opt-in")
def opt_in(ctx: typer.Context, name: NameArg, at: AtOpt = None, note: NoteOpt = None) -> None:
    """Record that the builder turned on "Use conversation data ... to improve our models"."""
    _record(ctx, name, True, at, note)


@app.command("history")
def history(ctx: typer.Context, name: NameArg, json: JsonOpt = False) -> None:
    """The builder's dated training timeline, oldest first."""
    from gptpriv.cli.output import setting_word
    from gptpriv.profiles import gpts

    gpt = gpts.load_gpt(store(ctx), name)
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"gpt": gpt.name, "default": setting_word(gpt.training.default),
                   "training": timeline_json(gpt.training)})
        return
    from gptpriv.cli.common import timeline_rows
    from gptpriv.cli.output import table

    rows = timeline_rows(gpt.training, "allowed", "off", _DEFAULT_WHY[gpt.training.default])
    table(["#", "from", "builder training", "note"], rows, title=f"Builder training setting of GPT {name}")


@app.command("remove-entry")
def remove_entry(ctx: typer.Context, name: NameArg,
                 number: Annotated[int, typer.Argument(metavar="N", help="The entry's number in `gpt history`.")],
                 yes: YesOpt = False) -> None:
    """Undo a builder-training entry recorded by mistake (N as `gpt history` numbers it)."""
    from gptpriv.cli.common import removed
    from gptpriv.cli.output import say
    from gptpriv.profiles import gpts

    st = store(ctx)
    gpts.load_gpt(st, name)
    confirm(f"Remove entry {number} from the builder-training history of GPT {name}?", yes)
    entry = gpts.remove_builder_entry(st, name, number)
    say(removed(f"entry {number}, builder training", entry))


@app.command("remove")
def remove(ctx: typer.Context, name: NameArg, yes: YesOpt = False) -> None:
    """Delete a GPT profile."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import gpts

    gpts.load_gpt(store(ctx), name)
    confirm(f"Remove GPT {name}?", yes)
    gpts.remove_gpt(store(ctx), name)
    say(f"Removed GPT {name}.")


@app.command("report")
def report(ctx: typer.Context, name: NameArg, reason: Annotated[str, typer.Option(
        "--reason", help="Why you report it (kept in the profile).")], at: AtOpt = None) -> None:
    """Record that you reported a GPT to OpenAI, and print the page where you file it."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import gpts

    gpt = gpts.add_report(store(ctx), name, reason=reason, at=happened(at))
    page = gpts.gpt_page(gpt)
    say(f"Recorded a report on GPT {name}.")
    if page:
        say(f"File it on the GPT's page, from the menu by its name (Report): {page}")
    else:
        say(f"Its id is unknown, so its page cannot be linked: gptpriv gpt set {name} --id g-...")


@action_app.command("add")
def action_add(
    ctx: typer.Context, name: NameArg, domain: DomainArg,
    auth: Annotated[Optional[str], typer.Option(
        "--auth", autocompletion=completes(AUTH_KINDS), help=f"{one_of(AUTH_KINDS)}.")] = None,
    privacy_policy: Annotated[Optional[str], typer.Option(
        "--privacy-policy", metavar="URL", help="The API's privacy policy (https).")] = None,
    operation: Annotated[Optional[list[str]], typer.Option(
        "--operation", metavar="ID[:consequential]",
        help="An operation; repeat for several. `:consequential` if ChatGPT asks every time.")] = None,
) -> None:
    """Declare an Action (or update one): the domain a GPT sends data to."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import gpts
    from gptpriv.profiles.checks import check_domain

    is_new = gpts.add_action(store(ctx), name, domain, auth=auth, privacy_policy=privacy_policy,
                             operations=operation or [])
    say(f"{'Added' if is_new else 'Updated'} action {check_domain(domain)} on GPT {name}.")


@action_app.command("list")
def action_list(ctx: typer.Context, name: NameArg, json: JsonOpt = False) -> None:
    """List a GPT's Actions."""
    from gptpriv.profiles import gpts

    doc = gpt_json(gpts.load_gpt(store(ctx), name))
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"gpt": name, "actions": doc["actions"]})
        return
    from gptpriv.cli.output import say, table

    if not doc["actions"]:
        say(f"GPT {name} has no actions recorded.")
        return
    table(["domain", "auth", "operations", "privacy policy"], [
        [a["domain"], a["auth"],
         ", ".join(o["id"] + ("*" if o["consequential"] else "") for o in a["operations"]),
         a["privacy_policy"] or "none"]
        for a in doc["actions"]
    ], title=f"Actions of GPT {name} (* consequential: ChatGPT asks every time)")


@action_app.command("remove")
def action_remove(ctx: typer.Context, name: NameArg, domain: DomainArg) -> None:
    """Remove an Action from a GPT."""
    from gptpriv.cli.output import say
    from gptpriv.profiles import gpts

    gpts.remove_action(store(ctx), name, domain)
    say(f"Removed action {domain} from GPT {name}.")
