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


def width() -> int | None:
    """The columns text is laid out in: `COLUMNS` when set, else the terminal's; None for a
    pipe (a script reading rows gets each row on one line)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return os.get_terminal_size(sys.stdout.fileno()).columns
    return None


# Prose (the headline, the steps) is wrapped at the terminal's width, at most this wide on a
# wide terminal (lines a person reads at a glance), and at the common 80 on a pipe.
PROSE_WIDTH, PIPE_WIDTH = 100, 80


def say_wrapped(text: str, first: str = "", rest: str | None = None) -> None:
    """One paragraph, wrapped at word boundaries (never cut mid-word): `first` before its first
    line, `rest` (spaces as wide as `first` by default) before the others."""
    for line in _wrapped(text, first, rest):
        say(line)


def warn_wrapped(text: str, first: str = "", rest: str | None = None) -> None:
    """One paragraph on stderr, wrapped like `say_wrapped`."""
    for line in _wrapped(text, first, rest):
        warn(line)


def _wrapped(text: str, first: str, rest: str | None) -> list[str]:
    import textwrap

    rest = " " * len(first) if rest is None else rest
    columns = min(width() or PIPE_WIDTH, PROSE_WIDTH)
    lines = textwrap.wrap(visible(text), width=max(columns, len(first) + 20), initial_indent=first,
                          subsequent_indent=rest, break_long_words=False, break_on_hyphens=False)
    return lines or [first.rstrip()]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None,
          styles: dict[int, dict[str, str]] | None = None) -> None:
    """A table; a column with nothing in it is left out, so the others get its width. On a
    colour terminal, `styles` colours cells by value ({column: {value: Rich style}}). Cells
    wrap at word boundaries to fit the width (`width()`), never cut mid-word."""
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
            grid.add_column(header, overflow="fold")
        for row in rows:
            grid.add_row(*(Text(cell, style=styles.get(i, {}).get(cell, "")) for i, cell in enumerate(row)))
        console().print(grid)
        return
    if title:
        say(title)
    header_row = [h.upper() for h in headers]
    widths = _fit([max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header_row)],
                  [header_row, *rows], width())
    for row in [header_row, *rows]:
        cells = [_wrap(cell, w) for cell, w in zip(row, widths, strict=True)]
        for n in range(max(len(c) for c in cells)):
            say("  ".join((c[n] if n < len(c) else "").ljust(w)
                          for c, w in zip(cells, widths, strict=True)).rstrip())


def _fit(widths: list[int], rows: Sequence[Sequence[str]], columns: int | None) -> list[int]:
    """Column widths that fit `columns`: the widest columns give way first, each down to its
    longest word (a word is never cut; only a table of such words can be wider)."""
    if columns is None:
        return widths
    floor = [max((len(word) for row in rows for word in row[i].split()), default=0) or 1
             for i in range(len(widths))]
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > columns:
        give = [i for i in range(len(widths)) if widths[i] > floor[i]]
        if not give:
            break
        widest = max(give, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _wrap(cell: str, width: int) -> list[str]:
    import textwrap

    if len(cell) <= width:
        return [cell]
    return textwrap.wrap(cell, width=width, break_long_words=False, break_on_hyphens=False) or [""]


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
