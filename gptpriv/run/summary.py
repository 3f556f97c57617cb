"""A run's totals, counted while its conversations are read: verdicts, rules, the parties
that received data, shared links, the next steps, and what could not be read."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime
from typing import Any, NamedTuple

from gptpriv.export import ExportReader, Facts, Skipped
from gptpriv.policy.exposure import EXPOSURES, SHARED, THIRD_PARTY, TRAINING, exposures
from gptpriv.policy.facts import ELIGIBLE, NOT_ELIGIBLE, UNDETERMINED, WHERE_THIRD_PARTY, Finding, SharedLink
from gptpriv.policy.resolver import Verdict
from gptpriv.policy.steps import NextSteps, StepResult
from gptpriv.run.result import UnmatchedLink
from gptpriv.timeutil import iso_utc


class Problem(NamedTuple):
    """What `summary.errors` lists: a skipped conversation (no `path`), a field of a checked
    conversation that could not be read (`path` names it), or a problem with an export as a
    whole (`file`, no index)."""

    message: str
    export: str | None = None
    index: int | None = None  # type: ignore[assignment]  # a field named like tuple.index
    offset: int | None = None
    id: str | None = None
    path: str | None = None
    file: str | None = None

    @property
    def skipped(self) -> bool:
        return self.index is not None and self.path is None

    def to_json(self) -> dict[str, Any]:
        if self.index is None:
            return {"file": self.file, "message": self.message}
        doc: dict[str, Any] = {"export": self.export, "index": self.index, "offset": self.offset,
                               "id": self.id, "message": self.message}
        if self.path is not None:
            doc["path"] = self.path
        return doc


SENSITIVE_EXPOSURES = (TRAINING, SHARED, THIRD_PARTY)


def _kind_order(kind: str) -> int:
    from gptpriv.scan.kinds import ORDER

    return ORDER.get(kind, len(ORDER))


class Summary:
    def __init__(self) -> None:
        self.verdicts: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.parties: Counter[str] = Counter()  # calls that sent data, by party
        self.unknown: Counter[str] = Counter()  # calls to unknown recipients, by recipient
        self.errors: list[Problem] = []  # in the order they were found
        self.steps = NextSteps()
        self.unmatched: list[UnmatchedLink] = []
        # A link is counted once however many exports list it (exports of one account list the
        # same links): by its URL. One whose conversation was in none of the run's inputs is
        # known only when all were read.
        self._shown_links: set[str] = set()
        self._pending_links: dict[str, tuple[SharedLink, str | None]] = {}
        self._libraries: list[int] = []  # each export's count, when it has library_files.json
        self.skipped = 0
        self.duplicates = 0  # copies of a conversation already counted, dropped
        self.exposed: Counter[str] = Counter()  # conversations per exposure (policy.exposure)
        self.first_created: datetime | None = None
        self.last_created: datetime | None = None
        # Whether the text was scanned; then, conversations with sensitive data: by kind, and
        # by kind and exposure (SENSITIVE_EXPOSURES), and all kinds together under "".
        self.scanned = False
        self.sensitive: dict[str, Counter[str]] = {}

    def add(self, verdict: Verdict, conversation_id: str | None = None,
            created: datetime | None = None, findings: tuple[Finding, ...] = ()) -> None:
        self.verdicts[verdict.verdict] += 1
        exposed = exposures(verdict)
        self.exposed.update(exposed)
        if findings:
            self._sensitive(findings, exposed)
        if created is not None:
            if self.first_created is None or created < self.first_created:
                self.first_created = created
            if self.last_created is None or created > self.last_created:
                self.last_created = created
        self.rules.update(r.rule for r in verdict.reasons)
        for d in verdict.disclosures:
            if d.received:
                (self.parties if d.channel.known else self.unknown)[d.party] += 1
            elif not d.channel.call:  # a shared link: counted apart, once per URL
                self._shown_links.add(d.url or "")
        self.steps.add(conversation_id, verdict, findings)

    def _sensitive(self, findings: tuple[Finding, ...], exposed: tuple[str, ...]) -> None:
        """One conversation's findings: each kind once, with how the conversation is exposed
        (trainable, public) and whether that kind itself was sent to a third party."""
        public = {e for e in (TRAINING, SHARED) if e in exposed}
        kinds: dict[str, set[str]] = {}
        for f in findings:
            kinds.setdefault(f.kind, set(public)).update((THIRD_PARTY,) if f.where == WHERE_THIRD_PARTY else ())
        for kind, ways in [*kinds.items(), ("", set().union(*kinds.values()))]:
            counts = self.sensitive.setdefault(kind, Counter())
            counts["conversations"] += 1
            counts.update(ways)

    def unmatched_link(self, link: SharedLink, conversation_id: str | None) -> None:
        """A shared link whose conversation is not in this export: listed at the end (it may
        still work) unless another input of the run has that conversation and the link."""
        self._pending_links.setdefault(link.url, (link, conversation_id))

    def finish(self) -> None:
        """Once every input was read: the links whose conversation no input had."""
        for url, (link, conversation_id) in self._pending_links.items():
            if url not in self._shown_links:
                self.unmatched.append(UnmatchedLink(link, conversation_id))
                self.steps.shared_elsewhere(conversation_id)
        self._pending_links.clear()

    def redacted(self) -> Summary:
        """The same totals, the links of no conversation without their URLs and titles."""
        other = copy.copy(self)
        other.unmatched = [u._replace(hidden=True) for u in self.unmatched]
        return other

    @property
    def total(self) -> int:
        return sum(self.verdicts.values())

    @property
    def shared_links(self) -> int:
        """Every link once: those of the conversations counted, and those of none."""
        return len(self._shown_links) + len(self.unmatched)

    @property
    def library_files(self) -> int | None:
        """Exports of one account list the same Library: the largest count, not their sum;
        None when no export had a library_files.json."""
        return max(self._libraries) if self._libraries else None

    def next_steps(self) -> list[StepResult]:
        return self.steps.results()

    def skip(self, skipped: Skipped) -> None:
        self.skipped += 1
        self.errors.append(Problem(skipped.message, skipped.part, skipped.index,
                                   skipped.offset if skipped.offset >= 0 else None, skipped.id))

    def malformed(self, facts: Facts, export: str) -> None:
        """Fields of a conversation that was checked, present but unreadable."""
        for path, message in facts.problems:
            self.errors.append(Problem(message, export, facts.index,
                                       facts.offset if facts.offset >= 0 else None, facts.id, path))

    def export_read(self, reader: ExportReader) -> None:
        """What an export says about itself, once it was read."""
        self.errors += [Problem(p.message, file=p.file) for p in reader.problems]
        if reader.library_files is not None:
            self._libraries.append(reader.library_files)

    def to_json(self) -> dict[str, Any]:
        doc = {
            "total": self.total,
            "eligible": self.verdicts[ELIGIBLE], "not_eligible": self.verdicts[NOT_ELIGIBLE],
            "undetermined": self.verdicts[UNDETERMINED], "skipped": self.skipped,
            "duplicates": self.duplicates,
            "by_rule": dict(sorted(self.rules.items())),
            "third_parties": dict(sorted(self.parties.items())),
            "shared_links": self.shared_links,
            "unmatched_shared_links": [u.to_json() for u in self.unmatched],
            "library_files": self.library_files,
            "errors": [e.to_json() for e in self.errors],
            "first_created": iso_utc(self.first_created) if self.first_created else None,
            "last_created": iso_utc(self.last_created) if self.last_created else None,
            "exposed": {e: self.exposed[e] for e in EXPOSURES},
        }
        if self.unknown:  # only when there are any: other runs keep their keys
            doc["unknown_recipients"] = dict(sorted(self.unknown.items()))
        if self.scanned:  # with --no-scan, the keys of a run before scanning existed
            doc["sensitive"] = self.sensitive_json()
        return doc

    def sensitive_json(self) -> dict[str, Any]:
        """Conversations with sensitive data, in all and by kind (kinds' order), each with how
        many are eligible for training, public through a shared link, or sent it to a third party."""
        def counts(kind: str) -> dict[str, int]:
            found = self.sensitive.get(kind, Counter())
            return {key: found[key] for key in ("conversations", *SENSITIVE_EXPOSURES)}

        return {**counts(""), "kinds": {k: counts(k) for k in sorted(self.sensitive, key=_kind_order) if k}}
