"""The person's profiles: accounts, devices, GPTs, consent decisions, kept as TOML files.

`store` reads and writes the files; `parse` turns them into the types of `model`; `checks`
holds every check of a typed value; `accounts`, `gpts` and `consents` are what the CLI's
commands do to them; `timelines` is how any dated entry is added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gptpriv.profiles.model import Snapshot
    from gptpriv.profiles.store import Store


def load_snapshot(store: Store) -> Snapshot:
    """Every account and GPT profile as it is now: what the resolver and the lints consult."""
    from gptpriv.profiles.accounts import load_accounts
    from gptpriv.profiles.gpts import load_gpts
    from gptpriv.profiles.model import Snapshot

    return Snapshot(tuple(load_accounts(store)), tuple(load_gpts(store)))
