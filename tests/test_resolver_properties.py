"""Invariants of RULES.md, checked on generated settings and conversations (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gptpriv.policy.eras import API_FROM, DEVICE_FROM, DEVICE_UNTIL, ERAS
from gptpriv.policy.facts import VERDICT_ORDER, Conversation
from gptpriv.policy.resolver import Settings, resolve
from gptpriv.profiles.model import PLANS, Account, Device, Entry, Gpt, Snapshot, Timeline, plan_default

UTC = timezone.utc
START = datetime(2022, 6, 1, tzinfo=UTC)
# Every era boundary of the policy history, and a second on each side of it: the resolver's
# answer may change there, so the generated dates must reach them exactly.
BOUNDARIES = sorted({when + timedelta(seconds=s) for era in ERAS
                     for when in (era.begins, era.ends) if when for s in (-1, 0, 1)})
# Days from mid-2022 to 2026: before the first era, inside each, and after those that ended.
times = st.one_of(st.integers(0, 1500).map(lambda d: START + timedelta(days=d)),
                  st.sampled_from(BOUNDARIES))
entries = st.lists(st.tuples(times, st.booleans()), max_size=4).map(
    lambda xs: tuple(Entry(at, allowed, "", i) for i, (at, allowed) in enumerate(sorted(xs, key=lambda x: x[0]))))
plans = st.sampled_from((None, *PLANS))
GPT_IDS = ("g-a", "g-b", "g-c")


@st.composite
def worlds(draw):
    plan = draw(plans)
    devices = tuple(Device(name, Timeline(draw(entries), True)) for name in ("laptop", "phone")
                    if draw(st.booleans()))
    account: Account | None = Account("me", Path("me.toml"), None, plan,
                                      Timeline(draw(entries), plan_default(plan)), devices)
    if draw(st.integers(0, 3)) == 0:
        account = None  # no matching account profile
    gpts = tuple(
        Gpt(f"gpt{i}", Path(f"gpt{i}.toml"), None, gid, mine, None, False, None,
            Timeline(draw(entries), True if mine else None))
        for i, gid in enumerate(GPT_IDS)
        if draw(st.booleans()) for mine in [draw(st.booleans())]
    )
    conversation = Conversation(
        id="c", create_time=draw(st.one_of(st.none(), times)),
        gpt_ids=tuple(draw(st.lists(st.sampled_from(GPT_IDS), max_size=2, unique=True))),
        temporary=draw(st.booleans()), feedback=draw(st.booleans()),
        device=draw(st.sampled_from((None, "laptop", "phone"))),
        planned=draw(st.booleans()),  # `status` (not started yet) or a conversation of an export
    )
    if account is None or conversation.device not in {d.name for d in account.devices}:
        conversation = conversation._replace(device=None)
    return Settings(account, Snapshot((account,) if account else (), gpts)), conversation


def rank(settings_: Settings, conversation: Conversation) -> int:
    return VERDICT_ORDER.index(resolve(settings_, conversation).verdict)


def turned_off(timeline: Timeline, at: datetime) -> Timeline:
    """The same timeline with the setting switched off at `at` (later entries kept)."""
    entry = Entry(at, False, "", len(timeline.entries))
    return Timeline(tuple(sorted(timeline.entries + (entry,), key=lambda e: e.at)), timeline.default)


@settings(max_examples=400, deadline=None)
@given(worlds(), times)
def test_turning_the_account_off_never_raises_the_verdict(world, at) -> None:
    base, conversation = world
    if base.account is None:
        return
    account = base.account._replace(training=turned_off(base.account.training, at))
    after = Settings(account, Snapshot((account,), base.snapshot.gpts))
    assert rank(after, conversation) <= rank(base, conversation)


@settings(max_examples=400, deadline=None)
@given(worlds(), times, st.sampled_from(GPT_IDS))
def test_turning_a_builder_off_never_raises_the_verdict(world, at, gid) -> None:
    base, conversation = world
    gpts = tuple(g._replace(training=turned_off(g.training, at)) if g.id == gid else g
                 for g in base.snapshot.gpts)
    after = Settings(base.account, Snapshot(base.snapshot.accounts, gpts))
    assert rank(after, conversation) <= rank(base, conversation)


@settings(max_examples=300, deadline=None)
@given(worlds(), times)
def test_turning_a_device_off_never_raises_the_verdict(world, at) -> None:
    base, conversation = world
    if base.account is None or not base.account.devices:
        return
    devices = tuple(d._replace(history=turned_off(d.history, at)) for d in base.account.devices)
    account = base.account._replace(devices=devices)
    after = Settings(account, Snapshot((account,), base.snapshot.gpts))
    assert rank(after, conversation) <= rank(base, conversation)


def with_plan(base: Settings, plan: str) -> Settings:
    assert base.account is not None
    account = base.account._replace(plan=plan, training=base.account.training._replace(
        default=plan_default(plan)))
    return Settings(account, Snapshot((account,), base.snapshot.gpts))


@settings(max_examples=300, deadline=None)
@given(worlds(), st.sampled_from(("team", "business", "enterprise", "edu", "api")))
def test_moving_to_a_business_plan_never_raises_the_verdict(world, plan) -> None:
    base, conversation = world
    if base.account is None:
        return
    when = conversation.create_time
    if plan == "api" and (when is None or when < API_FROM):
        # Before 2023-03-01 API content could be trained on unless the organisation opted out:
        # the consumer rules, never more exposed than a consumer plan with the same entries.
        assert rank(with_plan(base, "api"), conversation) <= rank(with_plan(base, "free"), conversation)
        if when is not None:
            assert rank(with_plan(base, "api"), conversation) == rank(with_plan(base, "free"), conversation)
        return
    assert rank(with_plan(base, plan), conversation) == 0


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_deterministic_and_independent_of_input_order(world) -> None:
    base, conversation = world
    first = resolve(base, conversation)
    assert resolve(base, conversation) == first
    shuffled = Settings(base.account, Snapshot(base.snapshot.accounts, base.snapshot.gpts[::-1]))
    reordered = conversation._replace(gpt_ids=conversation.gpt_ids[::-1])
    assert resolve(shuffled, reordered) == first


@settings(max_examples=400, deadline=None)
@given(worlds())
def test_every_undetermined_names_the_missing_fact(world) -> None:
    verdict = resolve(*world)
    assert verdict.reasons, "every verdict names the rules that decided it"
    if verdict.verdict == "undetermined":
        assert verdict.missing and all(fact.strip() for fact in verdict.missing)
    else:
        assert verdict.missing == ()


def _verdict_and_reasons(settings_: Settings, conversation: Conversation) -> tuple[str, list[str]]:
    verdict = resolve(settings_, conversation)
    return verdict.verdict, [r.rule for r in verdict.reasons]


@settings(max_examples=300, deadline=None)
@given(worlds(), times)
def test_an_export_conversations_device_never_decides_inside_the_era(world, at) -> None:
    """An exported conversation from era.device_toggle was saved to history: its device's
    switch was on, whatever the record says (a contradiction is a notice, not a verdict)."""
    base, conversation = world
    if base.account is None or not base.account.devices or conversation.planned:
        return
    when = conversation.create_time
    if when is None or not DEVICE_FROM <= when < DEVICE_UNTIL or not DEVICE_FROM <= at < DEVICE_UNTIL:
        return  # after the era the device's end value may carry over (device.carried_over)
    devices = tuple(d._replace(history=turned_off(d.history, at)) for d in base.account.devices)
    account = base.account._replace(devices=devices)
    after = Settings(account, Snapshot((account,), base.snapshot.gpts))
    assert _verdict_and_reasons(after, conversation) == _verdict_and_reasons(base, conversation)


@settings(max_examples=300, deadline=None)
@given(worlds(), times, st.booleans())
def test_device_entries_outside_the_era_change_nothing(world, at, allowed) -> None:
    base, conversation = world
    if base.account is None or not base.account.devices or DEVICE_FROM <= at < DEVICE_UNTIL:
        return
    devices = tuple(d._replace(history=Timeline(tuple(sorted(
        d.history.entries + (Entry(at, allowed, "", len(d.history.entries)),),
        key=lambda e: e.at)), d.history.default)) for d in base.account.devices)
    account = base.account._replace(devices=devices)
    after = Settings(account, Snapshot((account,), base.snapshot.gpts))
    assert resolve(after, conversation) == resolve(base, conversation)
