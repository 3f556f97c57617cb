"""What OpenAI may still hold of a conversation deleted between two exports (RULES.md,
notices `retention.deleted` and `retention.preservation_order`). Pure: dates in, notices out."""

from __future__ import annotations

from datetime import datetime, timezone

from gptpriv.policy.resolver import Reason
from gptpriv.policy.rules import BY_ID
from gptpriv.profiles.model import CONSUMER_PLANS

# era.preservation_order: the order of 2025-05-13; OpenAI's obligations under it ended on
# 2025-09-26. Taken as [2025-05-13 00:00 UTC, 2025-09-26 00:00 UTC), as RULES.md dates are.
ORDER_FROM = datetime(2025, 5, 13, tzinfo=timezone.utc)
ORDER_UNTIL = datetime(2025, 9, 26, tzinfo=timezone.utc)
# The order covered ChatGPT Free, Plus, Pro and Team (Business since 2025-08-29), not
# Enterprise or Edu. A plan never given is taken as consumer, as the training rules do.
ORDER_PLANS = (*CONSUMER_PLANS, "team", "business")


def deletion_notices(deleted_from: datetime | None, deleted_until: datetime | None,
                     plan: str | None) -> tuple[Reason, ...]:
    """Notices for a conversation deleted at some moment in [deleted_from, deleted_until]
    (either end None: unknown, so open on that side)."""
    notices = [Reason("retention.deleted",
                      "deleted chats are scheduled for permanent deletion from OpenAI's systems "
                      "within 30 days, unless already de-identified and disassociated from the "
                      "account, or OpenAI must retain them for security or legal obligations",
                      BY_ID["retention.deleted"].source)]
    overlaps = ((deleted_from is None or deleted_from < ORDER_UNTIL)
                and (deleted_until is None or deleted_until >= ORDER_FROM))
    if overlaps and (plan is None or plan in ORDER_PLANS):
        notices.append(Reason(
            "retention.preservation_order",
            "it may have been deleted while a court order in NYT v. OpenAI (2025-05-13 to "
            "2025-09-26) required OpenAI to preserve output logs that would otherwise have been "
            "deleted; OpenAI says it still holds \"limited historical April–September 2025 user "
            "data\"", BY_ID["retention.preservation_order"].source))
    return tuple(notices)
