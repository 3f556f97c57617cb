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

from gptpriv.policy import eras
from gptpriv.policy.exposure import disclose, era_notices, memory_notices, planned_calls, shared_link
from gptpriv.policy.facts import (
    ELIGIBLE,
    NOT_ELIGIBLE,
    UNDETERMINED,
    Conversation,
)
from gptpriv.policy.switch import carried_over, device_switch
from gptpriv.policy.verdicts import Disclosure, Reason, Settings, Verdict, verdict_dict
from gptpriv.policy.verdicts import fact as _fact
from gptpriv.profiles.model import Timeline
from gptpriv.timeutil import iso_utc


def _value(timeline: Timeline, when: datetime | None) -> bool | None:
    if when is None:  # no creation time: only a setting that never changed is known
        return timeline.default if not timeline.entries else None
    return timeline.value_at(when)


def _since(timeline: Timeline, when: datetime | None, file: str, key: str
           ) -> tuple[str, str, datetime | None]:
    """Words for when the value in force began, where that fact is written, and the time of
    the entry that set it (None for the default before any entry)."""
    entry = timeline.entry_at(when) if when else None
    if entry is None:
        return "before any recorded change", f"{file} (default before `{key}[0]`)", None
    return f"since `{iso_utc(entry.at)}`", f"{file} `{key}[{entry.index}]`", entry.at


def resolve(settings: Settings, conversation: Conversation) -> Verdict:
    verdict, reasons, missing = _training(settings, conversation)
    notices = tuple(
        Reason("builder.no_access",
               f"the builder of GPT `{_gpt_label(settings, gid)}` cannot read this conversation; "
               "only its Actions send data out", _fact(conversation, f"gpt:{gid}", "conversation"))
        for gid in sorted(set(conversation.gpt_ids))
    ) + memory_notices(conversation) + era_notices(settings.account, conversation)
    disclosures = tuple(sorted(
        (disclose(settings, conversation, call) for call in conversation.calls),
        key=lambda d: (d.time or "", d.rule, d.party, d.operation or ""),
    )) + tuple(shared_link(conversation, link) for link in conversation.shared_links)
    return Verdict(verdict, tuple(reasons), tuple(missing), disclosures, notices)


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
    if when is not None:
        when_text = f"`{iso_utc(when)}`"
    elif "create_time" in conversation.unreadable:
        when_text = "an unreadable creation time (the export's `create_time` is not a plausible time)"
    else:
        when_text = "an unknown time (no `create_time`)"
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
            since, where, at = _since(training, when, str(account.path), "training")
            reasons.append(Reason(
                "account.training_off", f"account `{account.name}` had training `off` at "
                f"{when_text} ({since}){_control_note(when)}",
                f"{where}; creation time from {created}", _control_era(when), at))
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
                f"named by {_fact(conversation, 'device', 'the user')}", era.id,
                device_entry.at if device_entry else None))
        return NOT_ELIGIBLE, reasons, []

    # Step 4: a builder's opt-out takes the conversation out too.
    gpts = [(gid, settings.snapshot.gpt_by_id(gid)) for gid in sorted(set(conversation.gpt_ids))]
    builder_values = [(gid, gpt, _value(gpt.training, when) if gpt else None) for gid, gpt in gpts]
    off = [(gid, gpt) for gid, gpt, value in builder_values if value is False]
    if off:
        reasons = []
        for gid, gpt in off:
            assert gpt is not None
            since, where, at = _since(gpt.training, when, str(gpt.path), "training")
            reasons.append(Reason(
                "gpt.builder_training_off", f"the builder of GPT `{gpt.name}` (`{gid}`) had "
                f"training `off` at {when_text} ({since})", where, since=at))
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

    # Step 7: feedback re-includes a conversation whose user was opted out or unknown (a
    # carried-over device opt-out leaves the account's setting unknown).
    if conversation.feedback and (opted_out or account_value is None or carried):
        return ELIGIBLE, [_feedback_reason(conversation)], []

    # Step 8: a consumer plan with training allowed at creation.
    assert account is not None and training is not None
    plan = f"plan `{account.plan}`" if account.plan else "a consumer plan"
    since, where, _ = _since(training, when, str(account.path), "training")
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


# What callers import from here along with `resolve`.
__all__ = ["Disclosure", "Reason", "Settings", "Verdict", "planned_calls", "resolve", "verdict_dict"]
