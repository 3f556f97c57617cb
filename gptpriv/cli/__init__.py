"""The gptpriv command line: a thin Typer layer over the core.

Each command group lives in its own module. Modules import only Typer at the top; the core,
Rich and the TOML writer are imported inside the commands that use them, so that a read-only
command with `--json` starts fast (see benchmarks/startup.py).
"""

from __future__ import annotations

import os
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
# The order is the one a person meets them in, and `--help` lists them so, in three panels:
# what a new user runs first, the records those answers are built from, then the upkeep.
COMMANDS = {
    "setup": "gptpriv.cli.setup",
    "check": "gptpriv.cli.check",
    "report": "gptpriv.cli.report",
    "status": "gptpriv.cli.status",
    "account": "gptpriv.cli.account",
    "device": "gptpriv.cli.device",
    "gpt": "gptpriv.cli.gpt",
    "consent": "gptpriv.cli.consent",
    "doctor": "gptpriv.cli.doctor",
    "rules": "gptpriv.cli.rules",
    "config": "gptpriv.cli.config",
}
# Typer prints its default panel ("Commands") first, then the others in the order first met.
PANELS = {
    "account": "Your records", "device": "Your records", "gpt": "Your records",
    "consent": "Your records", "doctor": "Upkeep", "rules": "Upkeep", "config": "Upkeep",
}


_COMPLETION_OPTIONS = ("install_completion", "show_completion")


class _StdoutClosed(Exception):
    """A BrokenPipeError carried past Click, which would end the run with exit code 1 (kept
    for `--fail-on`); `main` ends it quietly instead."""


class _RootGroup(TyperGroup):
    """Loads command modules lazily, and turns the core's errors into one line on stderr
    and exit code 2, never a traceback."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        import importlib

        module = importlib.import_module(COMMANDS[cmd_name])
        command = typer.main.get_command(module.app)
        command.name = cmd_name
        command.rich_help_panel = PANELS.get(cmd_name)  # type: ignore[attr-defined]
        # Typer gives every app it converts its own --install-completion/--show-completion;
        # they belong to the root command only.
        command.params = [p for p in command.params if p.name not in _COMPLETION_OPTIONS]
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """A mistyped command gets "Did you mean ...?", as Typer gives for its own groups: it
        does not know the commands that are loaded lazily."""
        try:
            return super().resolve_command(ctx, args)
        except Exception as error:  # Click's UsageError, which Typer keeps private
            message = getattr(error, "message", None)
            if args and isinstance(message, str) and "Did you mean" not in message:
                from difflib import get_close_matches

                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    error.message = f"{message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"  # type: ignore[attr-defined]
            raise

    def invoke(self, ctx: Any) -> Any:
        from gptpriv.errors import GptprivError

        try:
            return super().invoke(ctx)
        except GptprivError as error:
            from gptpriv.cli.output import warn

            warn(f"gptpriv: error: {error}")
            raise typer.Exit(error.exit_code) from None
        except BrokenPipeError:
            raise _StdoutClosed from None
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
    started_on = _stdout_file()
    try:
        try:
            app(prog_name="gptpriv")
        finally:
            # What is still buffered goes out here, where a closed pipe can be handled, and
            # not in the interpreter's flush at exit (a printed warning and exit code 120).
            sys.stdout.flush()
    except (BrokenPipeError, _StdoutClosed):
        # Whoever read the output has gone (`gptpriv check ... | head -1`): that is not an
        # error. As the Python docs' "Note on SIGPIPE" recommends, stdout now goes to devnull,
        # so that the flush at exit does not fail again; nothing is printed, exit code 0.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except SystemExit as done:
        # Rich, which draws Typer's help, handles a closed pipe itself: it points stdout at
        # devnull and exits 1 (Console.on_broken_pipe). Told apart from `--fail-on` by stdout
        # having become devnull during the run.
        null_file = _file_identity(os.devnull)
        if done.code == 1 and started_on != null_file and _stdout_file() == null_file:
            sys.exit(0)
        raise


def _stdout_file() -> tuple[int, int] | None:
    try:
        return _file_identity(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # closed, or an object without a descriptor
        return None


def _file_identity(file: int | str) -> tuple[int, int] | None:
    try:
        found = os.fstat(file) if isinstance(file, int) else os.stat(file)
    except OSError:
        return None
    return found.st_dev, found.st_ino
