"""What the resolver answers with: the verdict, the rules that decided it, the third parties and
notices, and the same as plain data for --json and the report. Shared by the resolver and
the functions that report exposure (policy.exposure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from gptpriv.policy.channels import BY_RULE, Channel
from gptpriv.policy.facts import Conversation
from gptpriv.policy.rules import BY_ID as RULES_BY_ID
from gptpriv.profiles.model import Account, Snapshot


class Reason(NamedTuple):
    rule: str
    message: str
    source: str
    era: str | None = None  # the policy era that decided (policy.eras), named in the message too
    since: datetime | None = None  # when the entry that decided was recorded, if one did

    def words(self) -> str:
        """The reason as the table says it to a person: the rule's plain words (its id when
        it has none), with the date of the entry that decided."""
        rule = RULES_BY_ID.get(self.rule)
        if rule is None or not rule.words:
            return self.rule
        return rule.words.format(since=f" {self.since:%Y-%m-%d}" if self.since else "")


class Disclosure(NamedTuple):
    rule: str
    party: str
    domain: str | None
    operation: str | None
    method: str | None
    path: str | None
    time: str | None
    consequential: bool | None
    privacy_policy: str | None
    consent: str  # allow / always_allow / deny / no record
    consent_source: str
    sent: bool  # False: declined, nothing sent; listed, but not a party that received data
    gpt_id: str | None
    flags: tuple[str, ...]
    url: str | None = None  # shared links: the link itself (it grants read access)
    anonymous: bool | None = None  # shared links: `is_anonymous`
    note: str | None = None  # shared links: what the export cannot tell

    @property
    def channel(self) -> Channel:
        """How it reached that party (policy/channels.py)."""
        return BY_RULE[self.rule]

    @property
    def received(self) -> bool:
        """A call that sent data: the party received parts of the chat (a declined call sent
        nothing; a shared link is readable, not sent)."""
        return self.sent and BY_RULE[self.rule].call


class Verdict(NamedTuple):
    verdict: str
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]  # for undetermined: the facts that would decide it
    disclosures: tuple[Disclosure, ...]
    notices: tuple[Reason, ...]  # statements that are not third parties (builder.no_access)


class Settings(NamedTuple):
    """The profiles the resolver may consult: one account (or none known) and all GPTs."""

    account: Account | None
    snapshot: Snapshot


def fact(conversation: Conversation, name: str, default: str) -> str:
    return conversation.sources.get(name, default)


def verdict_dict(verdict: Verdict) -> dict[str, object]:
    """The verdict as plain data, for --json and reports."""
    return {
        "verdict": verdict.verdict,
        "reasons": [_reason_dict(r) for r in verdict.reasons],
        "missing": list(verdict.missing),
        "notices": [_reason_dict(n) for n in verdict.notices],
        "disclosures": [_disclosure_dict(d) for d in verdict.disclosures],
    }


def _reason_dict(reason: Reason) -> dict[str, object]:
    """A reason as JSON: `era` only when an era decided, so other reasons keep their keys."""
    doc: dict[str, object] = {"rule": reason.rule, "message": reason.message,
                              "source": reason.source}
    if reason.era is not None:
        doc["era"] = reason.era
    return doc


_SHARED_ONLY = ("url", "anonymous", "note")


def _disclosure_dict(d: Disclosure) -> dict[str, object]:
    out = {**d._asdict(), "flags": list(d.flags)}
    if d.channel.call:  # a call has no link: its keys stay as they were
        for key in _SHARED_ONLY:
            del out[key]
    return out


def parties_in_words(parties: Iterable[tuple[str, bool]]) -> str:
    """(party, sent) of a conversation's disclosures as one list: each party once, and one
    whose every call was declined says so. The terminal's table and the report both show it."""
    pairs = list(parties)
    sent = {party for party, was_sent in pairs if was_sent}
    declined = {party for party, _ in pairs} - sent
    return ", ".join([*sorted(sent), *(f"{p} (declined, nothing sent)" for p in sorted(declined))])
