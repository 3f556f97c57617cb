"""Build ChatGPT exports in the shape real ones have (EXPORT-FORMAT.md), for tests, the example
in examples/ and benchmarks/check_throughput.py. Python-style separators, native key order,
a `client-created-root`, hidden system nodes and tool nodes, as ChatGPT writes them."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any


def dumps(value: Any) -> str:
    # Real exports are one line with Python-style separators and escaped non-ASCII.
    return json.dumps(value, separators=(", ", ": "))


def message(mid: str, role: str, t: float | None, *, name: str | None = None, recipient: str = "all",
            text: str = "", content_type: str = "text", metadata: dict[str, Any] | None = None,
            weight: float = 1.0) -> dict[str, Any]:
    content: dict[str, Any] = ({"content_type": "code", "language": "json", "text": text}
                               if content_type == "code" else {"content_type": content_type, "parts": [text]})
    return {"id": mid, "author": {"role": role, "name": name, "metadata": {}}, "create_time": t,
            "update_time": None, "content": content, "status": "finished_successfully",
            "end_turn": recipient == "all" and role == "assistant", "weight": weight,
            "metadata": metadata or {}, "recipient": recipient, "channel": None}


class ConversationBuilder:
    """A conversation grown as a chain of messages (branches with `branch_from`)."""

    def __init__(self, cid: str, title: str, t: float, *, gizmo_id: str | None = None,
                 gizmo_type: str | None = None) -> None:
        self.cid, self.t = cid, t
        self.mapping: dict[str, dict[str, Any]] = {
            "client-created-root": {"id": "client-created-root", "message": None, "parent": None,
                                    "children": []}}
        self.last = "client-created-root"
        self.head = {"title": title, "create_time": t, "update_time": t + 600}
        self.tail = {"moderation_results": [], "current_node": None, "plugin_ids": None,
                     "conversation_id": cid, "conversation_template_id": gizmo_id,
                     "gizmo_id": gizmo_id, "gizmo_type": gizmo_type, "is_archived": False,
                     "safe_urls": [], "default_model_slug": "gpt-4o", "id": cid}
        self.add(message(f"{cid}-sys", "system", None, weight=0.0,
                         metadata={"is_visually_hidden_from_conversation": True}))

    def add(self, msg: dict[str, Any], branch_from: str | None = None) -> str:
        parent = branch_from or self.last
        node_id = msg["id"]
        self.mapping[node_id] = {"id": node_id, "message": msg, "parent": parent, "children": []}
        self.mapping[parent]["children"].append(node_id)
        self.last = node_id
        return node_id

    def turn(self, user_text: str, answer: str, gizmo_id: str | None = None) -> None:
        self.t += 30
        meta = {"gizmo_id": gizmo_id} if gizmo_id else {}
        self.add(message(str(uuid.uuid4()), "user", self.t, text=user_text, metadata=dict(meta)))
        self.add(message(str(uuid.uuid4()), "assistant", self.t + 5, text=answer,
                         metadata={"model_slug": "gpt-4o", **meta}))

    def tool(self, recipient: str, args: str, result: str, metadata: dict[str, Any] | None = None) -> None:
        """A built-in tool call (python, browser, bio, web.run ...)."""
        self.t += 10
        self.add(message(str(uuid.uuid4()), "assistant", self.t, recipient=recipient, text=args,
                         content_type="code"))
        self.add(message(str(uuid.uuid4()), "tool", self.t + 1, name=recipient, text=result,
                         metadata=metadata or {}))

    def action(self, domain: str, operation: str, gizmo_id: str, *, method: str = "get",
               consequential: bool = False, privacy_policy: str | None = None,
               approval: str | None = None, params: str = "{}", oauth: bool = False) -> str:
        """A GPT Action call (assistant -> `<host>__jit_plugin.<op>`) as a chain of nodes, each
        the parent of the next (EXPORT-FORMAT.md 4.2): with `approval`, the tool's
        `confirm_action` prompt and the user's answer come before the result, and `deny` has
        no result; with `oauth`, an `oauth_required` prompt comes before the result."""
        self.t += 10
        namespace = domain.replace(".", "_").replace("-", "_") + "__jit_plugin"
        name = f"{namespace}.{operation}"
        call = self.add(message(str(uuid.uuid4()), "assistant", self.t, recipient=name,
                                text=params, content_type="code", metadata={"gizmo_id": gizmo_id}))
        body = {"actions": [], "connector_id": None, "domain": domain, "is_consequential": consequential,
                "method": method, "operation": operation, "path": f"/{operation}",
                "params": json.loads(params), "privacy_policy": privacy_policy}
        if oauth:
            self.add(message(str(uuid.uuid4()), "tool", self.t + 1, name=name, metadata={
                "gizmo_id": gizmo_id, "jit_plugin_data": {"from_server": {"type": "oauth_required", "body": {
                    "oauth_redirect": {"connector_id": None, "domain": domain, "gizmo_id": gizmo_id,
                                       "target_message_id": call}}}}}))
        if approval:
            confirm = self.add(message(str(uuid.uuid4()), "tool", self.t + 1, name=name,
                                       metadata={"gizmo_id": gizmo_id, "jit_plugin_data": {
                                           "from_server": {"type": "confirm_action", "body": {
                                               **body, "actions": [
                                                   {"type": t, t: {"target_message_id": call}}
                                                   for t in ("allow", "always_allow", "deny")]}}}}))
            self.add(message(str(uuid.uuid4()), "user", self.t + 2, text="", metadata={
                "jit_plugin_data": {"from_client": {"user_action": {
                    "data": {"type": approval, "operation_hash": "h"}, "target_message_id": confirm}}}}))
        if approval != "deny":
            self.add(message(str(uuid.uuid4()), "tool", self.t + 3, name=name,
                             text="{\"ok\": true}", metadata={
                                 "gizmo_id": gizmo_id,
                                 "invoked_plugin": {"http_response_status": 200, "namespace": namespace,
                                                    "plugin_id": "g-" + "ab" * 20, "type": "remote"},
                                 "jit_plugin_data": {"from_server": {"type": "preview", "body": body}}}))
        return call

    def plugin(self, namespace: str, operation: str) -> None:
        self.t += 10
        self.tail["plugin_ids"] = [f"plugin-{uuid.uuid4()}"]
        self.add(message(str(uuid.uuid4()), "assistant", self.t, recipient=f"{namespace}.{operation}",
                         text="{}", content_type="code"))
        self.add(message(str(uuid.uuid4()), "tool", self.t + 1, name=f"{namespace}.{operation}", text="ok",
                         metadata={"invoked_plugin": {"type": "remote", "namespace": namespace,
                                                      "plugin_id": self.tail["plugin_ids"][0],
                                                      "http_response_status": 200}}))

    def connector(self, app: str, operation: str) -> None:
        self.t += 10
        self.add(message(str(uuid.uuid4()), "assistant", self.t, recipient="api_tool.call_tool",
                         text=dumps({"path": f"/{app}/link_1::c1/{operation}", "args": {}}),
                         content_type="code", metadata={"chatgpt_sdk": {"resource_name": app}}))
        self.add(message(str(uuid.uuid4()), "tool", self.t + 1, name="api_tool", text="ok", metadata={
            "invoked_plugin": {}, "invoked_resource": {"resource_uri": f"/{app}/link_1/{operation}",
                                                       "contains_mcp_source": True}}))

    def memory(self, fact: str) -> None:
        """A memory write: assistant -> `bio` with the fact, then the tool's answer."""
        self.tool("bio", fact, "Model set context updated.")

    def build(self) -> dict[str, Any]:
        self.tail["current_node"] = self.last
        return {**self.head, "mapping": self.mapping, **self.tail}


# The other files of a 2026 export (EXPORT-FORMAT.md 10), as they were seen: none is read for
# a verdict, and none may break a read.
EXTRAS_2026 = {
    "user_settings.json": [{}],
    "conversation_asset_file_names.json": {"file_00000000aa.dat": "Screenshot_2026-01-01.jpg"},
    "ads.json": {"ads_profile": None, "ad_hides": []},
    "sectioned_conversations.json": [],
    "group_chats.json": {"chats": []},
    "shared_conversations.json": [],
}


def write_export(folder: Path, conversations: list[dict[str, Any]], *, email: str | None = None,
                 plus: bool | None = None, feedback: list[dict[str, Any]] | None = None,
                 zip_name: str | None = None, shards: int = 1,
                 shared: list[dict[str, Any]] | None = None, layout_2026: bool = False,
                 library: list[dict[str, Any]] | None = None, omit: tuple[str, ...] = (),
                 cut: dict[str, int] | None = None) -> Path:
    """Write an export as a folder (or a ZIP when zip_name is given); return its path.
    `shared` is shared_conversations.json (left out when None, as older exports do).

    `layout_2026`: also the other 2026 files, an attachment, `library` as library_files.json,
    and an export_manifest.json listing every file with its size (and one under `sites/`).
    Then the files in `omit` are left out and those in `cut` cut to that many bytes, as an
    interrupted download leaves them."""
    files: dict[str, str] = {}
    if shards == 1:
        files["conversations.json"] = dumps(conversations)
    else:
        size = -(-len(conversations) // shards)
        for i in range(shards):
            files[f"conversations-{i:03d}.json"] = dumps(conversations[i * size:(i + 1) * size])
    if email is not None:
        files["user.json"] = dumps({"id": "user-abc", "email": email, "chatgpt_plus_user": plus,
                                    "phone_number": None})
    files["message_feedback.json"] = dumps(feedback or [])
    if shared is not None:
        files["shared_conversations.json"] = dumps(shared)
    if layout_2026:
        files.update({name: dumps(value) for name, value in EXTRAS_2026.items()})
        files["file_00000000aa.dat"] = "\x89PNG not really"
        files["library_files.json"] = dumps(library or [])
        files["export_manifest.json"] = dumps({
            "export_files": [{"path": name, "size_bytes": len(text.encode())}
                             for name, text in sorted(files.items())],
            "logical_files": {}})
        files["sites/export_manifest.json"] = dumps({"artifacts": [], "requested_at": "2026-03-01T10:00:00Z"})
    for name in omit:
        del files[name]
    for name, length in (cut or {}).items():
        files[name] = files[name].encode()[:length].decode(errors="ignore")
    folder.mkdir(parents=True, exist_ok=True)
    if zip_name:
        path = folder / zip_name
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in sorted(files.items()):
                info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text)
        path.write_bytes(buffer.getvalue())
        return path
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder
