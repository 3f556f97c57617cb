"""The policy history of RULES.md ("Policy history: what existed when") as data.

OpenAI's controls changed over time; the resolver judges a conversation by what existed at its
creation time T. `gptpriv rules` prints this table. A boundary the sources give only to the
week (or month, or year) is approximate: it is taken as that date at 00:00 UTC, and said with
"about". An era holds from its start (inclusive) until its end (exclusive).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple


class Era(NamedTuple):
    id: str
    start: str  # as the sources give it: YYYY-MM-DD, or only YYYY-MM or YYYY when approximate
    until: str | None  # None: still in force
    what: str
    source: str
    about_start: bool  # the sources give only the week (or less) for this boundary
    about_until: bool
    # The boundaries as instants, computed once: the resolver compares with them per conversation.
    begins: datetime
    ends: datetime | None

    @property
    def approximate(self) -> bool:
        return self.about_start or self.about_until

    def holds_at(self, when: datetime) -> bool:
        ends = self.ends
        return self.begins <= when and (ends is None or when < ends)

    def start_text(self) -> str:
        return ("about " if self.about_start else "") + self.start

    def until_text(self) -> str:
        return (("about " if self.about_until else "") + self.until) if self.until else ""

    def span(self) -> str:
        """`2023-04-25 – about 2024-04-30`, as `--explain` and `gptpriv rules` say it."""
        return f"{self.start_text()} – {self.until_text()}".rstrip()

    def named(self) -> str:
        return f"{self.id} ({self.span()})"

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "from": self.start, "until": self.until, "what": self.what,
                "source": self.source, "approximate": self.approximate}


def _instant(text: str) -> datetime:
    """A boundary at 00:00 UTC of its day; a month or a year alone starts on its first day."""
    parts = [int(p) for p in text.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2], tzinfo=timezone.utc)


def _era(id: str, start: str, until: str | None, what: str, source: str, *,
         about_start: bool = False, about_until: bool = False) -> Era:
    return Era(id, start, until, what, source, about_start, about_until, _instant(start),
               _instant(until) if until else None)


_HELP = "https://help.openai.com/en/articles/"

ERAS: tuple[Era, ...] = (
    _era("era.api_not_trained", "2023-03-01", None,
        "API content is not used for training by default",
        "OpenAI API data usage policy (2023-03-01)"),
    _era("era.privacy_request", "2023-03", None,
        "opt-out by request (form, later the privacy portal's \"do not train on my content\"), "
        "forward-looking",
        f"OpenAI Help Center, article 7039943 (2023), {_HELP}7039943: \"This opt out will apply "
        "on a going-forward basis only.\"", about_start=True),
    _era("era.device_toggle", "2023-04-25", "2024-04-30",
        "\"Chat History & Training\" per browser/app: \"This setting does not sync across "
        "browsers or devices.\" Chats started with it off were not saved to history and are "
        "never in an export",
        "OpenAI, \"New ways to manage your data in ChatGPT\" (2023-04-25); ChatGPT's own text "
        "for the switch", about_until=True),
    _era("era.account_control", "2024-04-30", None,
        "\"Improve the model for everyone\", account-wide: \"Once you turn off model training, "
        "the setting applies to your entire account.\" \"If you've previously opted out, your "
        "choice will remain.\"",
        f"OpenAI Help Center, Data Controls FAQ (article 7730893), {_HELP}7730893; OpenAI's "
        "announcement (late April 2024)", about_start=True),
    _era("era.temporary_chat", "2024-02-13", None,
        "Temporary Chat: not used for training, kept up to 30 days",
        f"OpenAI Help Center, Temporary Chat FAQ (article 8914046), {_HELP}8914046; OpenAI "
        "(2024-02-13)"),
    _era("era.memory", "2024-02-13", None, "Memory (the `bio` tool)",
        "OpenAI, \"Memory and new controls for ChatGPT\" (2024-02-13)"),
    _era("era.plugins", "2023-03-23", "2024-04-09", "legacy plugins",
        "OpenAI plugin announcements (launch; wind-down)"),
    _era("era.gpts", "2023-11-06", None, "custom GPTs, builders' opt-out, Actions",
        "OpenAI DevDay (2023-11-06)"),
    _era("era.team_named_business", "2025-08-29", None, "ChatGPT Team renamed ChatGPT Business",
        f"OpenAI Help Center, article 12003714, {_HELP}12003714: \"As of August 29th, 2025, "
        "we've renamed ChatGPT Team to ChatGPT Business\""),
    _era("era.discoverable_shares", "2025", "2025-07-31",
        "a shared link could be made discoverable by search engines; removed on 2025-07-31",
        "OpenAI's CISO and spokesperson, reported 2025-07-31", about_start=True),
    _era("era.preservation_order", "2025-05-13", "2025-09-26",
        "court order to preserve consumer and API output logs that would otherwise be deleted "
        "(not Enterprise, Edu, or zero-retention API)",
        "OpenAI, \"How we're responding to The New York Times' data demands\" (updated "
        "2025-10-22): \"Our obligations under the earlier order ended on September 26, 2025.\""),
)

BY_ID = {era.id: era for era in ERAS}
API_NOT_TRAINED = BY_ID["era.api_not_trained"]
PRIVACY_REQUEST = BY_ID["era.privacy_request"]
DEVICE_TOGGLE = BY_ID["era.device_toggle"]
ACCOUNT_CONTROL = BY_ID["era.account_control"]
PRESERVATION_ORDER = BY_ID["era.preservation_order"]
TEAM_NAMED_BUSINESS = BY_ID["era.team_named_business"]

# The instants the resolver compares with, computed once (it runs per conversation).
API_FROM = API_NOT_TRAINED.begins
DEVICE_FROM = DEVICE_TOGGLE.begins
DEVICE_UNTIL = DEVICE_TOGGLE.ends or DEVICE_FROM  # the era has an end: never the fallback


def in_device_era(when: datetime) -> bool:
    return DEVICE_FROM <= when < DEVICE_UNTIL


def plan_label(plan: str) -> str:
    """A plan as people read it: `team` is the name Business had until 2025-08-29."""
    return "Team, now Business" if plan == "team" else plan


def control_at(when: datetime, ids: bool = True) -> str:
    """Which training control existed at `when`, in words (what `status` says); the era ids
    with `ids` (`--json`, `--explain`), else only their dates."""
    def name(era: Era) -> str:
        return era.named() if ids else era.span()

    if when >= ACCOUNT_CONTROL.begins:
        return ("the account-wide \"Improve the model for everyone\" control, which applies to "
                f"the entire account ({name(ACCOUNT_CONTROL)})")
    if in_device_era(when):
        return ("the per-browser Chat History & Training switch, which did not sync "
                f"({name(DEVICE_TOGGLE)}); account-wide only an opt-out by privacy request"
                + (f" ({PRIVACY_REQUEST.id})" if ids else ""))
    if when >= PRIVACY_REQUEST.begins:
        return ("no switch in ChatGPT yet; an account-wide opt-out only by privacy request "
                f"({name(PRIVACY_REQUEST)})")
    return ("none of the controls in gptpriv's policy history yet (the first, "
            + (f"{PRIVACY_REQUEST.id}, " if ids else "a privacy request, ")
            + f"dates from about {PRIVACY_REQUEST.start})")
