"""What the rules look at and what they answer with: a conversation's facts, its calls to
third parties, and the verdict words with the labels people read.

Both the export reader (which produces these facts) and the resolver (which judges them)
import this module; it imports neither of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

ELIGIBLE, NOT_ELIGIBLE, UNDETERMINED = "eligible", "not_eligible", "undetermined"
# The order `check --verdict` lists them in, and JSON's summary keys.
VERDICTS = (ELIGIBLE, NOT_ELIGIBLE, UNDETERMINED)
# What `check --fail-on` can fail on: a verdict, or any call to a third party.
FAIL_ON = (ELIGIBLE, UNDETERMINED, "disclosure")
# Least to most exposed: the monotonicity invariant, and the report chart's bottom-to-top.
VERDICT_ORDER = (NOT_ELIGIBLE, UNDETERMINED, ELIGIBLE)

# How each verdict is worded for people, by where it appears.
TABLE_LABELS = {ELIGIBLE: "eligible", NOT_ELIGIBLE: "not eligible", UNDETERMINED: "undetermined"}
SENTENCE_LABELS = {ELIGIBLE: "may be used for training", NOT_ELIGIBLE: "not used for training",
                   UNDETERMINED: "undetermined"}
REPORT_LABELS = {ELIGIBLE: "may be trained on", NOT_ELIGIBLE: "not trained on",
                 UNDETERMINED: "undetermined"}


class Call(NamedTuple):
    """One call to a third party, as an export or a GPT profile shows it."""

    kind: str  # "action", "plugin" or "connector"
    party: str  # Action domain, plugin namespace, or connector name
    operation: str | None = None
    time: datetime | None = None
    gpt_id: str | None = None
    domain: str | None = None  # Actions only
    method: str | None = None
    path: str | None = None
    consequential: bool | None = None
    privacy_policy: str | None = None
    approval: str | None = None  # allow / always_allow / deny, from the export's own nodes
    source: str = ""


class Conversation(NamedTuple):
    """The facts about one conversation that the rules look at (never its text)."""

    id: str | None = None
    create_time: datetime | None = None
    gpt_ids: tuple[str, ...] = ()  # custom GPTs (`g-...`), never projects (`g-p-...`)
    project_ids: tuple[str, ...] = ()  # projects are the user's own folders: no builder
    temporary: bool = False
    feedback: bool = False
    device: str | None = None  # only when the user names it
    calls: tuple[Call, ...] = ()
    sources: Mapping[str, str] = {}  # fact name -> where it came from
    # A conversation not started yet (`status`), not one read from an export: an exported one
    # from era.device_toggle was saved to history, so its device's switch was on.
    planned: bool = False
