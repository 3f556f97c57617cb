"""How a number of things is said: `1 conversation`, `2 conversations`, `1 third party`. One
home, used by the terminal's output, the report and the core's messages alike."""

from __future__ import annotations

_PLURALS = {"entry": "entries", "third party": "third parties"}


def count(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else _PLURALS.get(word, word + 's')}"
