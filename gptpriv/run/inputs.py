"""A run's inputs: each export opened with the account it is checked against, and the
options that choose which conversations count (`--verdict`, `--gpt`, `--since`, `--id`)."""

from __future__ import annotations

from datetime import datetime
from typing import IO, NamedTuple

from gptpriv.errors import InvalidValue, NotFound
from gptpriv.export import ExportReader, Facts
from gptpriv.policy.facts import FAIL_ON, verdict_word
from gptpriv.policy.resolver import Verdict
from gptpriv.profiles.model import Account, Snapshot
from gptpriv.profiles.store import Store


class AccountChoice(NamedTuple):
    account: Account | None
    why: str


def pick_account(snapshot: Snapshot, flag_account: Account | None, current: Account | None,
                 reader: ExportReader) -> AccountChoice:
    """--account, else the profile whose email is in the export's user.json, else the current
    account when the export has no user.json. An email that matches no profile, or several
    (hand-edited profiles), is not guessed into an account: every verdict could flip."""
    from gptpriv.profiles.accounts import accounts_with_email

    if flag_account is not None:
        return AccountChoice(flag_account, "given with --account")
    email = reader.user.email.strip() if reader.user and reader.user.email else None
    if email:
        matches = accounts_with_email(list(snapshot.accounts), email)
        if len(matches) == 1:
            return AccountChoice(matches[0], f"its email `{email}` is in the export's user.json")
        if matches:
            names = ", ".join(f"`{a.name}`" for a in matches)
            return AccountChoice(None, f"the export's user.json email `{email}` is on several "
                                       f"account profiles ({names}): give `--account`")
        return AccountChoice(None, f"the export's user.json email `{email}` matches no account "
                                   "profile")
    if current is not None:
        return AccountChoice(current, "the current account; the export has no user.json")
    return AccountChoice(None, "no account profile yet")


class Input(NamedTuple):
    reader: ExportReader
    choice: AccountChoice


def open_inputs(store: Store, paths: list[str], account: str | None, device: str | None,
                stdin: IO[bytes] | None, scan: bool = False) -> tuple[Snapshot, list[Input]]:
    """The profiles, and each input opened with the account it is checked against. Every
    input is opened (and so checked to be an export) before anything is read."""
    from gptpriv.profiles import load_snapshot
    from gptpriv.profiles.accounts import current_account, load_account

    snapshot = load_snapshot(store)
    flag_account = load_account(store, account) if account else None
    current_name, _ = current_account(store)
    current = next((a for a in snapshot.accounts if a.name == current_name), None)
    inputs = []
    for path in paths:
        reader = ExportReader(path, stdin, scan=scan)
        choice = pick_account(snapshot, flag_account, current, reader)
        if device and (choice.account is None or choice.account.device(device) is None):
            raise InvalidValue(f"no device named `{device}` on the account used for {reader.label}")
        inputs.append(Input(reader, choice))
    return snapshot, inputs


def gpt_ids(snapshot: Snapshot, values: list[str]) -> list[str]:
    """`--gpt` values as ids: a `g-...` id as it is, a profile name through its profile."""
    ids = []
    for value in values:
        if value.startswith("g-"):
            ids.append(value)
            continue
        gpt = snapshot.gpt_by_name(value)
        if gpt is None or not gpt.id:
            raise NotFound(f"no GPT profile `{value}` with an id to filter on")
        ids.append(gpt.id)
    return ids


def check_verdicts(values: list[str]) -> list[str]:
    """`--verdict` values as verdicts: the words `check` prints, with spaces or underscores."""
    words = []
    for value in values:
        word = verdict_word(value)
        if word is None:
            raise InvalidValue(f"invalid --verdict `{value}`: use eligible, not_eligible (or "
                               "\"not eligible\"), undetermined")
        words.append(word)
    return words


def check_fail_on(value: str | None) -> str | None:
    if value is not None and value not in FAIL_ON:
        raise InvalidValue(f"invalid --fail-on `{value}`: use {', '.join(FAIL_ON)}")
    return value


class Filters(NamedTuple):
    verdicts: frozenset[str] = frozenset()
    gpt_ids: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    ids: frozenset[str] = frozenset()

    def keep(self, facts: Facts, verdict: Verdict) -> bool:
        if self.ids and facts.id not in self.ids:
            return False
        if self.verdicts and verdict.verdict not in self.verdicts:
            return False
        if self.gpt_ids and not self.gpt_ids & set(facts.conversation.gpt_ids):
            return False
        created = facts.create_time
        if self.since and (created is None or created < self.since):
            return False
        return not (self.until and (created is None or created >= self.until))
