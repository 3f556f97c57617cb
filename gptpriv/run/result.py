"""What a run of `check` or `report` answers, as types: each conversation (`Checked`), each
export read (`ExportInfo`), each conversation deleted between two exports (`Deleted`), and the
whole (`RunResult`). The terminal, `--json`, `--jsonl` and the HTML report are views over
these; `to_json()` is the one place their JSON shape is written.

`--redact` is applied here, once, by `redacted()`: titles and everything that grants access
(share URLs) are dropped from the result itself, so no view can show them; views say
`HIDDEN` where something was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from gptpriv.export import Facts
from gptpriv.policy.facts import CHAT_URL, Finding, SharedLink
from gptpriv.policy.resolver import Verdict, verdict_dict
from gptpriv.policy.steps import StepResult
from gptpriv.timeutil import iso_utc

# The one word for what --redact took out, in every view.
HIDDEN = "(hidden)"


class Checked(NamedTuple):
    """One conversation of a run: its facts, its verdict, and the input it was read from."""

    facts: Facts
    verdict: Verdict
    export: str  # the input's label
    hidden: bool = False  # redacted: its title, share URLs and secrets' hints were taken out
    scanned: bool = False  # its text was scanned: `findings` says what it holds

    def redacted(self) -> Checked:
        facts, verdict = self.facts, self.verdict
        if verdict.disclosures and any(d.url for d in verdict.disclosures):
            verdict = verdict._replace(disclosures=tuple(
                d._replace(url=None) if d.url else d for d in verdict.disclosures))
        facts = facts._replace(title=None)
        if any(f.hint for f in self.findings):  # without hints, one entry per kind and place
            merged: dict[tuple[str, str, str | None], int] = {}
            for f in self.findings:
                key = (f.kind, f.where, f.party)
                merged[key] = merged.get(key, 0) + f.count
            facts = facts._replace(conversation=facts.conversation._replace(findings=tuple(
                Finding(kind, where, n, party) for (kind, where, party), n in merged.items())))
        return Checked(facts, verdict, self.export, hidden=True, scanned=self.scanned)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.facts.conversation.findings

    def trips(self, fail_on: str | None) -> bool:
        """Whether this conversation trips `check --fail-on`: its verdict; `disclosure`, a call
        that sent data (to an unknown recipient too: it may be a third party); `shared`, a
        shared link; `secret`, a secret in its text; `sensitive`, any finding in its text."""
        if fail_on == "secret":
            return any(f.kind.startswith("secret.") for f in self.findings)
        if fail_on == "sensitive":
            return bool(self.findings)
        if fail_on == "disclosure":
            return any(d.received for d in self.verdict.disclosures)
        if fail_on == "shared":
            return any(not d.channel.call for d in self.verdict.disclosures)
        return fail_on is not None and self.verdict.verdict == fail_on

    @property
    def title(self) -> str:
        """The title as a view shows it: HIDDEN when redacted."""
        return HIDDEN if self.hidden else (self.facts.title or "")

    def to_json(self) -> dict[str, Any]:
        facts, conversation = self.facts, self.facts.conversation
        resolved = verdict_dict(self.verdict)
        return {
            "id": facts.id, "export": self.export, "index": facts.index,
            "url": f"{CHAT_URL}{facts.id}" if facts.id else None,
            "title": facts.title,
            "create_time": iso_utc(facts.create_time) if facts.create_time else None,
            "update_time": iso_utc(facts.update_time) if facts.update_time else None,
            "gpt_ids": list(conversation.gpt_ids), "project_ids": list(conversation.project_ids),
            "verdict": resolved["verdict"], "reasons": resolved["reasons"],
            "missing": resolved["missing"], "notices": resolved["notices"],
            "third_parties": resolved["disclosures"], "feedback": conversation.feedback,
            "tools": facts.tools, "memory_writes": facts.memory_writes,
            **({"sensitive": [finding_json(f) for f in self.findings]} if self.scanned else {}),
        }


def finding_json(finding: Finding) -> dict[str, Any]:
    """One entry of a conversation's `sensitive[]`: never the value; `party` for what was sent
    to a third party, `hint` for a secret (the last 4 characters), each only when there is one."""
    doc: dict[str, Any] = {"kind": finding.kind, "count": finding.count, "where": finding.where}
    if finding.party is not None:
        doc["party"] = finding.party
    if finding.hint is not None:
        doc["hint"] = finding.hint
    return doc


class ExportInfo(NamedTuple):
    """One input of a run: the account it was checked against, why, and when it was made."""

    path: str
    account: str | None
    account_reason: str
    as_of: datetime | None = None
    as_of_source: str | None = None  # "manifest" or "latest_conversation_time"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "account": self.account, "account_reason": self.account_reason,
                "as_of": iso_utc(self.as_of) if self.as_of else None,
                "as_of_source": self.as_of_source}


class Deleted(NamedTuple):
    """A conversation in an earlier export of an account and not in a later one."""

    id: str | None
    title: str | None
    last_seen_in: str
    missing_from: str
    since: datetime | None  # the window it was deleted in
    until: datetime | None
    notices: tuple[Any, ...]  # policy Reasons (retention)
    hidden: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "last_seen_in": self.last_seen_in,
                "missing_from": self.missing_from,
                "window": {"from": iso_utc(self.since) if self.since else None,
                           "until": iso_utc(self.until) if self.until else None},
                "notices": [n._asdict() for n in self.notices]}


class UnmatchedLink(NamedTuple):
    """A shared link whose conversation no input of the run had: it may still work."""

    link: SharedLink
    conversation_id: str | None
    hidden: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"url": None if self.hidden else self.link.url,
                "title": None if self.hidden else self.link.title,
                "anonymous": self.link.anonymous}


class RunResult(NamedTuple):
    """Everything a run says once its inputs were read, but the conversations themselves
    (those are streamed, one `Checked` at a time, in bounded memory)."""

    exports: list[ExportInfo]
    summary: Any  # run.summary.Summary (typed counters; its JSON is summary.to_json())
    steps: list[StepResult]
    deleted: list[Deleted]

    @property
    def account(self) -> str | None:
        """The account of every input, when they share one."""
        names = {e.account for e in self.exports}
        return self.exports[0].account if len(names) == 1 else None

    def redacted(self) -> RunResult:
        return self._replace(summary=self.summary.redacted(),
                             deleted=[d._replace(title=None, hidden=True) for d in self.deleted])

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "exports": [e.to_json() for e in self.exports],
                "summary": self.summary.to_json(), "next_steps": [s.to_json() for s in self.steps],
                "deleted_between_exports": [d.to_json() for d in self.deleted]}

