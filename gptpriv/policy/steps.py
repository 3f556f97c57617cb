"""What the user can do next (RULES.md, "Next steps"), derived from verdicts alone.

Pure, no I/O, and never message text: a step applies because of rule ids, disclosures and
notices. `NextSteps` is fed one verdict at a time while an export is read and keeps only
conversation ids, so its memory grows with the number of conversations (a 36-character id is
about 90 bytes; 100,000 conversations, each in three steps, hold about 11 MB), never with
their size.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from gptpriv.policy.channels import SHARED_LINK
from gptpriv.policy.facts import CHAT_URL, ELIGIBLE, UNDETERMINED
from gptpriv.policy.resolver import Verdict
from gptpriv.policy.verdicts import Disclosure


class Step(NamedTuple):
    id: str
    why: str  # what the conversations have in common; the rule ids are appended
    how: str  # the place in ChatGPT, or the gptpriv command (RULES.md's wording)


# In RULES.md's order, which is the order they are shown in.
STEPS: tuple[Step, ...] = (
    Step("step.record_account_setting",
         "undetermined: the account's training setting at creation is not recorded",
         "look at Settings > Data controls > \"Improve the model for everyone\", then "
         "`gptpriv account opt-out/opt-in --at WHEN`"),
    Step("step.record_builder_setting",
         "undetermined: a GPT builder's training setting is not recorded",
         "record what you know of the GPT (`gptpriv gpt create NAME --id g-... --not-mine`, "
         "`gpt opt-out/opt-in`)"),
    Step("step.review_eligible",
         "may be used for training: training was allowed at creation",
         "an opt-out covers only conversations created after it; to take one out, delete it "
         f"(its link is `{CHAT_URL}<id>`): deleted chats are removed from OpenAI's systems "
         "within 30 days unless already de-identified and disassociated from the account, or "
         "kept for legal obligations"),
    Step("step.feedback",
         "may be used for training: feedback was given",
         "feedback makes the entire conversation usable for training even after an opt-out: "
         "avoid thumbs on chats you want kept out"),
    Step("step.revoke_shared_links",
         "anyone with the shared link can read the conversation",
         "Settings > Data controls > Shared links > Manage: delete the links you do not want public"),
    Step("step.review_third_parties",
         "parts of the conversation were sent to a third party",
         "that party's privacy policy governs the data; `gptpriv consent deny GPT DOMAIN` "
         "records your decision"),
    Step("step.review_memory",
         "the conversation wrote to Memory",
         "Settings > Personalization > Memory: delete what should not be remembered"),
)
BY_ID = {step.id: step for step in STEPS}
ORDER = {step.id: n for n, step in enumerate(STEPS)}

_ACCOUNT_RULES = ("account.setting_unknown", "device.carried_over")


class Hit(NamedTuple):
    step: str
    rules: tuple[str, ...]  # the rule ids that made it apply
    first: bool = False  # listed before the others (third parties: flagged or no consent)


def hits(verdict: Verdict) -> tuple[Hit, ...]:
    """The steps one conversation's verdict calls for, in STEPS order."""
    decided = {r.rule for r in verdict.reasons}
    found: list[Hit] = []
    if verdict.verdict == UNDETERMINED:
        account = tuple(r for r in _ACCOUNT_RULES if r in decided)
        if account:
            found.append(Hit("step.record_account_setting", account))
        if "gpt.builder_setting_unknown" in decided:
            found.append(Hit("step.record_builder_setting", ("gpt.builder_setting_unknown",)))
    elif verdict.verdict == ELIGIBLE:
        if "consumer.default" in decided:
            found.append(Hit("step.review_eligible", ("consumer.default",)))
        if "feedback.given" in decided:
            found.append(Hit("step.feedback", ("feedback.given",)))
    # Each channel's step (policy/channels.py), from the disclosures that count for it: a
    # call the user declined sent nothing and calls for no step.
    reached: dict[str, list[Disclosure]] = {}
    for d in verdict.disclosures:
        if d.sent or not d.channel.call:
            reached.setdefault(d.channel.step, []).append(d)
    for step, found_by in reached.items():
        # Listed first: calls to a domain the GPT's profile does not declare, or with no consent
        # on record (a shared link is made by the user: its consent is always known).
        flagged = any("disclosure.undeclared_domain" in d.flags or d.consent == "no record"
                      for d in found_by if d.channel.call)
        rules = sorted({d.rule for d in found_by} | {f for d in found_by for f in d.flags})
        found.append(Hit(step, tuple(rules), flagged))
    if any(n.rule == "memory.written" for n in verdict.notices):
        found.append(Hit("step.review_memory", ("memory.written",)))
    return tuple(sorted(found, key=lambda hit: ORDER[hit.step]))


class NextSteps:
    """The steps of many conversations, counted while they are read: ids only."""

    def __init__(self) -> None:
        self._first: dict[str, list[str]] = {s.id: [] for s in STEPS}
        self._rest: dict[str, list[str]] = {s.id: [] for s in STEPS}
        self._count: dict[str, int] = dict.fromkeys(BY_ID, 0)
        self._rules: dict[str, set[str]] = {s.id: set() for s in STEPS}
        self._flagged = 0
        self._elsewhere: dict[str, None] = {}  # conversations of unmatched shared links

    def add(self, conversation_id: str | None, verdict: Verdict) -> tuple[Hit, ...]:
        found = hits(verdict)
        for hit in found:
            self._count[hit.step] += 1
            self._rules[hit.step].update(hit.rules)
            if conversation_id is not None:
                (self._first if hit.first else self._rest)[hit.step].append(conversation_id)
            self._flagged += hit.first
        return found

    def shared_elsewhere(self, conversation_id: str | None) -> None:
        """A shared link whose conversation is not in the export: the link may still work."""
        self._elsewhere[conversation_id or ""] = None
        self._rules[SHARED_LINK.step].add(SHARED_LINK.rule)

    def as_list(self) -> list[dict[str, Any]]:
        """`next_steps[]`: {id, count, conversations, why, how}, only the steps that apply."""
        out = []
        for step in STEPS:
            ids = self._first[step.id] + self._rest[step.id]
            count = self._count[step.id]
            why = step.why
            if step.id == "step.revoke_shared_links" and self._elsewhere:
                extra = [c for c in self._elsewhere if c]
                ids = ids + extra
                count += len(self._elsewhere)
                why += (f"; {len(self._elsewhere)} not in the export (deleted or archived"
                        " elsewhere): the link may still work")
            if step.id == "step.review_third_parties" and self._flagged:
                why += (f"; {self._flagged} of them, listed first, went to a domain the GPT's "
                        "profile does not declare, or have no consent on record")
            if not count:
                continue
            rules = ", ".join(sorted(self._rules[step.id]))
            out.append({"id": step.id, "count": count, "conversations": ids,
                        "why": f"{why} ({rules})", "how": step.how})
        return out


def for_one(verdict: Verdict) -> list[dict[str, Any]]:
    """The steps for one conversation not in an export (`status`): no ids to list."""
    steps = NextSteps()
    steps.add(None, verdict)
    return steps.as_list()
