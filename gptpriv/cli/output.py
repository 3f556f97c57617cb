"""Everything the CLI writes: JSON documents, plain text, and Rich tables on a terminal.

Rich is imported only when a table goes to a terminal. JSON never passes through Rich, and
no console interprets user data as markup (a title like `[draft]` must print as it is).

Every line of text goes through `say` (stdout), `warn` (stderr) or `table`, which write each
string through `gptpriv.text.visible`: a title, domain or note that carries ESC sequences,
`\\r` or bidi overrides is shown escaped and cannot drive the terminal. A new output line needs
nothing more than to be written with one of them. JSON keeps the exact strings; the few
unsafe characters JSON itself leaves raw are written as `\\uXXXX` escapes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Sequence
from typing import Any, TypeVar

from gptpriv.text import json_visible, visible

T = TypeVar("T")

JSON_SCHEMA_VERSION = 1


def emit_json(document: dict[str, Any]) -> None:
    import json

    payload = {"schema_version": JSON_SCHEMA_VERSION, **document}
    sys.stdout.write(json_visible(json.dumps(payload, ensure_ascii=False, indent=2)) + "\n")


def emit_jsonl(document: dict[str, Any]) -> None:
    import json

    sys.stdout.write(json_visible(json.dumps(document, ensure_ascii=False, separators=(",", ":"))) + "\n")


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
    """One line on stdout. A newline inside `text` is shown as `\\n`: lines are the caller's."""
    sys.stdout.write(visible(text) + "\n")


def warn(text: str) -> None:
    """One line on stderr (notes and errors), made safe like `say`."""
    sys.stderr.write(visible(text) + "\n")


def warn_problems(reader: Any) -> None:
    """One line on stderr for each problem with an export as a whole (the manifest's missing
    or short shards, say), whatever the output format: a count must never be trusted silently."""
    for problem in reader.problems:
        warn(f"gptpriv: warning: {problem.file}: {problem.message}")


def warn_left_out(inputs: Any) -> None:
    """One line per part of an export that was left out (a side file that is a FIFO...)."""
    for reader, _ in inputs:
        for text in reader.warnings:
            warn(f"gptpriv: warning: {text}")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None,
          styles: dict[int, dict[str, str]] | None = None) -> None:
    """A table; a column with nothing in it is left out, so the others get its width. On a
    colour terminal, `styles` colours cells by value ({column: {value: Rich style}})."""
    # Cells are made safe before widths are measured, so the columns line up with what shows.
    headers = [visible(h) for h in headers]
    rows = [[visible(cell) for cell in row] for row in rows]
    title = visible(title) if title else title
    keep = [i for i in range(len(headers)) if any(row[i] for row in rows)] or list(range(len(headers)))
    headers = [headers[i] for i in keep]
    styles = {keep.index(i): s for i, s in (styles or {}).items() if i in keep}
    rows = [[row[i] for i in keep] for row in rows]
    if rich_wanted():
        from rich.table import Table
        from rich.text import Text

        grid = Table(title=title, title_justify="left", header_style="bold")
        for header in headers:
            grid.add_column(header)
        for row in rows:
            grid.add_row(*(Text(cell, style=styles.get(i, {}).get(cell, "")) for i, cell in enumerate(row)))
        console().print(grid)
        return
    if title:
        say(title)
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for row in [[h.upper() for h in headers], *rows]:
        say("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def setting_word(value: bool | None, on: str = "allowed", off: str = "off") -> str:
    return "unknown" if value is None else (on if value else off)


def with_progress(results: Generator[T, None, None], reader: Any) -> Generator[T, None, None]:
    """A progress bar on stderr for inputs over a few MB, only when stderr is a terminal.

    It is drawn from here, not by Rich's refresh thread: the parallel reader forks its
    workers only while this process runs one thread. It shows from the first conversation
    on, once the workers have started. Closing this closes `results` (Ctrl-C ends the workers).
    """
    try:
        total = reader.total_bytes
        if not sys.stderr.isatty() or not total or total < 8 * 1024 * 1024:
            yield from results
            return
        import time

        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        items = iter(results)
        first = next(items, None)
        if first is None:
            return
        # The console reads no markup (titles are printed as they are): the column is styled
        # by its arguments, not by `[progress.description]` in its text; the description goes
        # through `visible` like every line.
        with Progress(TextColumn("{task.description}", style="progress.description", markup=False),
                      BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                      console=console(stderr=True), transient=True, auto_refresh=False) as bar:
            task = bar.add_task(visible("reading"), total=total, completed=reader.bytes_read)
            bar.refresh()
            yield first
            shown = time.monotonic()
            for item in items:
                if time.monotonic() - shown >= 0.1:
                    bar.update(task, completed=reader.bytes_read, refresh=True)
                    shown = time.monotonic()
                yield item
    finally:
        results.close()
