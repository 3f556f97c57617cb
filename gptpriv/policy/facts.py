"""What the rules look at and what they answer with: a conversation's facts, its calls to
third parties, and the verdict words with the labels people read.

Both the export reader (which produces these facts) and the resolver (which judges them)
import this module; it imports neither of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import NamedTuple

# ChatGPT's launch ("Introducing ChatGPT", 2022-11-30): no conversation, and no control over
# one, is older. An export's creation time before it is implausible; an entry dated before it
# describes a control that did not exist.
CHATGPT_LAUNCH = datetime(2022, 11, 30, tzinfo=timezone.utc)

ELIGIBLE, NOT_ELIGIBLE, UNDETERMINED = "eligible", "not_eligible", "undetermined"
# The order `check --verdict` lists them in, and JSON's summary keys.
VERDICTS = (ELIGIBLE, NOT_ELIGIBLE, UNDETERMINED)
# What `check --fail-on` can fail on: a verdict, any call to a third party, any shared link, a
# secret found in the text, or any sensitive data (a secret or personal data).
FAIL_ON = (ELIGIBLE, UNDETERMINED, "disclosure", "shared", "secret", "sensitive")
# Least to most exposed: the monotonicity invariant, and the report chart's bottom-to-top.
VERDICT_ORDER = (NOT_ELIGIBLE, UNDETERMINED, ELIGIBLE)

# The one set of words people read for a verdict, in the terminal and the report alike, and
# what each means. `check --verdict` takes these words (spaces or underscores).
LABELS = {ELIGIBLE: "eligible", NOT_ELIGIBLE: "not eligible", UNDETERMINED: "undetermined"}
MEANINGS = {ELIGIBLE: "may be used for training", NOT_ELIGIBLE: "not used for training",
            UNDETERMINED: "not known: a fact that decides it is not recorded"}


_ISO_TIME = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(?:Z|\+00:00)")
# Longest first, so `not_eligible` is never read as `eligible`.
_VERDICT_ID = re.compile(r"\b(" + "|".join(sorted(VERDICTS, key=len, reverse=True)) + r")\b")


def plain_words(text: str) -> str:
    """A rule's message as a person reads it (the report, `status`): no backticks around
    values, times to the minute, verdicts in their words."""
    text = _ISO_TIME.sub(r"\1 \2 UTC", text.replace("`", ""))
    return _VERDICT_ID.sub(lambda m: LABELS[m.group(1)], text)


def verdict_word(text: str) -> str | None:
    """The verdict a person typed (`not eligible`, `not-eligible`, `NOT_ELIGIBLE`), or None."""
    word = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    return word if word in VERDICTS else None


class Call(NamedTuple):
    """One call to a third party, as an export or a GPT profile shows it."""

    kind: str  # a channel's kind (policy/channels.py): "action", "plugin", "connector", "unknown"
    party: str  # Action domain, plugin namespace, connector name, or the unknown recipient
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
    sent: bool = True  # False for a call the user declined: it sent nothing (RULES.md)


class SharedLink(NamedTuple):
    """One entry of `shared_conversations.json`: a link anyone can open to read the chat."""

    id: str  # the share id: the link is https://chatgpt.com/share/<id>
    title: str | None = None
    anonymous: bool | None = None  # `is_anonymous`: the sharer's name is not shown

    @property
    def url(self) -> str:
        return f"{SHARE_URL}{self.id}"


SHARE_URL = "https://chatgpt.com/share/"
CHAT_URL = "https://chatgpt.com/c/"  # + a conversation id: where the user finds the chat

# Where a content finding was seen: in the user's own messages (what the person disclosed), or
# in the payload of a call to a third party (what actually left).
WHERE_USER, WHERE_THIRD_PARTY = "user", "third_party"


class Finding(NamedTuple):
    """A kind of sensitive data found in a conversation's text, never the value: filled in
    while the text is in hand (the export's workers), joined with exposure after the resolver."""

    kind: str  # a stable id, like a rule id: "secret.aws_access_key", "pii.email"
    where: str  # WHERE_USER or WHERE_THIRD_PARTY
    count: int = 1  # type: ignore[assignment]  # a field named like tuple.count
    party: str | None = None  # for WHERE_THIRD_PARTY: the call's party (its domain, plugin or app)
    hint: str | None = None  # secrets only: the last 4 characters, as GitHub and Stripe show a key


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
    memory_writes: int = 0  # `bio` calls: counted, never their text
    do_not_remember: bool = False  # `is_do_not_remember`
    shared_links: tuple[SharedLink, ...] = ()  # joined from shared_conversations.json
    # Facts the export has but that cannot be read (a `create_time` of "yesterday"): as
    # unknown as a missing fact, and said so, never mistaken for one that is absent.
    unreadable: tuple[str, ...] = ()
    # A conversation not started yet (`status`), not one read from an export: an exported one
    # from era.device_toggle was saved to history, so its device's switch was on.
    planned: bool = False
    # What kinds of sensitive data its text holds (never the values); empty when not scanned.
    findings: tuple[Finding, ...] = ()
