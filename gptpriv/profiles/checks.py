"""Every check of a value a person types about their profiles: names, GPT ids, emails, plans,
visibilities, Action domains, URLs and operations. Each returns the value (normalised where
that is part of the check) or raises InvalidValue saying why."""

from __future__ import annotations

import re
from collections.abc import Iterable

from gptpriv.errors import InvalidValue, show
from gptpriv.profiles.model import AUTH_KINDS, PLANS, VISIBILITIES

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Device names that Windows cannot use as file names; refused so profiles stay portable.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
_GPT_ID = re.compile(r"g-[A-Za-z0-9]{1,64}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_OPERATION = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


def check_name(name: str, what: str) -> str:
    """Names of accounts, devices and GPTs: slugs, safe as file names on every platform."""
    if not _SLUG.fullmatch(name):
        raise InvalidValue(
            f"invalid {what} name {show(name)}: use 1 to 64 lowercase letters, digits, "
            "`-` or `_`, starting with a letter or digit"
        )
    if name in _RESERVED:
        raise InvalidValue(f"invalid {what} name {show(name)}: it is a reserved file name")
    return name


def slugify(text: str) -> str:
    """A best-effort slug (used for the default device name, from the host name)."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")[:64]
    return slug if slug and slug not in _RESERVED else "this-device"


def check_choice(value: str, choices: Iterable[str], what: str) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise InvalidValue(f"unknown {what} {show(value)}: use one of {', '.join(choices)}")
    return value


def check_plan(plan: str) -> str:
    return check_choice(plan, PLANS, "plan")


def check_visibility(value: str) -> str:
    return check_choice(value, VISIBILITIES, "visibility")


def check_auth(value: str) -> str:
    return check_choice(value, AUTH_KINDS, "auth")


def check_email(email: str) -> str:
    """An email as typed, without the spaces around it (a paste often brings some)."""
    email = email.strip()
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in email):
        raise InvalidValue(f"invalid email {show(email)}: expected an address like `me@example.com`")
    return email


def email_key(email: str | None) -> str | None:
    """What two emails are compared by: trimmed and case-folded (`Me@X.com ` is `me@x.com`).
    Hand-edited profiles and exports both carry emails as people typed them."""
    key = email.strip().casefold() if email else ""
    return key or None


def is_project_id(value: str) -> bool:
    return value.startswith("g-p-")


def check_gpt_id(value: str) -> str:
    if is_project_id(value):
        raise InvalidValue(f"{show(value)} is a project id (`g-p-...`), not a GPT id: projects "
                           "are folders of your own chats, not GPTs")
    if not _GPT_ID.fullmatch(value):
        raise InvalidValue(f"invalid GPT id {show(value)}: expected `g-` followed by letters and "
                           "digits, as in the GPT's address chatgpt.com/g/g-...")
    return value


def check_domain(value: str) -> str:
    """An Action's host name, lowercased and IDN-normalised to its ASCII (punycode) form."""
    text = value.strip()
    if not text:
        raise InvalidValue("invalid domain ``: give a host name such as `api.example.com`")
    if "://" in text or "/" in text:
        raise InvalidValue(f"invalid domain {show(value)}: give the host name only, without "
                           "scheme or path, such as `api.example.com`")
    if ":" in text:
        raise InvalidValue(f"invalid domain {show(value)}: give the host name without a port")
    host = text.rstrip(".").lower()
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidValue(f"invalid domain {show(value)}: not a valid host name") from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or len(ascii_host) > 253 or not all(_LABEL.fullmatch(x) for x in labels):
        raise InvalidValue(f"invalid domain {show(value)}: not a valid public host name")
    return ascii_host


def check_https_url(value: str, what: str = "privacy policy") -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() != "https" or not parts.hostname:
        raise InvalidValue(f"invalid {what} URL {show(value)}: expected an https:// address")
    return value.strip()


def parse_operation(spec: str) -> tuple[str, bool]:
    """`ID` or `ID:consequential` (ChatGPT asks before every consequential call)."""
    op_id, _, flag = spec.partition(":")
    if not _OPERATION.fullmatch(op_id) or flag not in ("", "consequential"):
        raise InvalidValue(f"invalid operation {show(spec)}: expected `operationId` or "
                           "`operationId:consequential`")
    return op_id, flag == "consequential"
