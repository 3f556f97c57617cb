"""What the user can do next (RULES.md, "Next steps"), derived from verdicts alone.

Pure, no I/O, and never message text: a step applies because of rule ids, disclosures and
notices. `NextSteps` is fed one verdict at a time while an export is read and keeps only
conversation ids, so its memory grows with the number of conversations (a 36-character id is
about 90 bytes; 100,000 conversations, each in three steps, hold about 11 MB), never with
their size.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from gptpriv.plural import count as plural
from gptpriv.policy.channels import SHARED_LINK, UNKNOWN
from gptpriv.policy.facts import CHAT_URL, ELIGIBLE, UNDETERMINED, WHERE_THIRD_PARTY, Finding
from gptpriv.policy.resolver import Verdict
from gptpriv.policy.verdicts import Disclosure


class Step(NamedTuple):
    id: str
    why: str  # RULES.md's line, for --json: what the conversations have in common (ids appended)
    how: str  # RULES.md's line, for --json: the place in ChatGPT, or the gptpriv command
    # For people (the terminal and the report), in plain words without rule ids or backticks:
    title: str  # what to do; "{n}" is the number of conversations said in words
    because: str  # one short line of why
    todo: str  # one short line of how
    commands: tuple[str, ...] = ()  # gptpriv commands that do it, shown as commands


# In RULES.md's order, which is the order they are shown in; first a secret that left the
# machine: of all the steps, the one that cannot wait.
STEPS: tuple[Step, ...] = (
    Step("step.rotate_secret",
         "a secret (an API key, a token, a password, a private key) is in the conversation: it "
         "has left your machine",
         "rotate it where it was issued (revoke the key, change the password), first those in "
         "public conversations or sent to a third party; deleting the chat does not undo a leak",
         "Rotate the secrets in {n}",
         "a key, token or password pasted in a chat has left your machine; deleting the chat "
         "does not take it back.",
         "revoke or change each where it was issued (the report shows the last 4 characters of "
         "each): first those listed first, public or sent to a third party."),
    Step("step.record_account_setting",
         "undetermined: the account's training setting at creation is not recorded",
         "look at Settings > Data controls > \"Improve the model for everyone\", then "
         "`gptpriv account opt-out/opt-in --at WHEN`",
         "Record your account's training setting, to decide {n}",
         "whether training was on when they were created is not recorded.",
         "look at Settings > Data controls > Improve the model for everyone, then record "
         "when you turned it off (or on):",
         ("gptpriv account opt-out --at WHEN", "gptpriv account opt-in --at WHEN")),
    Step("step.record_builder_setting",
         "undetermined: a GPT builder's training setting is not recorded",
         "record what you know of the GPT (`gptpriv gpt create NAME --id g-... --not-mine`, "
         "`gpt opt-out/opt-in`)",
         "Record what you know of the GPTs, to decide {n}",
         "a GPT's builder can opt its chats out of training; that setting is not recorded.",
         "record the GPT as someone else's, then its builder's setting if you know it:",
         ("gptpriv gpt create NAME --id g-... --not-mine", "gptpriv gpt opt-out NAME")),
    Step("step.review_eligible",
         "may be used for training: training was allowed at creation",
         "an opt-out covers only conversations created after it; to take one out, delete it "
         f"(its link is `{CHAT_URL}<id>`): deleted chats are removed from OpenAI's systems "
         "within 30 days unless already de-identified and disassociated from the account, or "
         "kept for legal obligations",
         "Delete or keep the {n} that may have been used for training",
         "an opt-out covers only what was created after it.",
         "open each (the report links them) and delete what you want gone: deleted chats "
         "leave OpenAI's systems within 30 days, with legal exceptions.",
         ("gptpriv report EXPORT -o report.html",)),
    Step("step.feedback",
         "may be used for training: feedback was given",
         "feedback makes the entire conversation usable for training even after an opt-out: "
         "avoid thumbs on chats you want kept out",
         "Mind your feedback: it made {n} usable for training",
         "a thumbs up or down makes the whole conversation usable, even after an opt-out.",
         "avoid thumbs on chats you want kept out of training; delete these if they should be."),
    Step("step.revoke_shared_links",
         "anyone with the shared link can read the conversation",
         "Settings > Data controls > Shared links > Manage: delete the links you do not want public",
         "Delete the shared links of the {n} you do not want public",
         "anyone with the link can read the conversation, until the link is deleted.",
         "Settings > Data controls > Shared links > Manage: delete the links."),
    Step("step.review_third_parties",
         "parts of the conversation were sent to a third party",
         "that party's privacy policy governs the data; `gptpriv consent deny GPT DOMAIN` "
         "records your decision",
         "Review what {n} sent to other services",
         "a GPT's Actions, plugins and apps send parts of the chat to services outside OpenAI.",
         "each service's privacy policy governs what it received; to refuse one from now on:",
         ("gptpriv consent deny GPT DOMAIN",)),
    Step("step.review_sensitive_shared",
         "personal data (an email address, a phone, card or account number) is in a "
         "conversation anyone with its shared link can read",
         "Settings > Data controls > Shared links > Manage: delete the link",
         "Delete the shared links of the {n} with personal data",
         "anyone with the link can read the personal data in them.",
         "Settings > Data controls > Shared links > Manage: delete the links."),
    Step("step.review_sensitive_trainable",
         "personal data is in a conversation that may be used for training",
         "delete the conversation to take it out: an opt-out covers only conversations created "
         "after it",
         "Delete the {n} with personal data that may be used for training",
         "an opt-out does not reach back; deleting the conversation takes it out.",
         "open each (the report links them) and delete it."),
    Step("step.review_sensitive_third_party",
         "personal data was sent to a third party",
         "that party's privacy policy governs it: ask it to delete the data; "
         "`gptpriv consent deny GPT DOMAIN` records your decision",
         "Ask the services that received personal data from {n} to delete it",
         "what an Action, plugin or app received is governed by that service's policy, not OpenAI's.",
         "ask each service (its privacy policy says how) to delete it; to refuse one from now on:",
         ("gptpriv consent deny GPT DOMAIN",)),
    Step("step.review_memory",
         "the conversation wrote to Memory",
         "Settings > Personalization > Memory: delete what should not be remembered",
         "Check what {n} saved to Memory",
         "what was saved is used in later chats until you delete it; deleting the chat does not.",
         "Settings > Personalization > Memory: delete what should not be remembered."),
)
BY_ID = {step.id: step for step in STEPS}
SENSITIVE_STEPS = ("step.rotate_secret", "step.review_sensitive_shared",
                   "step.review_sensitive_trainable", "step.review_sensitive_third_party")
ORDER = {step.id: n for n, step in enumerate(STEPS)}

_ACCOUNT_RULES = ("account.setting_unknown", "device.carried_over")


class Hit(NamedTuple):
    step: str
    rules: tuple[str, ...]  # the rule ids that made it apply
    first: bool = False  # listed before the others (third parties: flagged or no consent)


def _sensitive(verdict: Verdict, findings: tuple[Finding, ...]) -> list[Hit]:
    """The steps content findings call for, joined with the conversation's exposure; the
    finding kinds (`secret.*`, `pii.*`) are the ids behind them."""
    secrets = sorted({f.kind for f in findings if f.kind.startswith("secret.")})
    personal = [f for f in findings if not f.kind.startswith("secret.")]
    shared = any(not d.channel.call for d in verdict.disclosures)
    found = []
    if secrets:
        away = shared or any(f.where == WHERE_THIRD_PARTY for f in findings if f.kind.startswith("secret."))
        found.append(Hit("step.rotate_secret", tuple(secrets), away))
    if personal:
        kinds = tuple(sorted({f.kind for f in personal}))
        if shared:
            found.append(Hit("step.review_sensitive_shared", kinds))
        if verdict.verdict == ELIGIBLE:
            found.append(Hit("step.review_sensitive_trainable", kinds))
        sent = tuple(sorted({f.kind for f in personal if f.where == WHERE_THIRD_PARTY}))
        if sent:
            found.append(Hit("step.review_sensitive_third_party", sent))
    return found


def hits(verdict: Verdict, findings: tuple[Finding, ...] = ()) -> tuple[Hit, ...]:
    """The steps one conversation's verdict (and what its text holds) calls for, in STEPS order."""
    decided = {r.rule for r in verdict.reasons}
    found: list[Hit] = _sensitive(verdict, findings) if findings else []
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
        self._flagged: dict[str, int] = dict.fromkeys(BY_ID, 0)  # listed first, by step
        self._elsewhere: dict[str, None] = {}  # conversations of unmatched shared links

    def add(self, conversation_id: str | None, verdict: Verdict,
            findings: tuple[Finding, ...] = ()) -> tuple[Hit, ...]:
        found = hits(verdict, findings)
        for hit in found:
            self._count[hit.step] += 1
            self._rules[hit.step].update(hit.rules)
            if conversation_id is not None:
                (self._first if hit.first else self._rest)[hit.step].append(conversation_id)
            self._flagged[hit.step] += hit.first
        return found

    def shared_elsewhere(self, conversation_id: str | None) -> None:
        """A shared link whose conversation is not in the export: the link may still work."""
        self._elsewhere[conversation_id or ""] = None
        self._rules[SHARED_LINK.step].add(SHARED_LINK.rule)

    def results(self) -> list[StepResult]:
        """`next_steps[]`: only the steps that apply, in STEPS order."""
        out = []
        for step in STEPS:
            ids = self._first[step.id] + self._rest[step.id]
            count = self._count[step.id]
            why, notes = step.why, []
            if step.id == SHARED_LINK.step and self._elsewhere:
                ids = ids + [c for c in self._elsewhere if c]
                count += len(self._elsewhere)
                why += (f"; {len(self._elsewhere)} not in the export (deleted or archived"
                        " elsewhere): the link may still work")
                notes.append(f"{len(self._elsewhere)} not in the export (deleted or archived "
                             "elsewhere): the link may still work.")
            flagged = self._flagged[step.id]
            if step.id == "step.review_third_parties" and flagged:
                why += (f"; {flagged} of them, listed first, went to a domain the GPT's "
                        "profile does not declare, or have no consent on record")
                notes.append(f"{flagged} of them (listed first) went to a domain the GPT's "
                             "profile does not declare, or have no consent on record.")
            if step.id == "step.rotate_secret" and flagged:
                are = "is public or was" if flagged == 1 else "are public or were"
                why += f"; {flagged} of them, listed first, {are} sent to a third party"
                notes.append(f"{flagged} of them (listed first) {are} sent to a third party.")
            if step.id == "step.review_third_parties" and UNKNOWN.rule in self._rules[step.id]:
                notes.append("Some went to a recipient gptpriv does not know: it may be a third "
                             "party (check --explain names it).")
            if not count:
                continue
            rules = ", ".join(sorted(self._rules[step.id]))
            out.append(StepResult(step.id, count, ids, f"{why} ({rules})", step.how,
                                  step.title.format(n=plural(count, "conversation")),
                                  step, tuple(notes)))
        return out


class StepResult(NamedTuple):
    """A next step with the conversations it concerns."""

    id: str
    count: int  # type: ignore[assignment]  # a field named like tuple.count
    conversations: list[str]
    why: str  # as --json says it: RULES.md's line, the rule ids behind it appended
    how: str
    title: str  # for people: what to do, with the count
    step: Step  # its plain words (because, todo, commands)
    notes: tuple[str, ...] = ()  # for people: what this run adds to `because`

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "count": self.count, "conversations": self.conversations,
                "why": self.why, "how": self.how, "title": self.title}


def for_one(verdict: Verdict) -> list[StepResult]:
    """The steps for one conversation not in an export (`status`): no ids to list."""
    steps = NextSteps()
    steps.add(None, verdict)
    return steps.results()
