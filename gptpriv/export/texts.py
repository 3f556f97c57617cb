"""The text of a conversation's messages, scanned while it is in hand (gptpriv.scan): what
the user wrote, and what the assistant addressed to a recipient outside OpenAI. Only kinds and
hints are kept; the text itself is let go before the buffer it was decoded from is reused."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import msgspec

from gptpriv.export import schema
from gptpriv.policy.channels import BUILTIN_TOOLS
from gptpriv.policy.facts import WHERE_USER, Finding
from gptpriv.scan import Hit, find
from gptpriv.scan.kinds import ORDER as KIND_ORDER


class Texts(NamedTuple):
    """What a scan found in one conversation's text, by message: the user's messages, and
    the assistant's messages to another recipient (the payload of a call, if it is one)."""

    user: list[Hit]
    sent: dict[str, list[Hit]]  # by node id
    unreadable: int  # message contents that are not a JSON object: not scanned


_EMPTY = msgspec.Raw()
_TO_NOBODY = (None, "all", "assistant")


def take_texts(conv: schema.ScannedConversation) -> Texts:
    """Scan what the user wrote and what was addressed to a recipient outside OpenAI (the
    assistant's message to it, and an Action's parameters), while the bytes are in hand; then
    let go of every view of them (the buffer is reused once no view of it is left)."""
    user: list[Hit] = []
    sent: dict[str, list[Hit]] = {}
    unreadable = 0
    for node_id, node in (conv.mapping or {}).items():
        message = node.message
        if message is None:
            continue
        meta = message.metadata
        jit = meta.jit_plugin_data if meta is not None else None
        body = jit.from_server.body if jit is not None and jit.from_server is not None else None
        if body is not None and body.params:
            params, body.params = body.params, _EMPTY
            sent.setdefault(node_id, []).extend(find(bytes(params)))
        if not message.content:
            continue
        content, message.content = message.content, _EMPTY
        role = message.author.role if message.author is not None else None
        recipient = message.recipient
        if role == "user":
            into = user
        elif role == "assistant" and recipient not in _TO_NOBODY \
                and recipient.split(".", 1)[0] not in BUILTIN_TOOLS:
            into = sent.setdefault(node_id, [])
        else:
            continue  # the assistant's replies, tools' results, system messages: not scanned
        with memoryview(content) as text:
            if text[:1] != b"{":
                if text != b"null":
                    unreadable += 1  # a number, a string: not a message content gptpriv knows
                continue
            into += find(text)
    return Texts(user, {k: v for k, v in sent.items() if v}, unreadable)


# (kind, where, party, hint): one entry of `sensitive[]`, and how often it was seen.
Seen = Counter[tuple[str, str, "str | None", "str | None"]]


def findings_of(texts: Texts, sent: Seen) -> tuple[Finding, ...]:
    """The conversation's findings: the user's, and `sent` (those in the payload of a call
    that was not declined, counted by the caller, which knows the calls), in kinds' order."""
    found = Counter(sent)
    found.update((kind, WHERE_USER, None, hint) for kind, hint, _ in texts.user)
    return tuple(Finding(kind, where, n, party, hint)
                 for (kind, where, party, hint), n in sorted(found.items(), key=_order))


def _order(item: tuple[tuple[str, str, str | None, str | None], int]) -> tuple[int, str, str, str]:
    (kind, where, party, hint), _ = item
    return KIND_ORDER[kind], where, party or "", hint or ""
