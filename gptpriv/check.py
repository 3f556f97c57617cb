"""`check` without the CLI: pick the account for an export, resolve every conversation, and
count the results. Used by `gptpriv check` and `gptpriv report`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from gptpriv.export import ExportReader, Facts, Skipped
from gptpriv.model import Account, Snapshot
from gptpriv.resolver import Conversation, Settings, Verdict, resolve, verdict_dict
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
    email = reader.user.email if reader.user else None  # type: ignore[attr-defined]
    if email:
        for account in snapshot.accounts:
            if account.email and account.email.lower() == email.lower():
                return AccountChoice(account, f"its email `{email}` is in the export's user.json")
        return AccountChoice(None, f"the export's user.json email `{email}` matches no account "
                                   "profile")
    if current is not None:
        return AccountChoice(current, "the current account (the export has no user.json)")
    return AccountChoice(None, "no account profile yet")


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
        if self.gpt_ids and not self.gpt_ids & set(facts.gpt_ids):
            return False
        created = facts.create_time
        if self.since and (created is None or created < self.since):
            return False
        return not (self.until and (created is None or created >= self.until))


def facts_to_conversation(facts: Facts, device: str | None) -> Conversation:
    sources = {f"gpt:{g}": where for g, where in facts.gpt_sources.items()}
    sources["create_time"] = "export `create_time`"
    sources["feedback"] = "export message_feedback.json"
    if device:
        sources["device"] = "--device option"
    return Conversation(id=facts.id, create_time=facts.create_time, gpt_ids=facts.gpt_ids,
                        project_ids=facts.project_ids, temporary=facts.temporary,
                        feedback=facts.feedback, device=device, calls=facts.calls, sources=sources)


def conversation_dict(facts: Facts, verdict: Verdict, export: str, redact: bool) -> dict[str, Any]:
    resolved = verdict_dict(verdict)
    return {
        "id": facts.id, "export": export, "index": facts.index,
        "title": None if redact else facts.title,
        "create_time": iso_utc(facts.create_time) if facts.create_time else None,
        "update_time": iso_utc(facts.update_time) if facts.update_time else None,
        "gpt_ids": list(facts.gpt_ids), "project_ids": list(facts.project_ids),
        "verdict": resolved["verdict"], "reasons": resolved["reasons"],
        "missing": resolved["missing"], "notices": resolved["notices"],
        "third_parties": resolved["disclosures"], "feedback": facts.feedback,
        "tools": facts.tools, "memory_writes": facts.memory_writes,
    }


class Summary:
    def __init__(self) -> None:
        self.verdicts: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.parties: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []

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
            "by_rule": dict(sorted(self.rules.items())),
            "third_parties": dict(sorted(self.parties.items())),
            "errors": self.errors,
        }


def check_export(reader: ExportReader, settings: Settings, filters: Filters, device: str | None,
                 summary: Summary) -> Iterator[tuple[Facts, Verdict]]:
    """Resolve each conversation as it is read; skipped ones go to the summary."""
    items = reader.conversations()
    try:
        for item in items:
            if isinstance(item, Skipped):
                summary.skip(item)
                continue
            verdict = resolve(settings, facts_to_conversation(item, device))
            if filters.keep(item, verdict):
                summary.add(verdict)
                yield item, verdict
    finally:
        items.close()  # closed with this one (a parallel read ends its workers)
