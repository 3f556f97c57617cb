"""Strings an export's author or a profile's sender could use against the person reading
gptpriv's output, an export that carries them in every field the reader extracts, and the
byte-level check that none of them reaches the output raw.

The check is written out byte by byte here, independently of `gptpriv.text`, so that a
mistake in the sanitiser's own definition cannot hide itself.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

from export_builder import ConversationBuilder, write_export

# The example: clear the screen, recolour, set the window title, overwrite the row.
TERMINAL = "Hello\x1b[2J\x1b[31mRED\x1b]0;pwned\x07\rFAKE eligible"
# Right-to-left override and isolates: the row would read differently from what it is.
BIDI = "\u202eelbigile\u202c \u2066x\u2069\u200f\u061c"
# 8-bit C1 controls (CSI, NEL, DCS, OSC) that some terminals obey when sent as UTF-8.
C1 = "\x9b2J\x85\x90\x9d0;t\x9c"
# The rest of C0, DEL, and separators some programs treat as newlines.
OTHER = "\x00\x08\x7f\t\n\x0b\x0c\u2028\u2029"
# Markup and a script address, for the report.
MARKUP = "<img src=x onerror=\"document.title='pwned'\"></title><script>document.title='pwned'</script>"
SCRIPT_URL = "javascript:document.title='pwned'"

PAYLOADS = (TERMINAL, BIDI, C1, OTHER, MARKUP)

# Any of them in UTF-8 output, except the newline that ends the tool's own lines.
_RAW = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]"
                  rb"|\xe2\x81[\xa6-\xa9]")


def raw_controls(data: bytes, allow_sgr: bool = False) -> list[bytes]:
    """The unsafe bytes in `data`; with `allow_sgr`, Rich's own colour and bold sequences
    (`ESC [ ... m`) are allowed (anything else, such as `ESC [2J` or `ESC ]`, is not)."""
    if allow_sgr:
        data = re.sub(rb"\x1b\[[0-9;]*m", b"", data)
    return _RAW.findall(data)


def hostile_export(folder: Path, zip_name: str | None = None) -> Path:
    """An export with a payload in every string the reader extracts: titles, conversation and
    message ids, GPT ids, Action domains, operations, methods, paths and privacy policies,
    plugin ids and namespaces, connector names, and user.json's email."""
    gpt = "g-" + TERMINAL
    first = ConversationBuilder("c-" + BIDI, TERMINAL, 1.70e9, gizmo_id=gpt, gizmo_type="gpt")
    first.turn("q", "a", gizmo_id=gpt)
    call = first.action("evil" + TERMINAL + ".example", "op" + BIDI, gpt, method="get" + C1,
                        privacy_policy=SCRIPT_URL, approval="allow")
    first.mapping[call]["message"]["id"] = "m-" + C1
    first.plugin("plug" + TERMINAL, "run" + OTHER)
    plugin_id = first.tail["plugin_ids"][0] + BIDI
    first.tail["plugin_ids"] = [plugin_id]
    first.mapping[first.last]["message"]["metadata"]["invoked_plugin"]["plugin_id"] = plugin_id
    first.connector("conn" + C1, "read" + TERMINAL)
    second = ConversationBuilder("c-2" + OTHER, BIDI + MARKUP, 1.71e9, gizmo_id="g-" + BIDI, gizmo_type="gpt")
    second.turn("q", "a", gizmo_id="g-" + C1)
    second.action("api" + OTHER + ".example", "op" + C1, "g-" + BIDI, privacy_policy="https://x.example/p" + BIDI)
    third = ConversationBuilder("c-3", C1 + OTHER, 1.72e9)
    third.action("ok.example", "op", "g-plain", privacy_policy="https://ok.example/privacy")
    conversations = [first.build(), second.build(), third.build()]
    for conv in conversations:  # paths the Action bodies declare
        for node in conv["mapping"].values():
            body = _body(node)
            if body is not None:
                body["path"] = "/p" + TERMINAL
    return write_export(folder, conversations, email="me" + TERMINAL + "@example.com", zip_name=zip_name)


def _body(node: dict[str, Any]) -> dict[str, Any] | None:
    meta = (node.get("message") or {}).get("metadata") or {}
    server = (meta.get("jit_plugin_data") or {}).get("from_server") or {}
    return server.get("body")


# Fields the reader extracts, by key, wherever they are in a conversation.
EXTRACTED = {"title", "id", "conversation_id", "conversation_template_id", "gizmo_id", "recipient",
             "name", "domain", "method", "path", "operation", "privacy_policy", "namespace",
             "plugin_id", "resource_uri", "resource_name", "attribution_id", "target_message_id"}


def plant(value: Any, rng: random.Random) -> Any:
    """`value` with a payload added to every extracted string field (and to `plugin_ids`);
    prefixes the reader keys on (`g-`, `plugin-`) and namespaces' dots are kept."""
    if isinstance(value, list):
        return [plant(v, rng) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in EXTRACTED and isinstance(item, str):
            out[key] = _spiked(item, rng)
        elif key == "plugin_ids" and isinstance(item, list):
            out[key] = [_spiked(v, rng) if isinstance(v, str) else v for v in item]
        else:
            out[key] = plant(item, rng)
    return out


def _spiked(text: str, rng: random.Random) -> str:
    payload = rng.choice(PAYLOADS)
    head, dot, tail = text.partition(".")
    return head + payload + dot + tail if dot else text + payload
