"""Invariants of RULES.md, checked on generated settings and conversations (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gptpriv.policy.facts import VERDICT_ORDER, Conversation
from gptpriv.policy.resolver import Settings, resolve
from gptpriv.profiles.model import PLANS, Account, Device, Entry, Gpt, Snapshot, Timeline, plan_default

UTC = timezone.utc
START = datetime(2023, 1, 1, tzinfo=UTC)
times = st.integers(0, 1000).map(lambda d: START + timedelta(days=d))
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


@settings(max_examples=300, deadline=None)
@given(worlds(), st.sampled_from(("team", "business", "enterprise", "edu", "api")))
def test_moving_to_a_business_plan_never_raises_the_verdict(world, plan) -> None:
    base, conversation = world
    if base.account is None:
        return
    account = base.account._replace(plan=plan, training=base.account.training._replace(
        default=plan_default(plan)))
    after = Settings(account, Snapshot((account,), base.snapshot.gpts))
    assert rank(after, conversation) == 0


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
