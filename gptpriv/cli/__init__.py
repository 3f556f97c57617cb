"""The gptpriv command line: a thin Typer layer over the core.

Each command group lives in its own module. Modules import only Typer at the top; the core,
Rich and the TOML writer are imported inside the commands that use them, so that a read-only
command with `--json` starts fast (see benchmarks/startup.py).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer
import typer.main
from typer.core import TyperGroup

from gptpriv import __version__


# Command groups and top-level commands, by name: module path. Each module has a Typer `app`.
# They are imported only when invoked or listed (Click's lazy-loading pattern): Typer builds a
# command's parameters from its signature on every run, and doing that for every group would
# cost every command the start-up time of all of them.
COMMANDS = {
    "account": "gptpriv.cli.account",
    "device": "gptpriv.cli.device",
    "config": "gptpriv.cli.config",
    "gpt": "gptpriv.cli.gpt",
    "consent": "gptpriv.cli.consent",
    "doctor": "gptpriv.cli.doctor",
    "status": "gptpriv.cli.status",
    "rules": "gptpriv.cli.rules",
    "check": "gptpriv.cli.check",
    "report": "gptpriv.cli.report",
}


class _RootGroup(TyperGroup):
    """Loads command modules lazily, and turns the core's errors into one line on stderr
    and exit code 2, never a traceback."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted([*super().list_commands(ctx), *COMMANDS])

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        import importlib

        module = importlib.import_module(COMMANDS[cmd_name])
        command = typer.main.get_command(module.app)
        command.name = cmd_name
        return command

    def invoke(self, ctx: Any) -> Any:
        from gptpriv.errors import GptprivError

        try:
            return super().invoke(ctx)
        except GptprivError as error:
            sys.stderr.write(f"gptpriv: error: {error}\n")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            # Ctrl-C: what was being read (worker processes, shared memory) was torn down
            # on the way here, and a report is written to its file only when complete.
            sys.stderr.write("gptpriv: interrupted\n")
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=_RootGroup,
    name="gptpriv",
    help="See what happens to your ChatGPT conversations: training and third parties, and why.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"gptpriv {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[
        Optional[str],
        typer.Option("--home", metavar="PATH", help="Profile directory (default: $GPTPRIV_HOME, "
                     "else the user config directory)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """See what happens to your ChatGPT conversations: training and third parties, and why."""
    ctx.obj = {"home": home}


def main() -> None:
    from gptpriv.entry import handle_sigint

    handle_sigint()  # already done when started as `gptpriv`
    app(prog_name="gptpriv")
