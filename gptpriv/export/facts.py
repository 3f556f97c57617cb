"""From one decoded conversation to the facts the rules need. Never message text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from gptpriv.errors import show
from gptpriv.export import schema
from gptpriv.export.stream import CHUNK, ArrayDecoder, ArrayReader, Broken, Element
from gptpriv.export.texts import Seen, Texts, findings_of, take_texts
from gptpriv.policy.channels import BUILTIN_TOOLS, UNKNOWN
from gptpriv.policy.facts import CHATGPT_LAUNCH, WHERE_THIRD_PARTY, Call, Conversation, Finding

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
        self.conversation_ids = {plain_id(e.conversation_id) for e in entries if e.conversation_id}

    def __len__(self) -> int:
        return len(self.message_ids) + len(self.conversation_ids)


CONVERSATIONS = ArrayDecoder(schema.Conversation, accept=schema.Conversation.looks_like_one)
SCANNED = ArrayDecoder(schema.ScannedConversation, accept=schema.Conversation.looks_like_one,
                       take=take_texts)


def decoder(scan: bool) -> ArrayDecoder:
    return SCANNED if scan else CONVERSATIONS


def conversation_reader(read: Callable[[int], bytes], start_offset: int = 0,
                        chunk: int = CHUNK, scan: bool = False) -> ArrayReader:
    """An ArrayReader of conversations; `start_offset` places byte 0 of `read` in the file."""
    return ArrayReader(read, decoder(scan), chunk=chunk, start_offset=start_offset)


def facts_from(elements: Iterable[Element | Broken], feedback: FeedbackIndex) -> Generator[Facts | Broken, None, None]:
    """Facts of each decoded conversation; broken ones pass through as they are."""
    for item in elements:
        yield item if isinstance(item, Broken) else extract(item.value, item.index, item.offset,
                                                            feedback, item.taken)


def shifted(items: list[Facts | Broken], count: int) -> Iterator[Facts | Broken]:
    """Items read from a later part of the input, renumbered after the `count` before them."""
    for item in items:
        yield item._replace(index=item.index + count)


def plain_id(conversation_id: str) -> str:
    """A conversation id as side files are joined on it: some write it without dashes
    (EXPORT-FORMAT.md, feedback), so dashes are dropped and case folded."""
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


# A creation time before ChatGPT's launch is a damaged or hand-edited `create_time`. The export
# carries no date of its own gptpriv can trust (ZIP member times are the packer's, or 1980), so
# the upper bound is the time of this check, plus two days for clocks and time zones.
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


def extract(conv: schema.Conversation, index: int, offset: int, feedback: FeedbackIndex,
            texts: Texts | None = None) -> Facts:
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
    results: dict[str, list[tuple[str, schema.Message]]] = {}  # tool messages by parent
    answers: dict[str, list[tuple[str, str]]] = {}  # the user's approval answers by parent
    approvals: dict[str, str] = {}
    calls_out: list[tuple[str, schema.Message]] = []  # assistant messages to another recipient
    mentioned: dict[str, None] = {}  # message-level GPT ids, in order of first use
    messages = 0
    got_feedback = bool(conversation_id and plain_id(conversation_id) in feedback.conversation_ids)
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
                decision = action.data.type if action.data else None
                if decision is not None and decision in _DECISIONS:
                    if action.target_message_id:
                        approvals[action.target_message_id] = decision
                    if node.parent:
                        answers.setdefault(node.parent, []).append((node_id, decision))
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
    seen: set[str] = set()  # nodes already taken into a call's chain
    found: Seen = Counter()  # what left in the calls' payloads
    for node_id, message in calls_out:
        recipient = message.recipient or ""
        chain = _Chain(node_id, results, answers, seen)
        call = _call(recipient, message, chain, approvals, node_id)
        if call is not None:
            calls.append(call)
            if texts is not None and texts.sent:
                _payload(texts, call, [node_id, *chain.ids], found)
        else:
            tools[recipient.split(".")[0]] += 1
            memory_writes += recipient == "bio"
    # Tool messages on no call's chain: their call is not in the mapping (a trimmed or partial
    # export). Each chain of them is still one call, read from its first tool message.
    if any(rid not in seen for replies in results.values() for rid, _ in replies):
        tool_ids = {rid for replies in results.values() for rid, _ in replies}
        answer_of = {aid: (parent, decision) for parent, pairs in answers.items()
                     for aid, decision in pairs}
        for parent, replies in results.items():
            above = answer_of[parent][0] if parent in answer_of else None
            if parent in tool_ids or parent in seen or above in tool_ids:
                continue  # reached from the first tool message of its chain
            for reply_id, reply in replies:
                if reply_id in seen:
                    continue
                chain = _Chain(reply_id, results, answers, seen, first=reply)
                if parent in answer_of and chain.decision is None:
                    chain.decision = answer_of[parent][1]  # the answer above a trimmed prompt
                name = (reply.author.name if reply.author else None) or ""
                call = _call(name, reply, chain, approvals, reply_id)
                if call is not None:
                    calls.append(call)
                    if texts is not None and texts.sent:
                        _payload(texts, call, chain.ids, found)

    sources = {f"gpt:{gid}": where for gid, where in gpts.items()}
    sources.update(_SOURCES)
    created, problem = creation_time(conv.create_time)
    problems: tuple[tuple[str, str], ...] = (("create_time", problem),) if problem else ()
    findings: tuple[Finding, ...] = ()
    if texts is not None:
        findings = findings_of(texts, found)
        if texts.unreadable:
            problems += (("mapping.*.message.content", f"{texts.unreadable} message "
                          f"{'content is' if texts.unreadable == 1 else 'contents are'} not a JSON "
                          "object: not scanned for sensitive data"),)
    return Facts(
        index=index, offset=offset, title=conv.title, update_time=to_time(conv.update_time),
        conversation=Conversation(
            id=conversation_id, create_time=created, gpt_ids=tuple(sorted(gpts)),
            project_ids=tuple(sorted(projects)), temporary=bool(conv.is_temporary_chat),
            feedback=got_feedback, calls=tuple(sorted(calls, key=_call_order)), sources=sources,
            memory_writes=memory_writes, do_not_remember=bool(conv.is_do_not_remember),
            unreadable=("create_time",) if problem else (), findings=findings),
        tools=dict(sorted(tools.items())), memory_writes=memory_writes, messages=messages,
        problems=problems,
    )


def _payload(texts: Texts, call: Call, nodes: list[str], found: Seen) -> None:
    """What left in a call that was not declined: its message's content and its parameters.
    One call is one disclosure: the parameters its prompt and its result repeat are the ones
    its message sent, so each finding counts as often as the one node that holds it most."""
    if not call.sent:
        return
    most: Seen = Counter()
    for node in dict.fromkeys(nodes):  # a node once, though named by node and message id
        most |= Counter((kind, WHERE_THIRD_PARTY, call.party, hint)
                        for kind, hint, _ in texts.sent.get(node, ()))
    found.update(most)


# Where an export conversation's facts come from, as `--explain` names them.
_SOURCES = {"create_time": "export `create_time`", "feedback": "export message_feedback.json"}
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def _call_order(call: Call) -> tuple[datetime, str]:
    return call.time or _EARLIEST, call.party


_PROMPTS = {"confirm_action", "oauth_required"}


class _Chain:
    """The nodes that follow a call, each the parent of the next, up to the next assistant
    message: the tool's approval prompt, the user's answer, the tool's result(s). Found
    through the parent links (nodes need no `children`); a node is taken by one chain only."""

    __slots__ = ("answered", "decision", "ids", "prompted", "replies")

    def __init__(self, start: str, results: dict[str, list[tuple[str, schema.Message]]],
                 answers: dict[str, list[tuple[str, str]]], seen: set[str],
                 first: schema.Message | None = None) -> None:
        self.replies: list[tuple[str, schema.Message]] = []  # tool messages: prompts and results
        self.ids: list[str] = []  # every node of the chain after the call
        self.decision: str | None = None  # the user's answer on this chain
        self.prompted = self.answered = False  # a prompt / a result on the chain
        if first is not None:  # the chain of a call that is not in the mapping
            seen.add(start)
            self._take(start, first)
        pending = [start]
        while pending:
            node_id = pending.pop(0)
            for reply_id, reply in results.get(node_id, ()):
                if reply_id not in seen:
                    seen.add(reply_id)
                    self._take(reply_id, reply)
                    pending.append(reply_id)
            for answer_id, decision in answers.get(node_id, ()):
                if answer_id not in seen:
                    seen.add(answer_id)
                    self.ids.append(answer_id)
                    self.decision = self.decision or decision
                    pending.append(answer_id)

    def _take(self, node_id: str, reply: schema.Message) -> None:
        self.replies.append((node_id, reply))
        self.ids.append(node_id)
        if reply.id:
            self.ids.append(reply.id)
        jit = reply.metadata.jit_plugin_data if reply.metadata is not None else None
        if jit is not None and jit.from_server is not None and jit.from_server.type in _PROMPTS:
            self.prompted = True
        else:
            self.answered = True


def _call(recipient: str, message: schema.Message, chain: _Chain, approvals: dict[str, str],
          node_id: str) -> Call | None:
    """A call to a third party (Action, plugin, connector) or to an unknown recipient, or
    None for a built-in tool (policy/channels.py)."""
    replies = chain.replies
    metas = [m.metadata for _, m in replies if m.metadata is not None]
    if message.metadata is not None and (not replies or message is not replies[0][1]):
        metas.insert(0, message.metadata)
    # The first of each found in the call's metadata, then its results'.
    plugin = body = resource = sdk = gizmo = None
    for meta in metas:
        if plugin is None and meta.invoked_plugin and meta.invoked_plugin.namespace:
            plugin = meta.invoked_plugin
        jit = meta.jit_plugin_data
        if (body is None or not body.domain) and jit and jit.from_server and jit.from_server.body:
            body = jit.from_server.body  # a prompt's body may lack the domain its result has
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
    elif namespace in BUILTIN_TOOLS:
        return None  # a built-in tool OpenAI runs (python, browser, dalle, bio, ...)
    else:
        kind = UNKNOWN.kind  # fails closed: what is not recognised may be a third party
    time = to_time(message.create_time)
    approval = chain.decision
    if approval is None and approvals:  # an answer that is not on the chain names its prompt
        ids = [message.id or node_id, node_id, *chain.ids]
        approval = next((approvals[i] for i in ids if i in approvals), None)
    # A declined call sent nothing; nor did one whose prompt was never allowed and that has
    # no result. Any other call (a result on its chain, or no prompt at all) sent its data.
    sent = approval != "deny" and (chain.answered or not chain.prompted
                                   or approval in ("allow", "always_allow"))
    source = f"export message `{message.id or node_id}`"
    if kind == "action":
        domain = body.domain if body and body.domain else None
        return Call(kind="action", party=domain or namespace, domain=domain,
                    operation=(body.operation if body and body.operation else operation) or None,
                    time=time, gpt_id=gizmo, method=(body.method or "").upper() or None if body else None,
                    path=body.path if body else None,
                    consequential=body.is_consequential if body else None,
                    privacy_policy=body.privacy_policy if body else None,
                    approval=approval, source=source, sent=sent)
    if kind == "connector":
        uri = (resource.resource_uri if resource else None) or ""
        segments = [s for s in uri.split("/") if s]
        party = segments[0] if segments else (sdk.resource_name if sdk and sdk.resource_name else
                                              (sdk.attribution_id if sdk else None)) or "connector"
        return Call(kind="connector", party=party, operation=segments[-1] if len(segments) > 1 else None,
                    time=time, gpt_id=gizmo, approval=approval, source=source, sent=sent)
    if kind == UNKNOWN.kind:
        return Call(kind=kind, party=namespace or "(unnamed)", operation=operation or None,
                    time=time, gpt_id=gizmo, approval=approval, source=source, sent=sent)
    assert plugin is not None
    return Call(kind="plugin", party=plugin.namespace or namespace, operation=operation or None,
                time=time, gpt_id=gizmo, approval=approval, source=source, sent=sent)
