"""GPT profiles: their ids, builder training setting, Actions and reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gptpriv.errors import InvalidValue, NotFound, show
from gptpriv.profiles.checks import (
    check_auth,
    check_domain,
    check_gpt_id,
    check_https_url,
    check_name,
    check_visibility,
    parse_operation,
)
from gptpriv.profiles.model import Entry, Gpt
from gptpriv.profiles.parse import parse_gpt
from gptpriv.profiles.store import Store
from gptpriv.profiles.timelines import record_entry, remove_entry, timeline_entry


def load_gpt(store: Store, name: str) -> Gpt:
    return store.load("gpt", name, parse_gpt, f"create it with `gptpriv gpt create {name}`")


def load_gpts(store: Store) -> list[Gpt]:
    return [load_gpt(store, name) for name in store.names("gpt")]


def _check_id_unique(store: Store, name: str, gpt_id: str) -> None:
    for other in load_gpts(store):
        if other.id == gpt_id and other.name != name:
            raise InvalidValue(f"GPT id {show(gpt_id)} already belongs to GPT {show(other.name)}")


def create_gpt(store: Store, name: str, *, title: str | None, gpt_id: str | None, mine: bool,
               visibility: str | None, verified_builder: bool, builder: str | None,
               no_training: bool, created: datetime) -> None:
    check_name(name, "GPT")
    data: dict[str, Any] = {"name": name, "created": created, "mine": mine,
                            "verified_builder": verified_builder}
    if title:
        data["title"] = title
    if gpt_id:
        data["id"] = check_gpt_id(gpt_id)
    # Your own new GPT starts private in the GPT editor; someone else's is unknown until told.
    visibility = visibility or ("only-me" if mine else None)
    if visibility:
        data["visibility"] = check_visibility(visibility)
    if builder:
        data["builder"] = builder
    if no_training:
        data["training"] = [timeline_entry(False, created, "created with --no-training")]
    with store.lock():
        if gpt_id:
            _check_id_unique(store, name, gpt_id)
        with store.editing(store.path("gpt", name), "gpt", new=data):
            pass


def set_gpt(store: Store, name: str, changes: dict[str, Any]) -> None:
    """Apply changes (None values are left alone) after validating them."""
    if "id" in changes and changes["id"] is not None:
        check_gpt_id(changes["id"])
    if changes.get("visibility") is not None:
        check_visibility(changes["visibility"])
    with store.lock():
        if changes.get("id"):
            _check_id_unique(store, name, changes["id"])
        path = store.path("gpt", check_name(name, "GPT"))
        with store.editing(path, "gpt") as data:
            data.update({k: v for k, v in changes.items() if v is not None})
            parse_gpt(path, data)


def record_builder_training(store: Store, name: str, *, allowed: bool, at: datetime,
                            note: str | None) -> bool:
    path = store.path("gpt", check_name(name, "GPT"))
    with store.editing(path, "gpt") as data:
        return record_entry(data.setdefault("training", []), parse_gpt(path, data).training,
                            allowed, at, note)


def remove_builder_entry(store: Store, name: str, number: int) -> Entry:
    """Undo a builder-training entry: `number` as `gpt history` shows it."""
    path = store.path("gpt", check_name(name, "GPT"))
    with store.editing(path, "gpt") as data:
        return remove_entry(data.get("training", []), parse_gpt(path, data).training, number,
                            f"GPT {show(name)}")


def remove_gpt(store: Store, name: str) -> None:
    load_gpt(store, name)
    store.remove(store.path("gpt", name))


def add_action(store: Store, name: str, domain: str, *, auth: str | None,
               privacy_policy: str | None, operations: list[str]) -> bool:
    """Declare an Action's domain on a GPT, or update it. Returns True when it was new."""
    host = check_domain(domain)
    if auth is not None:
        check_auth(auth)
    policy = check_https_url(privacy_policy) if privacy_policy is not None else None
    parsed_ops = [parse_operation(spec) for spec in operations]
    path = store.path("gpt", check_name(name, "GPT"))
    with store.editing(path, "gpt") as data:
        actions = data.setdefault("actions", [])
        table = next((a for a in actions if a.get("domain") == host), None)
        is_new = table is None
        if table is None:
            table = {"domain": host, "auth": auth or "none"}
            actions.append(table)
        elif auth is not None:
            table["auth"] = auth
        if policy is not None:
            table["privacy_policy"] = policy
        ops = table.setdefault("operations", [])
        for op_id, consequential in parsed_ops:
            existing = next((o for o in ops if o.get("id") == op_id), None)
            if existing is None:
                ops.append({"id": op_id, "consequential": consequential})
            else:
                existing["consequential"] = consequential
        parse_gpt(path, data)
        return is_new


def remove_action(store: Store, name: str, domain: str) -> None:
    host = check_domain(domain)
    path = store.path("gpt", check_name(name, "GPT"))
    with store.editing(path, "gpt") as data:
        actions = data.get("actions", [])
        table = next((a for a in actions if a.get("domain") == host), None)
        if table is None:
            raise NotFound(f"GPT {show(name)} has no action for domain {show(host)}")
        actions.remove(table)


def add_report(store: Store, name: str, *, reason: str, at: datetime) -> Gpt:
    if not reason.strip():
        raise InvalidValue("a report needs a reason: `--reason TEXT`")
    path = store.path("gpt", check_name(name, "GPT"))
    with store.editing(path, "gpt") as data:
        data.setdefault("reports", []).append({"at": at, "reason": reason})
        return parse_gpt(path, data)


def gpt_page(gpt: Gpt) -> str | None:
    return f"https://chatgpt.com/g/{gpt.id}" if gpt.id else None
