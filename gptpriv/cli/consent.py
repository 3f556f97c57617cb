"""`gptpriv consent ...`: what you answered when a GPT asked to send data to a third party."""

from __future__ import annotations

from typing import Annotated

import typer

from gptpriv.cli.common import AccountOpt, AtOpt, JsonOpt, complete_gpt, happened, store

app = typer.Typer(help="Your Allow / Always allow / Decline answers to GPT Actions.",
                  no_args_is_help=True)

GptArg = Annotated[str, typer.Argument(metavar="GPT", help="GPT profile name.", autocompletion=complete_gpt)]
DomainArg = Annotated[str, typer.Argument(metavar="DOMAIN", help="The Action's host name.")]
_DONE = {"allow": "Allow", "always": "Always allow", "deny": "Decline", "reset": "no standing decision"}


def _record(ctx: typer.Context, word: str, gpt: str, domain: str, account: str | None,
            at: str | None) -> None:
    from gptpriv.cli.output import say, warn
    from gptpriv.profiles import accounts
    from gptpriv.profiles.checks import check_domain
    from gptpriv.profiles.consents import record_consent

    st = store(ctx)
    account_name = accounts.resolve_account(st, account).name
    for warning in record_consent(st, account_name, gpt, domain, word, happened(at)):
        warn(f"gptpriv: note: {warning}")
    say(f"Recorded for account {account_name}: {_DONE[word]} for GPT {gpt} -> {check_domain(domain)}.")


@app.command("allow")
def allow(ctx: typer.Context, gpt: GptArg, domain: DomainArg, account: AccountOpt = None,
          at: AtOpt = None) -> None:
    """Record that you chose Allow (this once) for a GPT's Action."""
    _record(ctx, "allow", gpt, domain, account, at)


@app.command("always")
def always(ctx: typer.Context, gpt: GptArg, domain: DomainArg, account: AccountOpt = None,
           at: AtOpt = None) -> None:
    """Record that you chose Always allow (refused for consequential operations)."""
    _record(ctx, "always", gpt, domain, account, at)


@app.command("deny")
def deny(ctx: typer.Context, gpt: GptArg, domain: DomainArg, account: AccountOpt = None,
         at: AtOpt = None) -> None:
    """Record that you chose Decline."""
    _record(ctx, "deny", gpt, domain, account, at)


@app.command("reset")
def reset(ctx: typer.Context, gpt: GptArg, domain: DomainArg, account: AccountOpt = None,
          at: AtOpt = None) -> None:
    """Record that no decision stands any more (ChatGPT will ask again)."""
    _record(ctx, "reset", gpt, domain, account, at)


@app.command("list")
def list_(ctx: typer.Context, account: AccountOpt = None, json: JsonOpt = False) -> None:
    """List an account's consent decisions, oldest first; the last for a pair is in force."""
    from gptpriv.profiles import accounts
    from gptpriv.timeutil import iso_utc, local_text

    found = accounts.resolve_account(store(ctx), account)
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"account": found.name, "consents": [
            {"gpt": c.gpt, "domain": c.domain, "decision": c.decision, "at": iso_utc(c.at)}
            for c in found.consents]})
        return
    from gptpriv.cli.output import say, table

    if not found.consents:
        say(f"No consent decisions recorded for account {found.name}.")
        return
    table(["at", "gpt", "domain", "decision"],
          [[local_text(c.at), c.gpt, c.domain, c.decision] for c in found.consents],
          title=f"Consent decisions of account {found.name}")
