"""Lines of the report written while the export is read but placed on the page at the end:
the conversation rows and each next step's list of conversations.

Both are spooled to temporary files (in memory up to a few MB, then on disk), so the page can
list every conversation under its step, with its title, and memory stays bounded. A title
that repeats ("New chat") gets a short id beside it; whether it repeats is known only once
everything was read, so each spooled line carries its title's hash and short id, and
`Spool.lines` fills in the short id on the way out.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from html import escape
from typing import IO

from gptpriv.text import visible

# Where a short id goes in a spooled line: escaped text can never contain `<`.
SHORT_ID = "<!--short-id-->"


class Titles:
    """Which titles occur more than once: hashes only (a collision shows one id too many)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.repeated: set[int] = set()

    def add(self, title: str) -> int:
        key = hash(title)
        if key in self.seen:
            self.repeated.add(key)
        else:
            self.seen.add(key)
        return key


class Spool:
    def __init__(self, max_size: int) -> None:
        # Closed by close(), after the page was written.
        self._file: IO[str] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=max_size, mode="w+", encoding="utf-8")
        self.count = 0

    def write(self, key: int, conversation_id: str | None, html: str) -> None:
        """One line of HTML with SHORT_ID where a short id may go. A newline inside a title
        becomes a character reference, so that each line read back is one entry."""
        # An id from the export is shown like any of its text: control and bidi characters
        # as escapes (gptpriv.text), so none reaches the page raw, nor a terminal (`-o -`).
        short = escape(visible((conversation_id or "")[:8]))
        body = html.rstrip("\n").replace("\r", "&#13;").replace("\n", "&#10;")
        self._file.write(f"{key}\t{short}\t{body}\n")
        self.count += 1

    def lines(self, titles: Titles) -> Iterator[str]:
        self._file.seek(0)
        for raw in self._file:
            key, short, html = raw.split("\t", 2)
            mark = (f' <small class="short-id" title="conversation id">{short}</small>'
                    if short and int(key) in titles.repeated else "")
            yield html.replace(SHORT_ID, mark)

    def close(self) -> None:
        self._file.close()
