"""`check` without the CLI: open the inputs, pick the account for each, resolve every
conversation, and count the results. Used by `gptpriv check` and `gptpriv report`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, NamedTuple

from gptpriv.errors import InvalidValue, NotFound
from gptpriv.export import ExportReader, Facts, Skipped
from gptpriv.policy.facts import FAIL_ON, VERDICTS
from gptpriv.policy.resolver import Settings, Verdict, resolve, verdict_dict
from gptpriv.profiles.model import Account, Snapshot
from gptpriv.profiles.store import Store
from gptpriv.timeutil import iso_utc


class AccountChoice(NamedTuple):
    account: Account | None
    why: str


def pick_account(snapshot: Snapshot, flag_account: Account | None, current: Account | None,
                 reader: ExportReader) -> AccountChoice:
    """--account, else the profile whose email is in the export's user.json, else the current
    account when the export has no user.json. An email that matches no profile is not guessed
    into another account."""
    if flag_account is not None:
        return AccountChoice(flag_account, "given with --account")
    email = reader.user.email if reader.user else None
    if email:
        for account in snapshot.accounts:
            # Trimmed and case-folded, as exports of one account are matched (exports.py).
            if account.email and account.email.strip().casefold() == email.strip().casefold():
                return AccountChoice(account, f"its email `{email}` is in the export's user.json")
        return AccountChoice(None, f"the export's user.json email `{email}` matches no account "
                                   "profile")
    if current is not None:
        return AccountChoice(current, "the current account (the export has no user.json)")
    return AccountChoice(None, "no account profile yet")


class Input(NamedTuple):
    reader: ExportReader
    choice: AccountChoice


def open_inputs(store: Store, paths: list[str], account: str | None, device: str | None,
                stdin: IO[bytes] | None) -> tuple[Snapshot, list[Input]]:
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
        reader = ExportReader(path, stdin)
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
    for value in values:
        if value not in VERDICTS:
            raise InvalidValue(f"invalid --verdict `{value}`: use {', '.join(VERDICTS)}")
    return values


def check_fail_on(value: str | None) -> str | None:
    if value is not None and value not in FAIL_ON:
        raise InvalidValue(f"invalid --fail-on `{value}`: use {', '.join(FAIL_ON)}")
    return value


def fails(fail_on: str | None, row: dict[str, Any]) -> bool:
    """Whether one conversation's row trips `--fail-on`."""
    if fail_on == "disclosure":
        return bool(row["third_parties"])
    return fail_on is not None and row["verdict"] == fail_on


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


def conversation_dict(facts: Facts, verdict: Verdict, export: str, redact: bool) -> dict[str, Any]:
    resolved, conversation = verdict_dict(verdict), facts.conversation
    return {
        "id": facts.id, "export": export, "index": facts.index,
        "title": None if redact else facts.title,
        "create_time": iso_utc(facts.create_time) if facts.create_time else None,
        "update_time": iso_utc(facts.update_time) if facts.update_time else None,
        "gpt_ids": list(conversation.gpt_ids), "project_ids": list(conversation.project_ids),
        "verdict": resolved["verdict"], "reasons": resolved["reasons"],
        "missing": resolved["missing"], "notices": resolved["notices"],
        "third_parties": resolved["disclosures"], "feedback": conversation.feedback,
        "tools": facts.tools, "memory_writes": facts.memory_writes,
    }


class Summary:
    def __init__(self) -> None:
        self.verdicts: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.parties: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []
        self.duplicates = 0  # copies of a conversation already counted, dropped

    def add(self, verdict: Verdict) -> None:
        self.verdicts[verdict.verdict] += 1
        self.rules.update(r.rule for r in verdict.reasons)
        self.parties.update(d.party for d in verdict.disclosures)

    def skip(self, skipped: Skipped) -> None:
        self.errors.append({"export": skipped.part, "index": skipped.index,
                            "offset": skipped.offset if skipped.offset >= 0 else None,
                            "id": skipped.id, "message": skipped.message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": sum(self.verdicts.values()),
            "eligible": self.verdicts["eligible"], "not_eligible": self.verdicts["not_eligible"],
            "undetermined": self.verdicts["undetermined"], "skipped": len(self.errors),
            "duplicates": self.duplicates,
            "by_rule": dict(sorted(self.rules.items())),
            "third_parties": dict(sorted(self.parties.items())),
            "errors": self.errors,
        }


def check_export(reader: ExportReader, settings: Settings, filters: Filters, device: str | None,
                 summary: Summary, items: Iterable[Facts | Skipped] | None = None,
                 ) -> Iterator[tuple[Facts, Verdict]]:
    """Resolve each conversation as it is read (or those of `items`, the reader's
    conversations that count); skipped ones go to the summary."""
    for item in reader.conversations() if items is None else items:
        if isinstance(item, Skipped):
            summary.skip(item)
            continue
        conversation = item.conversation
        if device:  # the user says where these conversations came from
            conversation = conversation._replace(
                device=device, sources={**conversation.sources, "device": "--device option"})
        verdict = resolve(settings, conversation)
        if filters.keep(item, verdict):
            summary.add(verdict)
            yield item, verdict
