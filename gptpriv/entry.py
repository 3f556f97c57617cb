"""The `gptpriv` command's entry point: Ctrl-C is handled from here on, before the command
line (Typer and Rich, most of the start-up time) is imported."""

from __future__ import annotations

import signal
import sys
from typing import Any


def _interrupted(signum: int, frame: Any) -> None:
    # The first Ctrl-C stops the command; more, while it ends its workers, would only cut
    # that short (and print tracebacks from wherever they land).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def handle_sigint() -> None:
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not if told to ignore it
        signal.signal(signal.SIGINT, _interrupted)


def main() -> None:
    handle_sigint()
    try:
        from gptpriv.cli import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write("gptpriv: interrupted\n")
        sys.exit(130)
    command_line()
