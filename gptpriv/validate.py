"""Validation of the values people type about GPTs: ids, Action domains, URLs, operations."""

from __future__ import annotations

import re

from gptpriv.errors import InvalidValue, show

_GPT_ID = re.compile(r"g-[A-Za-z0-9]{1,64}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_OPERATION = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise InvalidValue(f"unknown {what} {show(value)}: use one of {', '.join(choices)}")
    return value


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
