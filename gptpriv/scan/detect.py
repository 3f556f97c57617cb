"""Finding sensitive data in message text, as the export holds it: JSON bytes, never decoded.

One RE2 expression (google-re2) holds every kind's pattern, so a text is read once by a
linear-time automaton: no input, however long or odd (10 MB of digits, of `@`), can make it
backtrack. What it matches is then validated here (Luhn, mod-97, numbering plans, the JWT's
header, placeholders), and only what passes is a finding. Values never leave this module:
a finding is its kind and, for a secret, its last 4 characters.

Text is scanned in its JSON form (`\\n` for a line break): a token right after an escape
such as `\\n` still starts a word, so the left context of each pattern accepts one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from gptpriv.scan.kinds import BY_ID

# What may stand before a token: the start, an escape of a control character, the escape
# of a non-ASCII character (exports write a curly quote or a no-break space as \\u201c,
# \\u00a0), or a character that is not part of a word.
_LEFT = rb"(?:^|\\[nrtbf]|\\u[0-9A-Fa-f]{4}|[^A-Za-z0-9_])"

# (kind, pattern, characters that may not follow it, validator). In the order tried at one
# position: the more specific first (an Anthropic key before an OpenAI one).
_WORD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
_TOKEN = _WORD + b"-"


def _always(_: bytes) -> bool:
    return True


def _grouped(valid: Callable[[bytes], bool]) -> Callable[[bytes], int]:
    """For numbers written in groups (cards, IBANs, phones): the longest run of whole groups
    from the start that is valid, as a match may run on into the next number (an expiry
    date after a card number, a word after an IBAN)."""

    def longest(value: bytes) -> int:
        end = len(value)
        while end > 0:
            if valid(value[:end]):
                return end
            end = max(value.rfind(b" ", 0, end), value.rfind(b"-", 0, end))
        return 0

    return longest


def _whole(valid: Callable[[bytes], bool]) -> Callable[[bytes], int]:
    return lambda value: len(value) if valid(value) else 0


def _mixed(value: bytes) -> bool:
    """A random-looking token: letters of both cases and digits."""
    return (any(c in b"0123456789" for c in value) and any(97 <= c <= 122 for c in value)
            and any(65 <= c <= 90 for c in value))


def _openai(value: bytes) -> bool:
    return b"T3BlbkFJ" in value or value.startswith((b"sk-proj-", b"sk-svcacct-", b"sk-admin-")) \
        or _mixed(value[3:])


def _jwt(value: bytes) -> bool:
    """Its header decodes to a JSON object naming `alg` or `typ`."""
    head = value.split(b".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + b"=" * (-len(head) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and ("alg" in header or "typ" in header)


_ASSIGNED = re.compile(rb"(?:\\?[\"'])?\s*(?::=|[:=])\s*(?:\\?[\"'])?(.*)", re.S)
_PLACEHOLDERS = {b"password", b"passwd", b"passphrase", b"changeme", b"secret", b"example",
                 b"null", b"none", b"true", b"false", b"undefined", b"required", b"optional",
                 b"string", b"redacted", b"hidden", b"your_password", b"yourpassword",
                 b"mypassword", b"new_password", b"old_password", b"placeholder"}
_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def _password(match: bytes) -> bool:
    """`password = value`, the value not a placeholder, a masked value or code."""
    keyword_end = re.search(rb"(?i)pass(?:word|wd|phrase)", match)
    assert keyword_end is not None
    found = _ASSIGNED.match(match, keyword_end.end())
    value = found.group(1) if found else b""
    lowered = value.lower()
    # A bare name that says "pass" (user_password, newPass) is a variable, not a value.
    variable = b"pass" in lowered and _NAME.fullmatch(value) is not None
    return (len(value) >= 6 and lowered not in _PLACEHOLDERS and not variable
            and len(set(value)) > 2 and value[:1] not in b"$%{<[*"
            and not _DOTTED.fullmatch(value) and not set(lowered) <= set(b"x*.#-_"))


_FILES = {b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"ico", b"bmp", b"css", b"js",
          b"ts", b"py", b"json", b"html", b"txt", b"pdf", b"zip"}


def _email(value: bytes) -> bool:
    local, _, domain = value.rpartition(b"@")
    return (not local.startswith(b".") and not local.endswith(b".") and b".." not in value
            and domain.rsplit(b".", 1)[-1].lower() not in _FILES)


def _phone(value: bytes) -> bool:
    """Valid by its country's numbering plan (phonenumbers, Google's libphonenumber data);
    a number without a country code is read as one of the North American plan."""
    import phonenumbers  # loaded by the first worker that meets a candidate

    digits = sum(48 <= c <= 57 for c in value)
    if not 7 <= digits <= 15:  # E.164: at most 15 digits with the country code
        return False
    text = value.decode("ascii", "replace")
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


# Issuer prefixes and lengths of the card networks (Visa, Mastercard, American Express,
# Discover, JCB, Diners Club, UnionPay, Maestro): a Luhn-valid number outside them is not
# reported, which keeps most order and account numbers out.
_CARDS = (
    (re.compile(rb"4"), (13, 16, 19)), (re.compile(rb"5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)"), (16,)),
    (re.compile(rb"3[47]"), (15,)), (re.compile(rb"6(?:011|4[4-9]|5)"), (16, 17, 18, 19)),
    (re.compile(rb"35(?:2[89]|[3-8]\d)"), (16, 17, 18, 19)), (re.compile(rb"3(?:0[0-5]|[689])"), (14, 15, 16, 19)),
    (re.compile(rb"62"), (16, 17, 18, 19)), (re.compile(rb"5[06-9]|6\d"), tuple(range(12, 20))),
)


def _luhn(digits: bytes) -> bool:
    """The Luhn check digit (ISO/IEC 7812): written out, as it runs on every candidate."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = c - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(value: bytes) -> bool:
    separators = {c for c in value if c in b" -"}
    if len(separators) > 1:
        return False
    digits = value.translate(None, b" -")
    if len(set(digits)) < 2 or not _luhn(digits):  # 0000 0000 0000 0000, or not a card number
        return False
    return any(prefix.match(digits) and len(digits) in lengths for prefix, lengths in _CARDS)


def _iban(value: bytes) -> bool:
    compact = value.replace(b" ", b"").decode("ascii")
    moved = compact[4:] + compact[:4]
    # mod-97 first (ISO 13616), cheap; then the registry's length and format for the country.
    if int("".join(str(int(c, 36)) for c in moved)) % 97 != 1:
        return False
    from stdnum import iban

    return bool(iban.is_valid(compact))


def _ssn(value: bytes) -> bool:
    from stdnum.us import ssn  # areas, groups and serials never issued

    return bool(ssn.is_valid(value.decode("ascii")))


_PATTERNS: tuple[tuple[str, bytes, bytes, Callable[[bytes], bool]], ...] = (
    ("secret.private_key", rb"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----", b"", _always),
    ("secret.aws_access_key", rb"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}", _WORD, _always),
    ("secret.github_token", rb"gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82}", _WORD, _always),
    ("secret.gitlab_token", rb"gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20,64}", _TOKEN, _always),
    ("secret.anthropic_api_key", rb"sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{80,120}", _TOKEN, _always),
    ("secret.openai_api_key",
     rb"sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}"
     rb"|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{48}", _TOKEN, _openai),
    ("secret.slack_token", rb"xox[abposre]-[0-9]{6,16}-[0-9A-Za-z-]{8,120}", _TOKEN, _always),
    ("secret.slack_webhook",
     rb"hooks\.slack\.com\\?/(?:services|workflows)\\?/[A-Za-z0-9+]{8,12}\\?/[A-Za-z0-9+]{8,12}"
     rb"\\?/[A-Za-z0-9+]{20,40}", _WORD, _always),
    ("secret.google_api_key", rb"AIza[0-9A-Za-z_-]{35}", _TOKEN, _always),
    ("secret.stripe_key", rb"[rs]k_(?:live|test)_[0-9A-Za-z]{10,99}", _WORD, _always),
    ("secret.npm_token", rb"npm_[A-Za-z0-9]{36}", _WORD, _always),
    ("secret.jwt", rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", _TOKEN, _jwt),
    ("secret.password_assignment",
     rb"(?i:[A-Za-z0-9_.-]{0,40}pass(?:word|wd|phrase))(?:\\?[\"'])?[ \t]{0,4}(?::=|[:=])[ \t]{0,4}"
     rb"(?:\\?[\"'])?[^\s\"'\\,;<>(){}\[\]`]{1,64}", b"", _password),
    ("pii.email", rb"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}",
     _WORD, _email),
    ("pii.us_ssn", rb"[0-9]{3}-[0-9]{2}-[0-9]{4}", _WORD + b"-", _ssn),
    # Groups of 4 to 6 digits, as cards are printed (4-4-4-4, 4-6-5, 4-4-4-4-3), or none.
    ("pii.payment_card", rb"[0-9]{4}(?:[ -]?[0-9]{4,6}){2,3}(?:[ -]?[0-9]{1,4})?", _WORD, _card),
    ("pii.phone", rb"\+[1-9](?:[ .()-]{0,2}[0-9]){6,14}|\(?[2-9][0-9]{2}\)?[ .-]?[0-9]{3}[ .-][0-9]{4}",
     _WORD, _phone),
    ("pii.iban", rb"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?", _WORD, _iban),
)
assert all(kind in BY_ID for kind, *_ in _PATTERNS) and len(_PATTERNS) == len(BY_ID)
_KINDS = [kind for kind, *_ in _PATTERNS]
_FOLLOWERS = [frozenset(after) for _, _, after, _ in _PATTERNS]
_GROUPED = {"pii.payment_card", "pii.phone", "pii.iban"}
_GROUPED_AT = {k for k, (kind, *_) in enumerate(_PATTERNS) if kind in _GROUPED}
# Each kind's check: how many bytes from the start of a match are a valid value (0: none).
_VALID = [(_grouped if kind in _GROUPED else _whole)(valid) for kind, *_, valid in _PATTERNS]
_SECRET = [BY_ID[kind].secret for kind in _KINDS]
_NO_HINT = {"secret.private_key", "secret.password_assignment"}  # no part of them is shown


@cache
def _expression() -> Any:
    """Compiled once per process, when the first text is scanned."""
    import re2

    options = re2.Options()
    options.max_mem = 64 << 20  # the automaton for every pattern at once
    # Byte by byte: the patterns are ASCII, and a byte that is not valid UTF-8 is just a byte.
    options.encoding = re2.Options.Encoding.LATIN1
    alternatives = b"|".join(b"(" + pattern + b")" for _, pattern, _, _ in _PATTERNS)
    return re2.compile(_LEFT + b"(?:" + alternatives + b")", options)


Hit = tuple[str, str | None, int]  # (kind, hint for a secret, offset in the text scanned)


def find(text: bytes | memoryview) -> list[Hit]:
    """Every finding in `text` (JSON bytes), in order; each value checked, never kept."""
    hits: list[Hit] = []
    for match in _expression().finditer(text):
        group = match.lastindex
        if group is None:
            continue
        start, end = match.span(group)
        k = group - 1
        if k not in _GROUPED_AT and end < len(text) and text[end] in _FOLLOWERS[k]:
            continue  # part of a longer word or token
        value = bytes(text[start:end])
        size = _VALID[k](value)
        if not size:
            continue
        end = start + size
        if end < len(text) and text[end] in _FOLLOWERS[k]:
            continue  # part of a longer word or token
        value = value[:size]
        kind = _KINDS[k]
        hint = None
        if _SECRET[k] and kind not in _NO_HINT:
            hint = "…" + value[-4:].decode("ascii", "replace")
        hits.append((kind, hint, start))
    return hits
