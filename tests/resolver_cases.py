"""Build resolver inputs from the golden case files in tests/cases/ (settings + facts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gptpriv.policy.facts import Call, Conversation
from gptpriv.policy.resolver import Settings
from gptpriv.profiles.model import Snapshot
from gptpriv.profiles.parse import parse_account, parse_gpt
from gptpriv.timeutil import as_utc

CASES = Path(__file__).parent / "cases"


def settings_from(case: dict[str, Any], path: Path) -> Settings:
    account = parse_account(path, case["account"]) if "account" in case else None
    gpts = tuple(parse_gpt(path, g) for g in case.get("gpts", []))
    return Settings(account, Snapshot((account,) if account else (), gpts))


def conversation_from(case: dict[str, Any]) -> Conversation:
    facts = dict(case.get("conversation", {}))
    calls = tuple(
        Call(**{**c, "time": as_utc(c["time"]) if "time" in c else None})
        for c in facts.pop("calls", [])
    )
    created = facts.pop("create_time", None)
    return Conversation(
        id="case", create_time=as_utc(created) if created else None,
        gpt_ids=tuple(facts.pop("gpt_ids", ())), project_ids=tuple(facts.pop("project_ids", ())),
        calls=calls, **facts,
    )
