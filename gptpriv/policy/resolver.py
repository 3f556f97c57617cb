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

from gptpriv.policy import eras
from gptpriv.policy.facts import (
    ELIGIBLE,
    NOT_ELIGIBLE,
    UNDETERMINED,
    Call,
    Conversation,
)
from gptpriv.policy.switch import carried_over, device_switch
from gptpriv.profiles.model import Account, Gpt, Operation, Snapshot, Timeline
from gptpriv.timeutil import iso_utc


class Reason(NamedTuple):
    rule: str
    message: str
    source: str
    era: str | None = None  # the policy era that decided (policy.eras), named in the message too


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
    gpt_id: str | None
    flags: tuple[str, ...]


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
    ) + _era_notices(settings.account, conversation)
    disclosures = tuple(sorted(
        (_disclose(settings, conversation, call) for call in conversation.calls),
        key=lambda d: (d.time or "", d.rule, d.party, d.operation or ""),
    ))
    return Verdict(verdict, tuple(reasons), tuple(missing), disclosures, notices)


def _era_notices(account: Account | None, conversation: Conversation) -> tuple[Reason, ...]:
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


def _gpt_label(settings: Settings, gpt_id: str) -> str:
    gpt = settings.snapshot.gpt_by_id(gpt_id)
    return gpt.name if gpt else gpt_id


def _training(settings: Settings, conversation: Conversation
              ) -> tuple[str, list[Reason], list[str]]:
    account, when = settings.account, conversation.create_time

    # Step 1: business plans are never trained on, whatever else holds; `api` only from
    # era.api_not_trained on (before, API content could be used unless the organisation opted
    # out: the consumer rules, with training allowed before the first entry).
    if account is None or not account.is_business:
        return _consumer(settings, conversation, account.training if account else None)
    if account.plan != "api":
        return NOT_ELIGIBLE, [Reason(
            "plan.business", f"plan `{account.plan}`{_plan_note(account.plan or '')} of account "
            f"`{account.name}` is a business plan: its conversations are not used for training",
            f"{account.path} `plan`")], []
    api = eras.API_NOT_TRAINED
    if when is not None and when >= eras.API_FROM:
        return NOT_ELIGIBLE, [Reason(
            "plan.business", f"plan `api` of account `{account.name}`: API content is not used "
            f"for training by default from {api.start}, and this conversation is from "
            f"`{iso_utc(when)}`, inside {api.named()}", f"{account.path} `plan`", api.id)], []
    verdict = _consumer(settings, conversation, account.training._replace(default=True))
    if when is not None or verdict[0] == NOT_ELIGIBLE:
        return verdict
    return UNDETERMINED, [Reason(
        "account.setting_unknown", f"plan `api` of account `{account.name}` is trained on by "
        f"default only before {api.start} ({api.id}), and this conversation has no "
        "`create_time`", f"{account.path} `plan`; {_fact(conversation, 'create_time', 'conversation')}",
        api.id)], ["the conversation's creation time: whether it came before "
                    f"{api.start}, when API content stopped being trained on by default"]


def _plan_note(plan: str) -> str:
    label = eras.plan_label(plan)
    return f" ({label})" if label != plan else ""


def _consumer(settings: Settings, conversation: Conversation, training: Timeline | None
              ) -> tuple[str, list[Reason], list[str]]:
    """Steps 2-8, for an account on the consumer rules (or none known): `training` is its
    account-wide control."""
    account, when = settings.account, conversation.create_time
    when_text = f"`{iso_utc(when)}`" if when else "an unknown time (no `create_time`)"
    created = _fact(conversation, "create_time", "conversation")

    # Step 2: temporary chats are never trained on.
    if conversation.temporary:
        return NOT_ELIGIBLE, [Reason("chat.temporary", "temporary chats are not used for training",
                                     _fact(conversation, "temporary", "conversation"))], []

    account_value = _value(training, when) if training is not None else None
    # The device's switch decides only for a conversation not started yet (`status`): an
    # exported conversation from the era was saved to history, so it was started with the
    # switch on (resolve() adds device.contradiction instead).
    device = account.device(conversation.device) if account and conversation.device else None
    device_entry, device_value = (device_switch(device, when) if device and conversation.planned
                                  else (None, None))
    opted_out = account_value is False or device_value is False

    # Step 3: the user's own opt-out is enough, unless feedback re-included the conversation.
    if opted_out and not conversation.feedback:
        reasons = []
        if account is not None and training is not None and account_value is False:
            since, where = _since(training, when, str(account.path), "training")
            reasons.append(Reason(
                "account.training_off", f"account `{account.name}` had training `off` at "
                f"{when_text} ({since}){_control_note(when)}",
                f"{where}; creation time from {created}", _control_era(when)))
        if account is not None and device is not None and device_value is False:
            era = eras.DEVICE_TOGGLE
            since = (f"since `{iso_utc(device_entry.at)}`" if device_entry
                     else "before any recorded change")
            where = (f"{account.path} `devices.{device.name}.history[{device_entry.index}]`"
                     if device_entry else f"{account.path} (default before "
                     f"`devices.{device.name}.history[0]`)")
            reasons.append(Reason(
                "device.history_off", f"device `{device.name}` had Chat History & Training "
                f"`off` at {when_text} ({since}), inside {era.named()}: a chat started with it "
                "off is not saved to history and not used for training", f"{where}; device "
                f"named by {_fact(conversation, 'device', 'the user')}", era.id))
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

    # Step 5: the account's own setting must be known (feedback decides at step 7 if given);
    # after the per-device switch ended, a device that was off leaves it unknown too.
    carried = (carried_over(account, training, when)
               if account is not None and training is not None and not opted_out else [])
    if (account_value is None or carried) and not opted_out and not conversation.feedback:
        reasons, facts = [], []
        if account_value is None and account is None:
            reasons.append(Reason(
                "account.setting_unknown", f"no account profile matches: the account's training "
                f"setting at {when_text} is unknown", "no account profile (`gptpriv account list`)"))
            facts.append("the account's training setting: `gptpriv account add NAME --plan ...`")
        elif account_value is None and account is not None:
            reasons.append(Reason(
                "account.setting_unknown", f"the training setting of account `{account.name}` at "
                f"{when_text} is unknown" + ("" if account.plan else ": no plan recorded"),
                f"{account.path}"))
            facts.append(f"the plan of account `{account.name}` or its setting at that time: "
                         f"`gptpriv account set {account.name} --plan ...` or "
                         "`account opt-out/opt-in --at`")
        if carried and account is not None:
            era, names = eras.DEVICE_TOGGLE, ", ".join(f"`{d.name}`" for d in carried)
            at_text = (f"at {when_text}, after {era.named()} ended" if when
                       else "at an unknown time (no `create_time`), perhaps after "
                       f"{era.named()} ended")
            reasons.append(Reason(
                "device.carried_over", f"device(s) {names} had Chat History & Training `off` "
                f"when the per-device switch ended, and account `{account.name}` has no "
                f"account-wide entry {at_text}: OpenAI said a previous opt-out \"will remain\", "
                "without saying how per-device choices became one account-wide value",
                f"{account.path} `devices` and `training`", era.id))
            facts.append(f"the account-wide setting of `{account.name}` after the switch ended "
                         "(Settings > Data controls > \"Improve the model for everyone\"): "
                         f"`gptpriv account opt-out/opt-in {account.name} --at WHEN`")
        return UNDETERMINED, reasons, facts

    # Step 6: a GPT conversation needs the builder's setting, unless the user opted out.
    unknown = [(gid, gpt) for gid, gpt, value in builder_values if value is None]
    if unknown:
        reasons, facts = [], []
        for gid, gpt in unknown:
            if gpt is None:
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

    # Step 7: feedback re-includes a conversation whose user was opted out or unknown (a
    # carried-over device opt-out leaves the account's setting unknown).
    if conversation.feedback and (opted_out or account_value is None or carried):
        return ELIGIBLE, [_feedback_reason(conversation)], []

    # Step 8: a consumer plan with training allowed at creation.
    assert account is not None and training is not None
    plan = f"plan `{account.plan}`" if account.plan else "a consumer plan"
    since, where = _since(training, when, str(account.path), "training")
    return ELIGIBLE, [Reason(
        "consumer.default", f"account `{account.name}` ({plan}) had training `allowed` at "
        f"{when_text} ({since})", f"{where}; creation time from {created}")], []


def _control_era(when: datetime | None) -> str | None:
    """era.privacy_request when an account-wide opt-out could only be a request, else None."""
    request = eras.PRIVACY_REQUEST
    if when is None or not request.begins <= when < eras.ACCOUNT_CONTROL.begins:
        return None
    return request.id


def _control_note(when: datetime | None) -> str:
    """What an account-wide opt-out was at `when`: before era.account_control, a request."""
    if _control_era(when) is None:
        return ""
    return (f", before {eras.ACCOUNT_CONTROL.named()}: then an account-wide opt-out was a "
            f"privacy request ({eras.PRIVACY_REQUEST.id})")


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
        consent_source=consent_source, gpt_id=call.gpt_id, flags=tuple(flags),
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
        "reasons": [_reason_dict(r) for r in verdict.reasons],
        "missing": list(verdict.missing),
        "notices": [_reason_dict(n) for n in verdict.notices],
        "disclosures": [{**d._asdict(), "flags": list(d.flags)} for d in verdict.disclosures],
    }


def _reason_dict(reason: Reason) -> dict[str, object]:
    """A reason as JSON: `era` only when an era decided, so other reasons keep their keys."""
    doc: dict[str, object] = {"rule": reason.rule, "message": reason.message,
                              "source": reason.source}
    if reason.era is not None:
        doc["era"] = reason.era
    return doc
