"""From one decoded conversation to the facts the rules need. Never message text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from gptpriv.errors import show
from gptpriv.export import schema
from gptpriv.export.stream import CHUNK, ArrayDecoder, ArrayReader, Broken, Element
from gptpriv.policy.facts import Call, Conversation

_JIT = "__jit_plugin"
_DECISIONS = {"allow", "always_allow", "deny"}


class Facts(NamedTuple):
    """One conversation of an export: where it is, what identifies it to a person, and what
    the rules look at (`conversation`)."""

    index: int  # type: ignore[assignment]  # a field named like tuple.index
    offset: int
    title: str | None
    update_time: datetime | None
    conversation: Conversation
    tools: dict[str, int]  # built-in tools run by OpenAI: counted, never third parties
    memory_writes: int
    messages: int
    # (field, message) for each field present but unreadable: summary.errors lists them.
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str | None:
        return self.conversation.id

    @property
    def create_time(self) -> datetime | None:
        return self.conversation.create_time


class FeedbackIndex:
    """message_feedback.json, joined on message id or conversation id (with or without dashes)."""

    def __init__(self, entries: list[schema.Feedback] | None = None) -> None:
        entries = entries or []
        self.message_ids = {e.message_id for e in entries if e.message_id}
        self.conversation_ids = {_plain(e.conversation_id) for e in entries if e.conversation_id}

    def __len__(self) -> int:
        return len(self.message_ids) + len(self.conversation_ids)


CONVERSATIONS = ArrayDecoder(schema.Conversation, accept=schema.Conversation.looks_like_one)


def conversation_reader(read: Callable[[int], bytes], start_offset: int = 0,
                        chunk: int = CHUNK) -> ArrayReader:
    """An ArrayReader of conversations; `start_offset` places byte 0 of `read` in the file."""
    return ArrayReader(read, CONVERSATIONS, chunk=chunk, start_offset=start_offset)


def facts_from(elements: Iterable[Element | Broken], feedback: FeedbackIndex) -> Iterator[Facts | Broken]:
    """Facts of each decoded conversation; broken ones pass through as they are."""
    for item in elements:
        yield item if isinstance(item, Broken) else extract(item.value, item.index, item.offset, feedback)


def shifted(items: list[Facts | Broken], count: int) -> Iterator[Facts | Broken]:
    """Items read from a later part of the input, renumbered after the `count` before them."""
    for item in items:
        yield item._replace(index=item.index + count)


def _plain(conversation_id: str) -> str:
    return conversation_id.replace("-", "").lower()


def to_time(value: float | str | None) -> datetime | None:
    """An export time as aware UTC; None when absent or unreadable (NaN, out of range)."""
    if value is None:
        return None
    try:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            utc = parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        else:
            utc = datetime.fromtimestamp(value, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    # A day inside datetime's range, so that showing it in any local offset cannot overflow.
    return utc if _FIRST_DAY <= utc <= _LAST_DAY else None


# ChatGPT opened to the public on 2022-11-30 (OpenAI, "Introducing ChatGPT"): a conversation
# created earlier is a damaged or hand-edited `create_time`. The export carries no date of its
# own gptpriv can trust (ZIP member times are the packer's, or 1980), so the upper bound is the
# time of this check, plus two days for clocks and time zones.
CHATGPT_LAUNCH = datetime(2022, 11, 30, tzinfo=timezone.utc)
_LATEST_ALLOWANCE = timedelta(days=2)
_LAUNCH_SECONDS = CHATGPT_LAUNCH.timestamp()
_LATEST_SECONDS = (datetime.now(timezone.utc) + _LATEST_ALLOWANCE).timestamp()
_FIRST_DAY = datetime(1, 1, 2, tzinfo=timezone.utc)
_LAST_DAY = datetime(9999, 12, 30, tzinfo=timezone.utc)


def creation_time(value: float | str | None) -> tuple[datetime | None, str | None]:
    """A conversation's `create_time`: (time, None), or (None, why) when present but
    unreadable or implausible, or (None, None) when absent. Runs once per conversation: a
    plausible epoch float, nearly every one, costs two comparisons more than before."""
    if value is None:
        return None, None
    if isinstance(value, float) and _LAUNCH_SECONDS <= value <= _LATEST_SECONDS:  # NaN fails
        return datetime.fromtimestamp(value, timezone.utc), None
    shown = show(value if isinstance(value, str) else repr(value))
    parsed = to_time(value)
    if parsed is None:
        return None, f"`create_time`: {shown} is not a time gptpriv can read"
    if parsed < CHATGPT_LAUNCH:
        return None, (f"`create_time`: {shown} ({parsed:%Y-%m-%d}) is before ChatGPT's launch on "
                      f"{CHATGPT_LAUNCH:%Y-%m-%d}")
    if parsed.timestamp() > _LATEST_SECONDS:
        return None, (f"`create_time`: {shown} ({parsed:%Y-%m-%d}) is after the time of this check "
                      "(the export carries no date of its own)")
    return parsed, None


def extract(conv: schema.Conversation, index: int, offset: int, feedback: FeedbackIndex) -> Facts:
    conversation_id = conv.conversation_id or conv.id
    gpts: dict[str, str] = {}
    projects: set[str] = set()

    def note_gizmo(gizmo: str | None, where: str, project_hint: bool = False) -> None:
        if not gizmo or not gizmo.startswith("g-"):
            return
        if gizmo.startswith("g-p-") or project_hint:
            projects.add(gizmo)
        else:
            gpts.setdefault(gizmo, where)

    template = conv.conversation_template_id or conv.gizmo_id
    note_gizmo(template, "export `conversation_template_id`", conv.gizmo_type == "snorlax")

    nodes = conv.mapping or {}
    results: dict[str, list[tuple[str, schema.Message]]] = {}
    approvals: dict[str, str] = {}
    calls_out: list[tuple[str, schema.Message]] = []  # assistant messages to another recipient
    mentioned: dict[str, None] = {}  # message-level GPT ids, in order of first use
    messages = 0
    got_feedback = bool(conversation_id and _plain(conversation_id) in feedback.conversation_ids)
    message_ids = feedback.message_ids
    # One pass over the nodes, doing as little as a plain message needs: it runs for every
    # message of the export. Only the few tool-call messages are looked at again.
    for node_id, node in nodes.items():
        message = node.message
        if message is None:
            continue
        messages += 1
        meta = message.metadata
        if meta is not None:
            if meta.gizmo_id:
                mentioned[meta.gizmo_id] = None
            jit = meta.jit_plugin_data
            if jit is not None and jit.from_client and jit.from_client.user_action:
                action = jit.from_client.user_action
                decision = (action.data.type if action.data else None) or ""
                if action.target_message_id and decision in _DECISIONS:
                    approvals[action.target_message_id] = decision
        if message_ids and (message.id or node_id) in message_ids:
            got_feedback = True
        author = message.author
        if author is None:
            continue
        role = author.role
        if role == "assistant":
            recipient = message.recipient
            if recipient and recipient != "all" and recipient != "assistant":
                calls_out.append((node_id, message))
        elif role == "tool" and node.parent:
            results.setdefault(node.parent, []).append((node_id, message))
    for gizmo in mentioned:
        note_gizmo(gizmo, "export message metadata `gizmo_id`")

    calls: list[Call] = []
    tools: Counter[str] = Counter()
    memory_writes = 0
    answered: set[str] = set()
    for node_id, message in calls_out:
        recipient = message.recipient or ""
        answered.add(node_id)
        call = _call(recipient, message, results.get(node_id, []), approvals, node_id)
        if call is not None:
            calls.append(call)
        else:
            tools[recipient.split(".")[0]] += 1
            memory_writes += recipient == "bio"
    # Tool results whose call is not in the mapping (a trimmed or partial export).
    for parent, replies in results.items():
        if parent not in answered:
            for reply_id, reply in replies:
                name = (reply.author.name if reply.author else None) or ""
                call = _call(name, reply, [(reply_id, reply)], approvals, reply_id)
                if call is not None:
                    calls.append(call)

    sources = {f"gpt:{gid}": where for gid, where in gpts.items()}
    sources.update(_SOURCES)
    created, problem = creation_time(conv.create_time)
    return Facts(
        index=index, offset=offset, title=conv.title, update_time=to_time(conv.update_time),
        conversation=Conversation(
            id=conversation_id, create_time=created, gpt_ids=tuple(sorted(gpts)),
            project_ids=tuple(sorted(projects)), temporary=bool(conv.is_temporary_chat),
            feedback=got_feedback, calls=tuple(sorted(calls, key=_call_order)), sources=sources,
            memory_writes=memory_writes, do_not_remember=bool(conv.is_do_not_remember),
            unreadable=("create_time",) if problem else ()),
        tools=dict(sorted(tools.items())), memory_writes=memory_writes, messages=messages,
        problems=(("create_time", problem),) if problem else (),
    )


# Where an export conversation's facts come from, as `--explain` names them.
_SOURCES = {"create_time": "export `create_time`", "feedback": "export message_feedback.json"}
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def _call_order(call: Call) -> tuple[datetime, str]:
    return call.time or _EARLIEST, call.party


def _call(recipient: str, message: schema.Message, replies: list[tuple[str, schema.Message]],
          approvals: dict[str, str], node_id: str) -> Call | None:
    """A third-party call (Action, plugin, connector), or None for a built-in tool."""
    metas = [m.metadata for _, m in replies if m.metadata is not None]
    if message.metadata is not None:
        metas.insert(0, message.metadata)
    # The first of each found in the call's metadata, then its results'.
    plugin = body = resource = sdk = gizmo = None
    for meta in metas:
        if plugin is None and meta.invoked_plugin and meta.invoked_plugin.namespace:
            plugin = meta.invoked_plugin
        jit = meta.jit_plugin_data
        if body is None and jit and jit.from_server and jit.from_server.body:
            body = jit.from_server.body
        resource = resource or meta.invoked_resource
        sdk = sdk or meta.chatgpt_sdk
        if gizmo is None and meta.gizmo_id and not meta.gizmo_id.startswith("g-p-"):
            gizmo = meta.gizmo_id
    namespace, _, operation = recipient.partition(".")
    if _JIT in namespace or (plugin and (plugin.namespace or "").endswith(_JIT)) or body is not None:
        kind = "action"
    elif namespace == "api_tool" or resource is not None or sdk is not None:
        kind = "connector"
    elif plugin and (plugin.plugin_id or "").startswith("plugin-"):
        kind = "plugin"
    else:
        return None  # a built-in tool (python, browser, dalle, bio, ...)
    time = to_time(message.create_time)
    approval = None
    if approvals:
        ids = [message.id or node_id, node_id] + [rid for rid, _ in replies] + \
              [m.id for _, m in replies if m.id]
        approval = next((approvals[i] for i in ids if i in approvals), None)
    source = f"export message `{message.id or node_id}`"
    if kind == "action":
        domain = body.domain if body and body.domain else None
        return Call(kind="action", party=domain or namespace, domain=domain,
                    operation=(body.operation if body and body.operation else operation) or None,
                    time=time, gpt_id=gizmo, method=(body.method or "").upper() or None if body else None,
                    path=body.path if body else None,
                    consequential=body.is_consequential if body else None,
                    privacy_policy=body.privacy_policy if body else None,
                    approval=approval, source=source)
    if kind == "connector":
        uri = (resource.resource_uri if resource else None) or ""
        segments = [s for s in uri.split("/") if s]
        party = segments[0] if segments else (sdk.resource_name if sdk and sdk.resource_name else
                                              (sdk.attribution_id if sdk else None)) or "connector"
        return Call(kind="connector", party=party, operation=segments[-1] if len(segments) > 1 else None,
                    time=time, gpt_id=gizmo, approval=approval, source=source)
    assert plugin is not None
    return Call(kind="plugin", party=plugin.namespace or namespace, operation=operation or None,
                time=time, gpt_id=gizmo, approval=approval, source=source)
