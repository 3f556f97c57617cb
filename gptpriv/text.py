"""Which characters must never reach a person's terminal or page raw, and how they are shown.

Much of what gptpriv prints comes from an export its reader did not write (ChatGPT titles
conversations from their content; a GPT's builder names its Action domain, operations and
privacy policy) or from profiles that travel in dotfile repositories. Raw, these characters
would let such a string clear the screen, recolour or retitle the terminal, overwrite a row
(`\\r`), or reorder what a row appears to say (bidi overrides). The core keeps exact data;
the CLI's output helpers, `errors.show` and the report's escaping all use this one definition.
"""

from __future__ import annotations

import re
from functools import cache

# C0 controls (ESC among them) and DEL and C1 controls; the Unicode Bidi_Control characters
# (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069); the line and paragraph separators,
# which some programs treat as newlines; lone surrogates, which cannot be written as UTF-8
# (command-line arguments can carry them) and would end the program with a traceback.
_RANGES = ((0x00, 0x1F), (0x7F, 0x9F), (0x61C, 0x61C), (0x200E, 0x200F), (0x2028, 0x202E),
           (0x2066, 0x2069), (0xD800, 0xDFFF))


# Compiled at first use: a character class beyond U+00FF takes about a millisecond to
# compile, and most output never needs it (see `visible`).
@cache
def _class(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    """`text` with every unsafe character written as its escape (`\\x1b`, `\\u202e`, `\\n`).

    The result contains only safe characters, so applying it twice changes nothing."""
    # Every unsafe character is unprintable for Python (Cc, Cf, Cs, Zl, Zp): a printable
    # string, the common case, is returned without a regex search.
    return text if text.isprintable() else _class(_RANGES).sub(_escape, text)


# JSON escapes only U+0000-U+001F itself. The other unsafe characters can only occur inside
# JSON strings, where `\\uXXXX` stands for exactly the same character: the document decodes to
# the exact same strings, but a terminal that shows it is never driven by them.
_JSON_CODES = [c for lo, hi in _RANGES[1:-1] for c in range(lo, hi + 1)]
# Their UTF-8 encodings start with one of these four bytes: a row with none needs no search.
assert {chr(c).encode()[:1] for c in _JSON_CODES} == {b"\x7f", b"\xc2", b"\xd8", b"\xe2"}


@cache
def _json_bytes() -> re.Pattern[bytes]:
    return re.compile(b"|".join(re.escape(chr(c).encode()) for c in _JSON_CODES))


def json_visible(encoded: str) -> str:
    """A JSON document (from `json.dumps`) with the unsafe characters in its strings escaped."""
    if encoded.isascii():
        return encoded
    return _class(_RANGES[1:]).sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def json_visible_bytes(encoded: bytes) -> bytes:
    """The same for UTF-8 JSON from msgspec (which never writes lone surrogates)."""
    if b"\xe2" not in encoded and b"\xc2" not in encoded and b"\xd8" not in encoded and b"\x7f" not in encoded:
        return encoded  # the common case, at memchr speed: it runs for every row of `check --json`
    return _json_bytes().sub(lambda m: f"\\u{ord(m.group().decode()):04x}".encode(), encoded)
