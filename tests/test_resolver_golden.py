"""Golden cases: settings + conversation facts -> verdict and the rules that decided."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gptpriv.policy.resolver import resolve
from gptpriv.policy.rules import BY_ID, RULES

from resolver_cases import CASES, conversation_from, settings_from

CASE_FILES = sorted(CASES.glob("*.toml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_golden_case(path: Path) -> None:
    case = tomllib.loads(path.read_text())
    expect = case["expect"]
    verdict = resolve(settings_from(case, path), conversation_from(case))
    assert verdict.verdict == expect["verdict"], case["description"]
    assert [r.rule for r in verdict.reasons] == expect["rules"], case["description"]
    assert all(r.message and r.source for r in verdict.reasons)
    assert bool(verdict.missing) == (verdict.verdict == "undetermined")
    if "source_contains" in expect:
        assert any(expect["source_contains"] in r.source for r in verdict.reasons)
    if "notices" in expect:
        assert [n.rule for n in verdict.notices] == expect["notices"]
    if "message_contains" in expect:  # e.g. the era that decided, as --explain shows it
        said = [r.message for r in verdict.reasons + verdict.notices]
        assert any(expect["message_contains"] in m for m in said), said
    if "message_lacks" in expect:
        said = [r.message for r in verdict.reasons + verdict.notices]
        assert not any(expect["message_lacks"] in m for m in said), said
    if "disclosures" in expect:
        assert len(verdict.disclosures) == len(expect["disclosures"])
        for got, want in zip(verdict.disclosures, expect["disclosures"], strict=True):
            for key, value in want.items():
                actual = getattr(got, key)
                assert (list(actual) if key == "flags" else actual) == value, (key, got)


def test_every_training_rule_has_a_golden_case() -> None:
    decided = set()
    for path in CASE_FILES:
        decided |= set(tomllib.loads(path.read_text())["expect"]["rules"])
    training = {r.id for r in RULES if r.kind == "training"}
    assert training <= decided, training - decided


def test_rule_ids_are_known_and_messages_use_backticks() -> None:
    for path in CASE_FILES:
        case = tomllib.loads(path.read_text())
        for reason in resolve(settings_from(case, path), conversation_from(case)).reasons:
            assert reason.rule in BY_ID
            assert "`" in reason.message or reason.rule in ("chat.temporary", "feedback.given")


def test_rule_table_order_matches_rules_md() -> None:
    steps = [(r.step, r.id) for r in RULES if r.kind == "training"]
    assert steps == [(1, "plan.business"), (2, "chat.temporary"), (3, "account.training_off"),
                     (3, "device.history_off"), (4, "gpt.builder_training_off"),
                     (5, "account.setting_unknown"), (5, "device.carried_over"),
                     (6, "gpt.builder_setting_unknown"), (7, "feedback.given"),
                     (8, "consumer.default")]
    # The feedback rule quotes Help Center article 5722486 now: no paraphrase is left.
    assert [r.id for r in RULES if r.paraphrase] == []
