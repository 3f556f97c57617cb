"""The parts of a ChatGPT export that gptpriv reads, as msgspec structs.

Only the fields the rules need are declared: msgspec skips everything else (message text
included) without building Python objects for it, which is what makes reading fast and is
also why message text never reaches gptpriv's memory as strings. Every field is optional:
the format changes without notice (see EXPORT-FORMAT.md).
"""

from __future__ import annotations

from typing import Any, Optional, Union

import msgspec


class Author(msgspec.Struct, gc=False):
    role: Optional[str] = None
    name: Optional[str] = None


class ActionBody(msgspec.Struct, gc=False):
    domain: Optional[str] = None
    method: Optional[str] = None
    path: Optional[str] = None
    operation: Optional[str] = None
    is_consequential: Optional[bool] = None
    privacy_policy: Optional[str] = None


class FromServer(msgspec.Struct, gc=False):
    type: Optional[str] = None
    body: Optional[ActionBody] = None


class UserActionData(msgspec.Struct, gc=False):
    type: Optional[str] = None


class UserAction(msgspec.Struct, gc=False):
    data: Optional[UserActionData] = None
    target_message_id: Optional[str] = None


class FromClient(msgspec.Struct, gc=False):
    user_action: Optional[UserAction] = None


class JitPluginData(msgspec.Struct, gc=False):
    from_server: Optional[FromServer] = None
    from_client: Optional[FromClient] = None


class InvokedPlugin(msgspec.Struct, gc=False):
    namespace: Optional[str] = None
    plugin_id: Optional[str] = None


class InvokedResource(msgspec.Struct, gc=False):
    resource_uri: Optional[str] = None
    contains_mcp_source: Optional[bool] = None


class ChatgptSdk(msgspec.Struct, gc=False):
    resource_name: Optional[str] = None
    attribution_id: Optional[str] = None


class Metadata(msgspec.Struct, gc=False):
    gizmo_id: Optional[str] = None
    invoked_plugin: Optional[InvokedPlugin] = None
    jit_plugin_data: Optional[JitPluginData] = None
    invoked_resource: Optional[InvokedResource] = None
    chatgpt_sdk: Optional[ChatgptSdk] = None


class Message(msgspec.Struct, gc=False):
    id: Optional[str] = None
    author: Optional[Author] = None
    create_time: Optional[float] = None
    recipient: Optional[str] = None
    metadata: Optional[Metadata] = None


class Node(msgspec.Struct, gc=False):
    message: Optional[Message] = None
    parent: Optional[str] = None


# Read only when the text is scanned (scan/): a message's content, and the parameters an
# Action was called with, in their JSON form: views of the bytes being decoded, never strings.
# They must be let go (export.texts.take_texts) before that buffer is reused.

class ScannedBody(ActionBody, gc=False):
    params: msgspec.Raw = msgspec.Raw()


class ScannedFromServer(FromServer, gc=False):
    body: Optional[ScannedBody] = None


class ScannedJit(JitPluginData, gc=False):
    from_server: Optional[ScannedFromServer] = None


class ScannedMetadata(Metadata, gc=False):
    jit_plugin_data: Optional[ScannedJit] = None


class ScannedMessage(Message, gc=False):
    content: msgspec.Raw = msgspec.Raw()
    metadata: Optional[ScannedMetadata] = None


class ScannedNode(Node, gc=False):
    message: Optional[ScannedMessage] = None


class Conversation(msgspec.Struct, gc=False):
    title: Optional[str] = None
    # Epoch seconds in real exports; some tools that re-save them write ISO strings.
    create_time: Union[float, str, None] = None
    update_time: Union[float, str, None] = None
    mapping: Optional[dict[str, Node]] = None
    id: Optional[str] = None
    conversation_id: Optional[str] = None
    conversation_template_id: Optional[str] = None
    gizmo_id: Optional[str] = None
    gizmo_type: Optional[str] = None
    plugin_ids: Optional[list[str]] = None
    is_temporary_chat: Optional[bool] = None
    is_do_not_remember: Optional[bool] = None

    def looks_like_one(self) -> bool:
        """Whether this object is a conversation at all (a stray object is not)."""
        return self.mapping is not None or (self.id or self.conversation_id) is not None


class ScannedConversation(Conversation, gc=False):
    mapping: Optional[dict[str, ScannedNode]] = None  # type: ignore[assignment]


class Wrapper(msgspec.Struct, gc=False):
    """`{"conversations": [...]}`, which some tools write, or a single conversation object."""

    conversations: Optional[list[Any]] = None
    mapping: Optional[dict[str, Any]] = None


class Feedback(msgspec.Struct, gc=False):
    message_id: Optional[str] = None
    conversation_id: Optional[str] = None
    rating: Optional[str] = None


class User(msgspec.Struct, gc=False):
    email: Optional[str] = None
    chatgpt_plus_user: Optional[bool] = None


class SharedConversation(msgspec.Struct, gc=False):
    """An entry of shared_conversations.json. Nothing in it says when the link was made."""

    id: Optional[str] = None  # the share id
    conversation_id: Optional[str] = None
    title: Optional[str] = None
    is_anonymous: Optional[bool] = None
