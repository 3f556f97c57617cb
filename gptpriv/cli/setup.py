"""`gptpriv setup`: a short guided start. Every question is also an option, so scripts and
tests can give the answers; nothing is written until the person confirms the summary."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from gptpriv.cli.common import completes, one_of, store
from gptpriv.cli.output import visible
from gptpriv.plural import count
from gptpriv.profiles.model import PLANS
from gptpriv.run.setup import HOWS

app = typer.Typer()



@app.command("setup")
def setup(
    ctx: typer.Context,
    from_export: Annotated[Optional[str], typer.Option(
        "--from-export", metavar="EXPORT",
        help="Your ChatGPT export: the email and GPTs come from it, and it is checked at the end.")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="A name for the account (a slug).")] = None,
    plan: Annotated[Optional[str], typer.Option(
        "--plan", autocompletion=completes(PLANS), help=f"{one_of(PLANS)}.")] = None,
    opted_out: Annotated[Optional[str], typer.Option(
        "--opted-out", metavar="WHEN", help="When you turned training off (a date is enough).")] = None,
    never_opted_out: Annotated[bool, typer.Option(
        "--never-opted-out", help="You never turned training off.")] = False,
    how: Annotated[Optional[str], typer.Option(
        "--how", autocompletion=completes(HOWS),
        help="How: switch (Chat History & Training, per device, 2023-04-25 to about 2024-04-30), "
             "portal (a privacy request), setting (Improve the model for everyone, from about "
             "2024-04-30).")] = None,
    device: Annotated[Optional[list[str]], typer.Option(
        "--device", metavar="NAME", help="A device the switch was off on (repeatable).")] = None,
    my_gpt: Annotated[Optional[list[str]], typer.Option(
        "--my-gpt", metavar="G-ID", help="A GPT in the export that you built (repeatable).")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Ask nothing: every answer is given as an option, or left unknown.")] = False,
) -> None:
    """Set up gptpriv from your export in a few questions, then check it."""
    from gptpriv.cli.output import say
    from gptpriv.errors import InvalidValue
    from gptpriv.run import setup as core
    from gptpriv.timeutil import happened, now

    if opted_out and never_opted_out:
        raise InvalidValue("give `--opted-out WHEN` or `--never-opted-out`, not both")
    st = store(ctx)
    try:
        seen = core.overview(from_export) if from_export else None
        if seen is not None:
            say(f"{from_export}: {count(seen.conversations, 'conversation')}"
                + (f" from {seen.first:%Y-%m-%d} to {seen.last:%Y-%m-%d}" if seen.first and seen.last else "")
                + (f", account email {seen.email}" if seen.email else ", no user.json"))
        ask = _Asker(yes)
        account = name or ask.text("A name for this account in gptpriv", _default_name(seen))
        plan = plan or ("plus" if seen and seen.plus else None) or (None if yes else _plan(ask.choice(
            "Your plan (the export says only whether it is Plus)", (*PLANS, "unknown"), None)))
        moment, remembered = None, True
        if opted_out:
            moment = happened(opted_out)
        elif not never_opted_out:
            answer = ask.choice("Did you ever turn off training on your conversations?",
                                ("yes", "no", "don't remember"), "don't remember" if yes else None)
            if answer == "yes":
                moment = happened(ask.text("When (a date such as 2023-05-01)", None))
            remembered = answer != "don't remember"
        if moment is not None and how is None:
            offered = core.controls_at(moment)
            if not offered:
                raise InvalidValue(f"no control to turn training off existed at {moment:%Y-%m-%d}")
            for control in offered:
                say(f"  {control.how}: {control.what}, {core.dates_of(control)}")
            how = ask.choice("How did you turn it off?", tuple(c.how for c in offered),
                             offered[0].how if len(offered) == 1 else None)
        devices = tuple(device or ())
        if moment is not None and how and core.control(how).records == "device" and not devices:
            devices = tuple(d.strip() for d in ask.text(
                "On which devices was the switch off (names such as laptop, phone; comma-separated)",
                None).split(",") if d.strip())
        gpts = _gpt_answers(ask, seen, set(my_gpt or ()), set(st.names("gpt")))
        answers = core.Answers(account, seen.email if seen else None, plan, moment, remembered,
                               how if moment is not None else None, devices, gpts)
        core.check_answers(answers)
        say("")
        say("gptpriv will record:")
        for line in core.summary(answers, account in st.names("account")):
            say(f"  {line}")
        if not ask.confirm("Record this?"):
            say("Nothing was recorded.")
            return
    except (KeyboardInterrupt, typer.Abort, EOFError):
        sys.stderr.write("gptpriv: setup interrupted: nothing was recorded\n")
        raise typer.Exit(130) from None
    core.apply_setup(st, answers, now())
    say(f"Recorded. Change any of it later with `gptpriv account history {account}` and "
        "`remove-entry`.")
    if from_export:
        from gptpriv.cli.check_text import summary_of

        say("")
        summary_of(ctx, from_export, account)


def _plan(answer: str) -> str | None:
    return None if answer == "unknown" else answer


def _default_name(seen: Any) -> str | None:
    from gptpriv.profiles.checks import slugify

    if seen is not None and seen.email:
        return slugify(seen.email.split("@")[0])
    return "personal"


def _gpt_answers(ask: _Asker, seen: Any, mine: set[str], taken: set[str]) -> tuple[Any, ...]:
    """The GPTs the export names: each asked about (mine or not), unless --yes."""
    from gptpriv.run.setup import GptAnswer, gpt_profile_name

    if seen is None:
        return ()
    answers = []
    for gpt_id, uses in seen.gpts.items():
        if gpt_id in mine:
            is_mine = True
        elif ask.yes:
            continue  # left unknown: a GPT without a profile is undetermined, as it should be
        else:
            is_mine = ask.choice(f"GPT {gpt_id} ({count(uses, 'conversation')}): "
                                 "did you build it?", ("yes", "no", "skip"), "skip") == "yes"
        name = gpt_profile_name(gpt_id, taken)
        taken.add(name)
        answers.append(GptAnswer(gpt_id, name, is_mine))
    return tuple(answers)


class _Asker:
    """Questions on the terminal (or piped input); with --yes, the default or nothing."""

    def __init__(self, yes: bool) -> None:
        self.yes = yes

    def text(self, question: str, default: str | None) -> str:
        if self.yes:
            if default is None:
                from gptpriv.errors import InvalidValue

                raise InvalidValue(f"--yes asks nothing, and this has no default: {question[0].lower()}"
                                   f"{question[1:]} (give it as an option)")
            return default
        return str(typer.prompt(visible(question), default=default))

    def choice(self, question: str, choices: tuple[str, ...], default: str | None) -> str:
        if self.yes and default is not None:
            return default
        if self.yes:
            return self.text(question, None)
        while True:
            answer = str(typer.prompt(visible(f"{question} [{'/'.join(choices)}]"), default=default)).strip().lower()
            if answer in choices:
                return answer
            typer.echo(f"Please answer one of: {', '.join(choices)}", err=True)

    def confirm(self, question: str) -> bool:
        return True if self.yes else bool(typer.confirm(visible(question), default=True))
