"""Accounts, their devices and the current-account config: what the CLI's account, device
and config commands do, without the CLI."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from gptpriv.errors import AlreadyExists, InvalidValue, NotFound, show
from gptpriv.profiles.checks import check_email, check_name, check_plan, email_key
from gptpriv.profiles.model import Account, Entry
from gptpriv.profiles.parse import parse_account
from gptpriv.profiles.store import Store
from gptpriv.profiles.timelines import record_entry, remove_entry

ACCOUNT_ENV = "GPTPRIV_ACCOUNT"


# -- reading ---------------------------------------------------------------------------


def load_account(store: Store, name: str) -> Account:
    return store.load("account", name, parse_account, f"add it with `gptpriv account add {name}`")


def load_accounts(store: Store) -> list[Account]:
    return [load_account(store, name) for name in store.names("account")]


def current_account(store: Store, flag: str | None = None) -> tuple[str | None, str]:
    """The account a command acts on, and where that choice came from."""
    if flag:
        return check_name(flag, "account"), "flag"
    env = os.environ.get(ACCOUNT_ENV)
    if env:
        return check_name(env, "account"), "env"
    config = store.read(store.config_path) or {}
    name = config.get("current_account")
    if isinstance(name, str) and name:
        return name, "file"
    return None, "default"


def resolve_account(store: Store, flag: str | None) -> Account:
    """The account named on the command line, else the current one."""
    name, _ = current_account(store, flag)
    if name is None:
        raise NotFound("no account given and none is current: add one with `gptpriv account add NAME`")
    return load_account(store, name)


def accounts_with_email(accounts: list[Account], email: str | None) -> list[Account]:
    """The accounts whose email is `email`, compared trimmed and case-folded."""
    key = email_key(email)
    return [a for a in accounts if key is not None and email_key(a.email) == key]


# -- writing ---------------------------------------------------------------------------


def _check_email_unique(store: Store, name: str, email: str) -> None:
    """One email is one ChatGPT account: a second profile with it would leave `check` unable
    to tell which account an export belongs to. Called under the lock."""
    others = [a for a in accounts_with_email(load_accounts(store), email) if a.name != name]
    if others:
        raise InvalidValue(f"email {show(email)} is already on account {show(others[0].name)}: "
                           "one email is one ChatGPT account (change or remove that one first)")


def add_account(store: Store, name: str, *, email: str | None, plan: str | None,
                created: datetime) -> bool:
    """Create an account profile. Returns True when it became the current account."""
    check_name(name, "account")
    data: dict[str, Any] = {"name": name, "created": created}
    if email:
        data["email"] = check_email(email)
    if plan:
        data["plan"] = check_plan(plan)
    with store.lock():
        if email:
            _check_email_unique(store, name, data["email"])
        with store.editing(store.path("account", name), "account", new=data):
            pass
        config = store.read(store.config_path) or {}
        if config.get("current_account"):
            return False
        config["current_account"] = name
        store.write(store.config_path, "config", config)
        return True


def set_training_default_unknown(store: Store, name: str) -> None:
    """The account's setting before its first entry is not known (the person does not remember
    whether they opted out): undetermined, rather than the plan's default taken as a fact."""
    with store.editing(store.path("account", check_name(name, "account")), "account") as data:
        data["training_default"] = "unknown"


def use_account(store: Store, name: str) -> None:
    load_account(store, name)  # refuse to make a missing account current
    with store.lock():
        config = store.read(store.config_path) or {}
        config["current_account"] = name
        store.write(store.config_path, "config", config)


def set_account(store: Store, name: str, *, email: str | None, plan: str | None) -> None:
    with store.editing(store.path("account", check_name(name, "account")), "account") as data:
        if email is not None:
            data["email"] = check_email(email)
            _check_email_unique(store, name, data["email"])
        if plan is not None:
            data["plan"] = check_plan(plan)
        parse_account(store.path("account", name), data)


def remove_account(store: Store, name: str) -> None:
    path = store.path("account", check_name(name, "account"))
    with store.lock():
        if store.read(path) is None:
            raise NotFound(f"no account named {show(name)}")
        store.remove(path)
        config = store.read(store.config_path) or {}
        if config.get("current_account") == name:
            del config["current_account"]
            store.write(store.config_path, "config", config)


def record_training(store: Store, name: str, *, allowed: bool, at: datetime,
                    note: str | None) -> bool:
    """Add an entry to the account's training timeline; True if it changed what was in force."""
    path = store.path("account", check_name(name, "account"))
    with store.editing(path, "account") as data:
        return record_entry(data.setdefault("training", []), parse_account(path, data).training,
                            allowed, at, note)


def remove_training_entry(store: Store, name: str, number: int) -> Entry:
    """Undo a training entry: `number` as `account history` shows it."""
    path = store.path("account", check_name(name, "account"))
    with store.editing(path, "account") as data:
        return remove_entry(data.get("training", []), parse_account(path, data).training, number,
                            f"account {show(name)}")


def _device_table(data: dict[str, Any], device: str) -> dict[str, Any]:
    for table in data.get("devices", []):
        if table.get("name") == device:
            return table  # type: ignore[no-any-return]
    raise NotFound(f"no device named {show(device)} on account {show(data.get('name'))}: "
                   f"add it with `gptpriv device add {device}`")


def add_device(store: Store, account: str, device: str) -> None:
    check_name(device, "device")
    path = store.path("account", check_name(account, "account"))
    with store.editing(path, "account") as data:
        devices = data.setdefault("devices", [])
        if any(d.get("name") == device for d in devices):
            raise AlreadyExists(f"device {show(device)} already exists on account {show(account)}")
        devices.append({"name": device})


def record_device(store: Store, account: str, device: str, *, history_on: bool, at: datetime,
                  note: str | None) -> bool:
    """Add an entry to a device's legacy toggle; True if it changed what was in force."""
    path = store.path("account", check_name(account, "account"))
    with store.editing(path, "account") as data:
        table = _device_table(data, check_name(device, "device"))
        timeline = parse_account(path, data).device(device).history  # type: ignore[union-attr]
        return record_entry(table.setdefault("history", []), timeline, history_on, at, note)


def remove_device_entry(store: Store, account: str, device: str, number: int) -> Entry:
    """Undo a device entry: `number` as `device history` shows it."""
    path = store.path("account", check_name(account, "account"))
    with store.editing(path, "account") as data:
        table = _device_table(data, check_name(device, "device"))
        found = parse_account(path, data).device(device)
        assert found is not None  # _device_table found its table
        return remove_entry(table.get("history", []), found.history, number, f"device {show(device)}")


def remove_device(store: Store, account: str, device: str) -> None:
    path = store.path("account", check_name(account, "account"))
    with store.editing(path, "account") as data:
        table = _device_table(data, check_name(device, "device"))
        data["devices"].remove(table)


def default_device_name() -> str:
    import socket

    from gptpriv.profiles.checks import slugify

    return slugify(socket.gethostname())
