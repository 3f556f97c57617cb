"""Exposure beyond training: each call to a third party, each shared link, and the notices
about what is kept and remembered (RULES.md, "Who can see the conversation" and "Notices")."""

from __future__ import annotations

from datetime import datetime

from gptpriv.plural import count
from gptpriv.policy import eras
from gptpriv.policy.channels import BY_KIND, SHARED_LINK
from gptpriv.policy.facts import ELIGIBLE, Call, Conversation, SharedLink
from gptpriv.policy.switch import device_switch
from gptpriv.policy.verdicts import Disclosure, Reason, Settings, Verdict
from gptpriv.policy.verdicts import fact as _fact
from gptpriv.profiles.model import Account, Gpt, Operation
from gptpriv.timeutil import iso_utc

# How a conversation reaches beyond the user, as the summary and the headline count them:
# trainable (eligible), public through a shared link, sent to a third party, sent to an
# unknown recipient (may be a third party), written to Memory.
TRAINING, SHARED, THIRD_PARTY, UNKNOWN_RECIPIENT, MEMORY = (
    "training", "shared_link", "third_party", "unknown_recipient", "memory")
EXPOSURES = (TRAINING, SHARED, THIRD_PARTY, UNKNOWN_RECIPIENT, MEMORY)


def exposures(verdict: Verdict) -> tuple[str, ...]:
    """The ways one conversation is exposed, in EXPOSURES order; none for most."""
    found = {TRAINING} if verdict.verdict == ELIGIBLE else set()
    for d in verdict.disclosures:
        if not d.channel.call:
            found.add(SHARED)
        elif d.sent:
            found.add(THIRD_PARTY if d.channel.known else UNKNOWN_RECIPIENT)
    if any(n.rule == "memory.written" for n in verdict.notices):
        found.add(MEMORY)
    return tuple(e for e in EXPOSURES if e in found)


def memory_notices(conversation: Conversation) -> tuple[Reason, ...]:
    """memory.written and memory.excluded (RULES.md, Notices): counts and flags, never text."""
    if not conversation.memory_writes and not conversation.do_not_remember:
        return ()
    notices = []
    if conversation.memory_writes:
        n = conversation.memory_writes
        notices.append(Reason(
            "memory.written", f"this conversation wrote to Memory ({count(n, '`bio` call')}): "
            "what was saved is used in later conversations until deleted in Settings > "
            "Personalization > Memory; deleting the chat does not delete the memory",
            _fact(conversation, "memory", "export `bio` tool calls")))
    if conversation.do_not_remember:
        notices.append(Reason("memory.excluded", "this conversation was excluded from Memory",
                              _fact(conversation, "do_not_remember", "export `is_do_not_remember`")))
    return tuple(notices)


# era.discoverable_shares (RULES.md): until this day a shared link could be made discoverable.
DISCOVERABLE_UNTIL = "2025-07-31"


def shared_link(conversation: Conversation, link: SharedLink) -> Disclosure:
    """disclosure.shared_link: the export says neither when the link was made nor whether it
    was ever discoverable, so the note says so instead of guessing."""
    note = (f"until {DISCOVERABLE_UNTIL} a shared link could be made discoverable by search "
            "engines (era.discoverable_shares); the export does not say whether this one was")
    return Disclosure(
        rule=SHARED_LINK.rule, party=SHARED_LINK.receiver, domain=None, operation=None,
        method=None, path=None, time=None, consequential=None, privacy_policy=None,
        consent="shared by you", consent_source=_fact(conversation, "shared_links",
                                                      "export shared_conversations.json"),
        sent=True,  # readable by anyone with the link, up to where it was shared
        gpt_id=None, flags=(), url=link.url, anonymous=link.anonymous, note=note)


def era_notices(account: Account | None, conversation: Conversation) -> tuple[Reason, ...]:
    """device.contradiction for an export conversation; the retention notices for `status`."""
    if not conversation.device and not conversation.planned:
        return ()  # the common case of `check`: nothing here can apply
    when, notices = conversation.create_time, []
    device = account.device(conversation.device) if account and conversation.device else None
    if (account is not None and device is not None and not conversation.planned
            and device_switch(device, when)[1] is False):
        era = eras.DEVICE_TOGGLE
        notices.append(Reason(
            "device.contradiction", f"this conversation was saved to history, so it was not "
            f"started with Chat History & Training off on `{device.name}`: it came from another "
            f"device, or the record is wrong (inside {era.named()}, a chat started with the "
            "switch off was not saved, so it is never in an export)",
            f"{account.path} `devices.{device.name}.history`; "
            f"device named by {_fact(conversation, 'device', 'the user')}", era.id))
    if conversation.planned and conversation.temporary:
        notices.append(Reason(
            "retention.temporary", "a temporary chat is kept up to 30 days for safety, then "
            "deleted", "OpenAI Help Center, Temporary Chat FAQ (article 8914046)"))
        order = eras.PRESERVATION_ORDER
        # The order covered consumer plans and Team/Business, not Enterprise or Edu; a plan
        # never given is taken as consumer (RULES.md, notes).
        plan = account.plan if account else None
        if when is not None and order.holds_at(when) and plan not in ("enterprise", "edu", "api"):
            notices.append(Reason(
                "retention.preservation_order", f"inside {order.named()}, a court order in NYT v. "
                "OpenAI required OpenAI to preserve output logs that would otherwise have been "
                "deleted; OpenAI says it still holds \"limited historical April–September 2025 "
                "user data\"", order.source, order.id))
    return tuple(notices)


def disclose(settings: Settings, conversation: Conversation, call: Call) -> Disclosure:
    account = settings.account
    gpt = settings.snapshot.gpt_by_id(call.gpt_id) if call.gpt_id else None
    flags: list[str] = []
    privacy_policy, consequential = call.privacy_policy, call.consequential
    rule = BY_KIND[call.kind].rule
    if call.kind == "action" and gpt is not None and call.domain:
        declared = gpt.action(call.domain)
        if declared is None:
            flags.append("disclosure.undeclared_domain")
        else:
            privacy_policy = privacy_policy or declared.privacy_policy
            if consequential is None and call.operation:
                op = next((o for o in declared.operations if o.id == call.operation), None)
                consequential = op.consequential if op else None
    consent, consent_source = "no record", ""
    if call.approval:
        consent, consent_source = call.approval, call.source or "export approval node"
    elif call.kind == "action" and account is not None and gpt is not None and call.domain:
        moment = call.time or conversation.create_time
        decision = account.consent_at(gpt.name, call.domain, moment) if moment else None
        if decision is not None:
            consent = decision.decision
            consent_source = f"{account.path} `consents[{decision.index}]`"
    return Disclosure(
        rule=rule, party=call.party, domain=call.domain, operation=call.operation,
        method=call.method, path=call.path, time=iso_utc(call.time) if call.time else None,
        consequential=consequential, privacy_policy=privacy_policy, consent=consent,
        consent_source=consent_source, sent=call.sent, gpt_id=call.gpt_id, flags=tuple(flags),
    )


def planned_calls(gpt: Gpt, gpt_id: str, when: datetime) -> tuple[Call, ...]:
    """The calls a GPT's declared Actions would make in a conversation started at `when`."""
    calls = []
    for action in gpt.actions:
        operations: tuple[Operation | None, ...] = action.operations or (None,)
        for op in operations:
            calls.append(Call(
                kind="action", party=action.domain, domain=action.domain,
                operation=op.id if op else None, time=when, gpt_id=gpt_id,
                consequential=op.consequential if op else None,
                privacy_policy=action.privacy_policy, source=f"{gpt.path} `actions`"))
    return tuple(calls)
