"""Everything the CLI writes: JSON documents, plain text, and Rich tables on a terminal.

Rich is imported only when a table goes to a terminal. JSON never passes through Rich, and
no console interprets user data as markup (a title like `[draft]` must print as it is).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

JSON_SCHEMA_VERSION = 1


def emit_json(document: dict[str, Any]) -> None:
    import json

    payload = {"schema_version": JSON_SCHEMA_VERSION, **document}
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def emit_jsonl(document: dict[str, Any]) -> None:
    import json

    sys.stdout.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")


def rich_wanted() -> bool:
    """Rich tables only on a colour terminal; NO_COLOR, dumb terminals and pipes get plain text."""
    return (
        sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")
        and os.environ.get("TERM", "") not in ("dumb", "unknown")
    )


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, markup=False, highlight=False, emoji=False, soft_wrap=False)


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def warn(text: str) -> None:
    sys.stderr.write(text + "\n")


def warn_left_out(inputs: Any) -> None:
    """One line per part of an export that was left out (a side file that is a FIFO...)."""
    for reader, _ in inputs:
        for text in reader.warnings:
            warn(f"gptpriv: warning: {text}")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> None:
    if rich_wanted():
        from rich.table import Table

        grid = Table(title=title, title_justify="left", header_style="bold")
        for header in headers:
            grid.add_column(header)
        for row in rows:
            grid.add_row(*row)
        console().print(grid)
        return
    if title:
        say(title)
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for row in [[h.upper() for h in headers], *rows]:
        say("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def setting_word(value: bool | None, on: str = "allowed", off: str = "off") -> str:
    return "unknown" if value is None else (on if value else off)


def with_progress(results: Iterator[T], reader: Any) -> Iterator[T]:
    """A progress bar on stderr for inputs over a few MB, only when stderr is a terminal."""
    total = reader.total_bytes
    if not sys.stderr.isatty() or not total or total < 8 * 1024 * 1024:
        yield from results
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("reading", total=total)
        for item in results:
            bar.update(task, completed=reader.bytes_read)
            yield item
