"""The rule table of RULES.md as data: ids, order, effects and the sources a user can check.

The resolver and the lints refer to rules by these ids; `gptpriv rules` prints this table.
"""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    id: str
    kind: str  # "training", "disclosure", "notice" or "lint"
    step: int | None  # evaluation order for training rules; the first step that decides ends it
    when: str
    effect: str
    source: str
    paraphrase: bool = False  # the source's exact wording was not kept: we say so


_FAQ = "OpenAI Help Center, \"GPTs Data Privacy FAQs\" (article 8554402)"
_DATA_CONTROLS = ("OpenAI Help Center, data controls FAQ: switching training off covers "
                  "\"any conversations created while training is disabled\"; the privacy "
                  "portal's opt-out \"is forward looking\"")
_ACTIONS = ("OpenAI, GPT Actions production notes: `x-openai-isConsequential`; without it, GET is "
            "not consequential and every other method is")

RULES: tuple[Rule, ...] = (
    Rule("plan.business", "training", 1,
         "the plan is team, business, enterprise, edu or api", "not_eligible",
         f"{_FAQ}: API, ChatGPT Team and Enterprise content is not used for training by default; "
         "Edu and Business follow the business terms"),
    Rule("chat.temporary", "training", 2, "the conversation is a temporary chat", "not_eligible",
         "OpenAI Help Center, Temporary Chat FAQ (article 8914046): temporary chats \"won't be "
         "used to improve our models\""),
    Rule("account.training_off", "training", 3,
         "the account-wide control was off at the conversation's creation, and no feedback",
         "not_eligible", _DATA_CONTROLS),
    Rule("device.history_off", "training", 3,
         "the named device's Chat History & Training switch was off at creation, and no feedback",
         "not_eligible",
         "OpenAI, \"New ways to manage your data in ChatGPT\" (2023-04-25): chats started with "
         "history off are not used for training; the switch \"does not sync across devices\""),
    Rule("gpt.builder_training_off", "training", 4,
         "a GPT conversation whose builder had training off at creation",
         "not_eligible; undetermined with feedback (the sources do not say whether feedback "
         "overrides a builder's opt-out)",
         f"{_FAQ}: GPT builders can opt their GPT's conversations out of training"),
    Rule("account.setting_unknown", "training", 5,
         "the account-wide control is unknown at creation (no account profile, or no plan and "
         "no entry yet), and no feedback", "undetermined",
         "no source: gptpriv never guesses an unknown setting into a yes or a no"),
    Rule("gpt.builder_setting_unknown", "training", 6,
         "a GPT conversation whose builder setting is unknown (no profile, or someone else's GPT "
         "with no entry)", "undetermined",
         f"{_FAQ}: the builder's choice counts, but is \"ultimately decided by the user's own "
         "privacy controls\": an opt-out at step 3 is enough, otherwise the builder's choice "
         "must be known"),
    Rule("feedback.given", "training", 7,
         "feedback was given while the user was opted out or unknown", "eligible",
         "OpenAI data controls FAQ: feedback given even after opting out may make the entire "
         "conversation usable for training", paraphrase=True),
    Rule("consumer.default", "training", 8, "none of the above", "eligible",
         f"{_FAQ}: consumer content (Free, Plus, Pro), chats with GPTs included, may be used to "
         "improve models unless the user opts out"),
    Rule("builder.no_access", "disclosure", None, "a GPT conversation",
         "the builder cannot read it; only Actions send data out",
         f"{_FAQ}: builders \"cannot view individual conversations\""),
    Rule("disclosure.action", "disclosure", None, "a GPT Action call",
         "reports domain, operation, method, path, time, consequential, privacy policy, consent",
         f"{_FAQ}: with Actions \"relevant parts of your input may be sent to the third-party "
         "service. OpenAI does not audit or control how those services use or store your data\""),
    Rule("disclosure.plugin", "disclosure", None, "a legacy plugin call",
         "reports the plugin and operation; a plugin only enabled received nothing",
         "ChatGPT plugins (2023): calls go to the plugin's own API"),
    Rule("disclosure.connector", "disclosure", None, "a connector or app call",
         "reports the connector and operation", "ChatGPT apps and connectors (2025)"),
    Rule("disclosure.undeclared_domain", "disclosure", None,
         "an Action domain that the GPT's profile does not list",
         "flags the call: data went somewhere the user did not know about",
         "gptpriv: compares the export with your GPT profile"),
    Rule("retention.deleted", "notice", None,
         "a conversation in an earlier export of the account and not in the newest",
         "deleted chats are removed from OpenAI's systems within 30 days, unless already "
         "de-identified and disassociated from the account, or kept for security or legal "
         "obligations",
         "OpenAI Help Center, chat deletion FAQ: \"scheduled for permanent deletion from "
         "OpenAI's systems within 30 days, unless it has already been de-identified and "
         "disassociated from your account, or OpenAI must retain it for security or legal "
         "obligations\""),
    Rule("retention.preservation_order", "notice", None,
         "a conversation deleted between two exports, the window overlapping 2025-05-13 to "
         "2025-09-26 (era.preservation_order), on a consumer plan or Team/Business (not "
         "Enterprise or Edu)",
         "a court order required OpenAI to preserve output logs that would otherwise have been "
         "deleted; OpenAI still holds \"limited historical April–September 2025 user data\"",
         "OpenAI, \"How we're responding to The New York Times' data demands\" (2025-06-05, "
         "updated 2025-10-22): the order of 2025-05-13 covered ChatGPT Free, Plus, Pro and Team "
         "and the API without zero data retention; \"Our obligations under the earlier order "
         "ended on September 26, 2025.\""),
    Rule("lint.devices_disagree", "lint", None,
         "devices of one account (or a device and the account) differ at the same moment",
         "warning", "OpenAI, 2023-04-25: the switch \"does not sync across devices\""),
    Rule("lint.public_action_no_privacy_policy", "lint", None,
         "a public or link-shared GPT has an Action without an https privacy policy", "error",
         "OpenAI GPT Actions: public GPTs with Actions must give a privacy policy URL"),
    Rule("lint.action_not_https", "lint", None,
         "an Action domain or privacy policy that is not https", "warning", _ACTIONS),
    Rule("lint.unverified_builder_actions", "lint", None,
         "someone else's GPT, builder not verified, with Actions", "warning",
         "OpenAI: builders can verify their identity; unverified builders' Actions deserve a look"),
    Rule("lint.always_allow_consequential", "lint", None,
         "an `always_allow` decision on a domain with a consequential operation", "error",
         f"{_ACTIONS}; ChatGPT shows no \"Always allow\" for consequential operations"),
    Rule("lint.gpt_id_missing", "lint", None, "a GPT profile without a `g-...` id", "warning",
         "gptpriv: exports name GPTs only by id"),
)

BY_ID = {rule.id: rule for rule in RULES}
