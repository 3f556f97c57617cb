"""The resolver: (settings, conversation facts) -> verdict, reasons and disclosures.

A pure function, no I/O. It implements the rule table of RULES.md (ids in policy.rules):
training rules are evaluated in order and the first that decides ends the evaluation;
`reasons` holds only the rules that decided, each with where its facts came from, like
Cedar's authorizer returns a decision with its determining policies. An unknown fact is
never guessed into a yes or a no: the verdict is then `undetermined`, and `missing` says
which fact would decide it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from gptpriv.policy.facts import (
    ELIGIBLE,
    NOT_ELIGIBLE,
    UNDETERMINED,
    Call,
    Conversation,
    SharedLink,
)
from gptpriv.profiles.model import Account, Gpt, Operation, Snapshot, Timeline
from gptpriv.timeutil import iso_utc


class Reason(NamedTuple):
    rule: str
    message: str
    source: str


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


def _value(timeline: Timeline, when: datetime | None) -> bool | None:
    if when is None:  # no creation time: only a setting that never changed is known
        return timeline.default if not timeline.entries else None
    return timeline.value_at(when)


def _since(timeline: Timeline, when: datetime | None, file: str, key: str) -> tuple[str, str]:
    """Words for when the value in force began, and where that fact is written."""
    entry = timeline.entry_at(when) if when else None
    if entry is None:
        return "before any recorded change", f"{file} (default before `{key}[0]`)"
    return f"since `{iso_utc(entry.at)}`", f"{file} `{key}[{entry.index}]`"


def _fact(conversation: Conversation, name: str, default: str) -> str:
    return conversation.sources.get(name, default)


def resolve(settings: Settings, conversation: Conversation) -> Verdict:
    verdict, reasons, missing = _training(settings, conversation)
    notices = tuple(
        Reason("builder.no_access",
               f"the builder of GPT `{_gpt_label(settings, gid)}` cannot read this conversation; "
               "only its Actions send data out", _fact(conversation, f"gpt:{gid}", "conversation"))
        for gid in sorted(set(conversation.gpt_ids))
    ) + _memory_notices(conversation)
    disclosures = tuple(sorted(
        (_disclose(settings, conversation, call) for call in conversation.calls),
        key=lambda d: (d.time or "", d.rule, d.party, d.operation or ""),
    )) + tuple(_shared(conversation, link) for link in conversation.shared_links)
    return Verdict(verdict, tuple(reasons), tuple(missing), disclosures, notices)


def _memory_notices(conversation: Conversation) -> tuple[Reason, ...]:
    """memory.written and memory.excluded (RULES.md, Notices): counts and flags, never text."""
    if not conversation.memory_writes and not conversation.do_not_remember:
        return ()
    notices = []
    if conversation.memory_writes:
        n = conversation.memory_writes
        notices.append(Reason(
            "memory.written", f"this conversation wrote to Memory ({n} `bio` call{'s' if n != 1 else ''}): "
            "what was saved is used in later conversations until deleted in Settings > "
            "Personalization > Memory; deleting the chat does not delete the memory",
            _fact(conversation, "memory", "export `bio` tool calls")))
    if conversation.do_not_remember:
        notices.append(Reason("memory.excluded", "this conversation was excluded from Memory",
                              _fact(conversation, "do_not_remember", "export `is_do_not_remember`")))
    return tuple(notices)


# era.discoverable_shares (RULES.md): until this day a shared link could be made discoverable.
DISCOVERABLE_UNTIL = "2025-07-31"


def _shared(conversation: Conversation, link: SharedLink) -> Disclosure:
    """disclosure.shared_link: the export says neither when the link was made nor whether it
    was ever discoverable, so the note says so instead of guessing."""
    note = (f"until {DISCOVERABLE_UNTIL} a shared link could be made discoverable by search "
            "engines (era.discoverable_shares); the export does not say whether this one was")
    return Disclosure(
        rule="disclosure.shared_link", party="anyone with the link", domain=None, operation=None,
        method=None, path=None, time=None, consequential=None, privacy_policy=None,
        consent="shared by you", consent_source=_fact(conversation, "shared_links",
                                                      "export shared_conversations.json"),
        sent=True,  # readable by anyone with the link, up to where it was shared
        gpt_id=None, flags=(), url=link.url, anonymous=link.anonymous, note=note)


def _gpt_label(settings: Settings, gpt_id: str) -> str:
    gpt = settings.snapshot.gpt_by_id(gpt_id)
    return gpt.name if gpt else gpt_id


def _training(settings: Settings, conversation: Conversation
              ) -> tuple[str, list[Reason], list[str]]:
    account, when = settings.account, conversation.create_time
    if when is not None:
        when_text = f"`{iso_utc(when)}`"
    elif "create_time" in conversation.unreadable:
        when_text = "an unreadable creation time (the export's `create_time` is not a plausible time)"
    else:
        when_text = "an unknown time (no `create_time`)"
    created = _fact(conversation, "create_time", "conversation")

    # Step 1: business plans are never trained on, whatever else holds.
    if account is not None and account.is_business:
        return NOT_ELIGIBLE, [Reason(
            "plan.business", f"plan `{account.plan}` of account `{account.name}` is a business "
            "plan: its conversations are not used for training", f"{account.path} `plan`")], []

    # Step 2: temporary chats are never trained on.
    if conversation.temporary:
        return NOT_ELIGIBLE, [Reason("chat.temporary", "temporary chats are not used for training",
                                     _fact(conversation, "temporary", "conversation"))], []

    account_value = _value(account.training, when) if account else None
    device = account.device(conversation.device) if account and conversation.device else None
    device_value = _value(device.history, when) if device else None
    opted_out = account_value is False or device_value is False

    # Step 3: the user's own opt-out is enough, unless feedback re-included the conversation.
    if opted_out and not conversation.feedback:
        reasons = []
        if account is not None and account_value is False:
            since, where = _since(account.training, when, str(account.path), "training")
            reasons.append(Reason(
                "account.training_off", f"account `{account.name}` had training `off` at "
                f"{when_text} ({since})", f"{where}; creation time from {created}"))
        if device is not None and device_value is False:
            since, where = _since(device.history, when, str(account.path),  # type: ignore[union-attr]
                                  f"devices.{device.name}.history")
            reasons.append(Reason(
                "device.history_off", f"device `{device.name}` had Chat History & Training "
                f"`off` at {when_text} ({since})", f"{where}; device named by "
                f"{_fact(conversation, 'device', 'the user')}"))
        return NOT_ELIGIBLE, reasons, []

    # Step 4: a builder's opt-out takes the conversation out too.
    gpts = [(gid, settings.snapshot.gpt_by_id(gid)) for gid in sorted(set(conversation.gpt_ids))]
    builder_values = [(gid, gpt, _value(gpt.training, when) if gpt else None) for gid, gpt in gpts]
    off = [(gid, gpt) for gid, gpt, value in builder_values if value is False]
    if off:
        reasons = []
        for gid, gpt in off:
            assert gpt is not None
            since, where = _since(gpt.training, when, str(gpt.path), "training")
            reasons.append(Reason(
                "gpt.builder_training_off", f"the builder of GPT `{gpt.name}` (`{gid}`) had "
                f"training `off` at {when_text} ({since})", where))
        if not conversation.feedback:
            return NOT_ELIGIBLE, reasons, []
        reasons.append(_feedback_reason(conversation))
        return UNDETERMINED, reasons, [
            "whether feedback overrides a builder's opt-out: the sources do not say"]

    # Step 5: the account's own setting must be known (feedback decides at step 7 if given).
    if account_value is None and not opted_out and not conversation.feedback:
        if account is None:
            message = (f"no account profile matches: the account's training setting at {when_text} "
                       "is unknown")
            source = "no account profile (`gptpriv account list`)"
            fact = "the account's training setting: `gptpriv account add NAME --plan ...`"
        else:
            message = (f"the training setting of account `{account.name}` at {when_text} is "
                       "unknown" + ("" if account.plan else ": no plan recorded"))
            source = f"{account.path}"
            fact = (f"the plan of account `{account.name}` or its setting at that time: "
                    f"`gptpriv account set {account.name} --plan ...` or `account opt-out/opt-in --at`")
        return UNDETERMINED, [Reason("account.setting_unknown", message, source)], [fact]

    # Step 6: a GPT conversation needs the builder's setting, unless the user opted out.
    unknown = [(gid, gpt) for gid, gpt, value in builder_values if value is None]
    if unknown:
        reasons, facts = [], []
        for gid, gpt in unknown:
            if gid in settings.snapshot.duplicate_ids:
                names = ", ".join(f"`{n}`" for n in settings.snapshot.duplicate_ids[gid])
                reasons.append(Reason(
                    "gpt.builder_setting_unknown", f"GPT `{gid}` has several profiles ({names}): "
                    "which one's builder setting holds is not guessed", "the GPT profiles"))
                facts.append(f"one profile for GPT `{gid}`: `gptpriv doctor` names them")
            elif gpt is None:
                reasons.append(Reason(
                    "gpt.builder_setting_unknown", f"GPT `{gid}` has no profile: its builder's "
                    "training setting is unknown", _fact(conversation, f"gpt:{gid}", "conversation")))
                facts.append(f"the builder setting of GPT `{gid}`: "
                             f"`gptpriv gpt create NAME --id {gid} --not-mine` and `gpt opt-out|opt-in`")
            else:
                reasons.append(Reason(
                    "gpt.builder_setting_unknown", f"the builder's training setting of GPT "
                    f"`{gpt.name}` (`{gid}`) at {when_text} is unknown", str(gpt.path)))
                facts.append(f"the builder setting of GPT `{gpt.name}`: "
                             f"`gptpriv gpt opt-out|opt-in {gpt.name} --at ...`")
        return UNDETERMINED, reasons, facts

    # Step 7: feedback re-includes a conversation whose user was opted out or unknown.
    if conversation.feedback and (opted_out or account_value is None):
        return ELIGIBLE, [_feedback_reason(conversation)], []

    # Step 8: a consumer plan with training allowed at creation.
    assert account is not None
    plan = f"plan `{account.plan}`" if account.plan else "a consumer plan"
    since, where = _since(account.training, when, str(account.path), "training")
    return ELIGIBLE, [Reason(
        "consumer.default", f"account `{account.name}` ({plan}) had training `allowed` at "
        f"{when_text} ({since})", f"{where}; creation time from {created}")], []


def _feedback_reason(conversation: Conversation) -> Reason:
    return Reason("feedback.given", "feedback was given on this conversation: it may be used "
                  "for training even after an opt-out",
                  _fact(conversation, "feedback", "message_feedback.json"))


def _disclose(settings: Settings, conversation: Conversation, call: Call) -> Disclosure:
    account = settings.account
    gpt = settings.snapshot.gpt_by_id(call.gpt_id) if call.gpt_id else None
    flags: list[str] = []
    privacy_policy, consequential = call.privacy_policy, call.consequential
    rule = {"action": "disclosure.action", "plugin": "disclosure.plugin",
            "connector": "disclosure.connector"}[call.kind]
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


def verdict_dict(verdict: Verdict) -> dict[str, object]:
    """The verdict as plain data, for --json and reports."""
    return {
        "verdict": verdict.verdict,
        "reasons": [r._asdict() for r in verdict.reasons],
        "missing": list(verdict.missing),
        "notices": [n._asdict() for n in verdict.notices],
        "disclosures": [_disclosure_dict(d) for d in verdict.disclosures],
    }


_SHARED_ONLY = ("url", "anonymous", "note")


def _disclosure_dict(d: Disclosure) -> dict[str, object]:
    out = {**d._asdict(), "flags": list(d.flags)}
    if d.rule != "disclosure.shared_link":  # a call has no link: its keys stay as they were
        for key in _SHARED_ONLY:
            del out[key]
    return out
