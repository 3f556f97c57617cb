"""The ways a conversation reaches someone other than OpenAI (RULES.md, "Who can see the
conversation"), one entry each: how the export shows it, who receives, the rule that reports
it and the next step it calls for.

A new channel (a group chat, a merchant) is one entry here, plus its recognition in
`export/facts.py` and its wording in the rule table; the resolver, the steps, the summary and
the views read what they need from the entry. Pure data: the export reader imports it too.

Recognition fails closed: a tool recipient that is neither a built-in tool OpenAI runs
(`BUILTIN_TOOLS`) nor recognised as an Action, plugin or connector is an `unknown` recipient,
reported as one that may be a third party, never counted as a built-in tool.
"""

from __future__ import annotations

from typing import NamedTuple


class Channel(NamedTuple):
    kind: str  # what a Call's `kind` says
    rule: str  # the disclosure rule that reports it
    step: str  # the next step it calls for
    receiver: str  # who receives, in words
    recognised: str  # how the export shows it
    # A call sends parts of the chat when it runs, and is counted among the parties that
    # received data when it was sent; a link is a way for anyone to read the chat.
    call: bool = True
    # The receiver is known to be a third party (an unknown recipient only may be one).
    known: bool = True


ACTION = Channel(
    "action", "disclosure.action", "step.review_third_parties", "the Action's domain",
    "an assistant message to `<namespace>__jit_plugin.<operation>`, or one whose metadata has "
    "`jit_plugin_data.from_server.body`")
PLUGIN = Channel(
    "plugin", "disclosure.plugin", "step.review_third_parties", "the plugin's service",
    "a call whose metadata has `invoked_plugin` with a `plugin-...` id")
CONNECTOR = Channel(
    "connector", "disclosure.connector", "step.review_third_parties", "the connector's app",
    "a call to `api_tool.*`, or one whose metadata has `invoked_resource` or `chatgpt_sdk`")
UNKNOWN = Channel(
    "unknown", "disclosure.unknown_recipient", "step.review_third_parties",
    "an unknown recipient, may be a third party",
    "an assistant message to a recipient that is neither a built-in tool nor recognised as an "
    "Action, plugin or connector", known=False)
SHARED_LINK = Channel(
    "shared_link", "disclosure.shared_link", "step.revoke_shared_links", "anyone with the link",
    "an entry of `shared_conversations.json` for the conversation", call=False)

CHANNELS: tuple[Channel, ...] = (ACTION, PLUGIN, CONNECTOR, UNKNOWN, SHARED_LINK)
BY_KIND = {c.kind: c for c in CHANNELS}
BY_RULE = {c.rule: c for c in CHANNELS}
CALL_RULES = tuple(c.rule for c in CHANNELS if c.call)

# Built-in tools, run by OpenAI and never third parties (RULES.md), by the recipient's first
# word, with the name people know them by. Only tools the export format documents are here
# (EXPORT-FORMAT.md, "Built-in tools"); anything else is an unknown recipient.
BUILTIN_TOOLS = {"browser": "browsing", "web": "web search", "python": "python",
                 "dalle": "image generation", "image_gen": "image generation", "bio": "memory",
                 "file_search": "file search", "myfiles_browser": "file search",
                 "canmore": "canvas", "research_kickoff_tool": "deep research",
                 "container": "code execution", "computer": "computer use"}
