"""The answer first: a few short lines a person can act on, before any table. Every figure is
one the run's summary already counted (the same as `--json`'s), never counted again here.

    6 conversations, 2024-03-02 to 2024-09-01 (account personal, Plus)
      2 may have been used for training: training was on when they were created
      2 are public: anyone with the link can read them
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from gptpriv.plural import count
from gptpriv.policy.eras import plan_label
from gptpriv.policy.exposure import MEMORY, SHARED, THIRD_PARTY, UNKNOWN_RECIPIENT
from gptpriv.policy.facts import ELIGIBLE, NOT_ELIGIBLE, UNDETERMINED
from gptpriv.profiles.model import Account, Snapshot
from gptpriv.run.result import RunResult


class Line(NamedTuple):
    count: int  # type: ignore[assignment]  # a field named like tuple.count
    words: str  # what those conversations have in common, with the verb agreeing with count


class Headline(NamedTuple):
    first: str  # how many, when, whose
    lines: list[Line]
    # What the conversations hold, joined with how they are exposed: "2 contain an AWS
    # access key: 1 public, 1 sent it to a third party". Every secret; personal data only
    # where it is exposed.
    findings: list[Line] = []


def _are(n: int, plural: str, singular: str) -> str:
    return singular if n == 1 else plural


def headline(result: RunResult, snapshot: Snapshot) -> Headline:
    summary = result.summary
    first = count(summary.total, "conversation")
    if summary.first_created and summary.last_created:
        start, end = f"{summary.first_created:%Y-%m-%d}", f"{summary.last_created:%Y-%m-%d}"
        first += f", {start}" if start == end else f", {start} to {end}"
    account = next((a for a in snapshot.accounts if a.name == result.account), None)
    if account is not None:
        plan = plan_label(account.plan) if account.plan else "plan not recorded"
        first += f" (account {account.name}, {plan[:1].upper() + plan[1:]})"
    elif result.exports and all(e.account is None for e in result.exports):
        first += " (no account profile matches)"

    lines: list[Line] = []
    n = summary.verdicts[ELIGIBLE]
    if n:
        causes = []
        if summary.rules["consumer.default"]:
            off = _last_opt_out(account)
            causes.append(f"created before your opt-out on {off:%Y-%m-%d}" if off else
                          f"training was on when {_are(n, 'they were', 'it was')} created")
        if summary.rules["feedback.given"]:
            causes.append(f"feedback was given on {summary.rules['feedback.given']} of them")
        lines.append(Line(n, "may have been used for training" + (": " + "; ".join(causes)
                                                                   if causes else "")))
    n = summary.verdicts[UNDETERMINED]
    if n:
        lines.append(Line(n, f"{_are(n, 'are', 'is')} undetermined: a setting that decides "
                             f"{_are(n, 'them', 'it')} is not recorded"))
    n = summary.verdicts[NOT_ELIGIBLE]
    if n:
        lines.append(Line(n, f"{_are(n, 'are', 'is')} not used for training"))
    elsewhere = len(summary.unmatched)
    n = summary.exposed[SHARED] + elsewhere
    if n:
        lines.append(Line(n, f"{_are(n, 'are', 'is')} public: anyone with the link can read "
                             f"{_are(n, 'them', 'it')}"
                             + (f" ({elsewhere} not in the export)" if elsewhere else "")))
    n = summary.exposed[THIRD_PARTY]
    if n:
        lines.append(Line(n, f"sent parts of the chat to third parties "
                             f"({count(len(summary.parties), 'service')})"))
    n = summary.exposed[UNKNOWN_RECIPIENT]
    if n:
        lines.append(Line(n, "sent parts of the chat to recipients gptpriv does not know "
                             "(they may be third parties)"))
    n = summary.exposed[MEMORY]
    if n:
        lines.append(Line(n, "wrote to Memory"))
    if result.deleted:
        n = len(result.deleted)
        lines.append(Line(n, f"{_are(n, 'were', 'was')} deleted since your earlier export"))
    if summary.skipped:
        n = summary.skipped
        lines.append(Line(n, f"could not be read ({_are(n, 'they were', 'it was')} skipped)"))
    return Headline(first, lines, _findings(summary.sensitive_json()) if summary.scanned else [])


_EXPOSED = (("shared_link", "public"), ("third_party", "sent it to a third party"),
            ("training", "may have been used for training"))


def _findings(sensitive: dict[str, Any]) -> list[Line]:
    from gptpriv.scan.kinds import BY_ID

    lines = []
    for kind_id, counts in sensitive["kinds"].items():
        kind = BY_ID[kind_id]
        ways = [f"{counts[key]} {words}" for key, words in _EXPOSED if counts[key]]
        if not ways and not kind.secret:
            continue
        n = counts["conversations"]
        lines.append(Line(n, f"{_are(n, 'contain', 'contains')} {kind.words}"
                             + (": " + ", ".join(ways) if ways else "")))
    return lines


def _last_opt_out(account: Account | None) -> datetime | None:
    """When the account's training was last turned off, if that is its setting now: every
    conversation trained on by default was created before it."""
    if account is None or not account.training.entries or account.training.entries[-1].allowed:
        return None
    return account.training.entries[-1].at
