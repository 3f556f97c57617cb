"""`setup` without the CLI: from a person's answers ("I turned training off in May 2023, with
the switch on my laptop") to the entries that record them, and what an export tells first.

`plan_setup` only decides; nothing is written until `apply_setup` runs, after the person has
confirmed the summary.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple

from gptpriv.errors import InvalidValue, show
from gptpriv.policy import eras
from gptpriv.policy.facts import CHATGPT_LAUNCH
from gptpriv.profiles.checks import check_email, check_gpt_id, check_name, check_plan, slugify
from gptpriv.profiles.store import Store
from gptpriv.timeutil import local_text

UTC = timezone.utc


class Control(NamedTuple):
    """One way a person could turn training off, and the era in which it existed (RULES.md,
    "Policy history": the dates are the era table's)."""

    how: str  # what `--how` takes
    what: str  # in plain words
    era: eras.Era
    records: str  # "device" (one entry per device) or "account"


CONTROLS = (
    Control("switch", 'the "Chat History & Training" switch on a device (each browser or app had its own)',
            eras.DEVICE_TOGGLE, "device"),
    Control("portal", 'a privacy request: the form, or the privacy portal\'s "do not train on my content"',
            eras.PRIVACY_REQUEST, "account"),
    Control("setting", '"Improve the model for everyone" in Settings > Data controls (the whole account)',
            eras.ACCOUNT_CONTROL, "account"),
)
HOWS = tuple(c.how for c in CONTROLS)


def control(how: str) -> Control:
    found = next((c for c in CONTROLS if c.how == how), None)
    if found is None:
        raise InvalidValue(f"unknown --how {show(how)}: use one of {', '.join(HOWS)}")
    return found


def dates_of(c: Control) -> str:
    if c.era.until is None:
        return f"from {c.era.start_text()}"
    return f"from {c.era.start_text()} to {c.era.until_text()}"


def controls_at(moment: datetime) -> tuple[Control, ...]:
    """The controls that existed at `moment`, so a person is offered only those."""
    return tuple(c for c in CONTROLS if c.era.holds_at(moment))


class GptAnswer(NamedTuple):
    id: str
    name: str  # the profile to create
    mine: bool


class Answers(NamedTuple):
    name: str
    email: str | None
    plan: str | None
    opted_out: datetime | None  # when training was turned off; None: never, or not remembered
    remembered: bool  # False: "I don't remember": the setting before any entry stays unknown
    how: str | None
    devices: tuple[str, ...] = ()
    gpts: tuple[GptAnswer, ...] = ()


def check_answers(answers: Answers) -> list[str]:
    """Refuse answers that cannot be right; return the one-line warnings worth showing."""
    check_name(answers.name, "account")
    if answers.email:
        check_email(answers.email)
    if answers.plan:
        check_plan(answers.plan)
    for device in answers.devices:
        check_name(device, "device")
    for gpt in answers.gpts:
        check_gpt_id(gpt.id)
        check_name(gpt.name, "GPT")
    if answers.opted_out is None:
        return []
    when = answers.opted_out
    if when < CHATGPT_LAUNCH:
        raise InvalidValue(f"{local_text(when)} is before ChatGPT existed (it launched on 2022-11-30)")
    if answers.how is None:
        raise InvalidValue("say how training was turned off: `--how " + "|".join(HOWS) + "`")
    chosen = control(answers.how)
    if chosen not in controls_at(when):
        offered = "; ".join(f"{c.how} ({dates_of(c)})" for c in controls_at(when)) or "none"
        raise InvalidValue(f"--how {chosen.how}: {chosen.what} existed {dates_of(chosen)}; at "
                           f"{local_text(when)} the choices were: {offered}")
    if chosen.records == "device" and not answers.devices:
        raise InvalidValue("the switch was per device: name each device it was off on with `--device NAME`")
    return []


def summary(answers: Answers, existing: bool) -> list[str]:
    """What will be recorded, in plain words, before anything is written."""
    lines = [f"{'Update' if existing else 'Add'} account {answers.name}"
             + (f", email {answers.email}" if answers.email else "")
             + (f", plan {answers.plan}" if answers.plan else ", plan not given (its setting stays unknown)")]
    if answers.opted_out is not None and answers.how is not None:
        chosen = control(answers.how)
        if chosen.records == "device":
            for device in answers.devices:
                lines.append(f"Device {device}: Chat History & Training off from {local_text(answers.opted_out)}")
        else:
            lines.append(f"Training off for the whole account from {local_text(answers.opted_out)} "
                         f"({chosen.what})")
    elif not answers.remembered:
        lines.append("Whether training was ever turned off: not remembered; it stays unknown, "
                     "so conversations are undetermined until you record it")
    else:
        lines.append("Training was never turned off: the plan's default holds")
    for gpt in answers.gpts:
        lines.append(f"GPT {gpt.name} ({gpt.id}): " + ("built by you" if gpt.mine else "built by someone else"))
    return lines


def apply_setup(store: Store, answers: Answers, now: datetime) -> None:
    """Record the answers, under one lock, so another gptpriv never sees half of them."""
    from gptpriv.profiles import accounts, gpts

    with store.lock():
        names = store.names("account")
        if answers.name in names:
            accounts.set_account(store, answers.name, email=answers.email, plan=answers.plan)
        else:
            accounts.add_account(store, answers.name, email=answers.email, plan=answers.plan, created=now)
        if not answers.remembered:
            accounts.set_training_default_unknown(store, answers.name)
        if answers.opted_out is not None and answers.how is not None:
            chosen = control(answers.how)
            note = f"recorded by setup: {chosen.what}"
            if chosen.records == "device":
                known = {d.name for d in accounts.load_account(store, answers.name).devices}
                for device in answers.devices:
                    if device not in known:
                        accounts.add_device(store, answers.name, device)
                    accounts.record_device(store, answers.name, device, history_on=False,
                                           at=answers.opted_out, note=note)
            else:
                accounts.record_training(store, answers.name, allowed=False, at=answers.opted_out, note=note)
        existing = set(store.names("gpt"))
        for gpt in answers.gpts:
            if gpt.name not in existing:
                gpts.create_gpt(store, gpt.name, title=None, gpt_id=gpt.id, mine=gpt.mine, visibility=None,
                                verified_builder=False, builder=None, no_training=False, created=now)


def gpt_profile_name(gpt_id: str, taken: set[str]) -> str:
    """A profile name for a GPT known only by its id: `gpt-` and the id's first characters."""
    base = slugify("gpt-" + gpt_id.removeprefix("g-")[:8])
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


class Overview(NamedTuple):
    """What an export says before any question is asked: never message text."""

    email: str | None
    plus: bool  # user.json says Plus; anything else says nothing about the plan
    conversations: int
    first: datetime | None
    last: datetime | None
    gpts: dict[str, int]  # GPT id -> conversations with it, most used first


def overview(path: str) -> Overview:
    from collections import Counter

    from gptpriv.export import ExportReader, Facts

    reader = ExportReader(path)
    count, first, last, used = 0, None, None, Counter[str]()
    seen: set[str] = set()  # a folder with both layouts holds some conversations twice
    for item in reader.conversations():
        if not isinstance(item, Facts):
            continue
        if item.id is not None:
            if item.id in seen:
                continue
            seen.add(item.id)
        count += 1
        created = item.create_time
        if created is not None:
            first = created if first is None or created < first else first
            last = created if last is None or created > last else last
        used.update(item.conversation.gpt_ids)
    user = reader.user
    return Overview(user.email.strip() if user and user.email else None,
                    bool(user and user.chatgpt_plus_user is True), count, first, last, dict(used.most_common()))
