"""Names of accounts, devices and GPTs: slugs, safe as file names on every platform."""

from __future__ import annotations

import re

from gptpriv.errors import InvalidValue, show

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# Device names that Windows cannot use as file names; refused so profiles stay portable.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}


def check_name(name: str, what: str) -> str:
    """Return `name` if it is a valid slug, else raise InvalidValue saying why."""
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
