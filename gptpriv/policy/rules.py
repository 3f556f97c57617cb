"""The rule table of RULES.md as data: ids, order, effects and the sources a user can check.

The resolver and the lints refer to rules by these ids; `gptpriv rules` prints this table.
"""

from __future__ import annotations

from typing import NamedTuple

from gptpriv.policy.facts import ELIGIBLE, NOT_ELIGIBLE, UNDETERMINED


class Rule(NamedTuple):
    id: str
    kind: str  # "training", "disclosure", "notice" or "lint"
    step: int | None  # evaluation order for training rules; the first step that decides ends it
    when: str
    effect: str
    source: str
    paraphrase: bool = False  # the source's exact wording was not kept: we say so
    # A training rule as the table's REASON column says it, in plain words; "{since}" is the
    # date of the entry that decided, when there is one.
    words: str = ""


_HELP = "https://help.openai.com/en/articles/"
_FAQ = f"OpenAI Help Center, \"GPTs Data Privacy FAQs\" (article 8554402, {_HELP}8554402)"
_DATA_CONTROLS = ("OpenAI Help Center, data controls FAQ: switching training off covers "
                  "\"any conversations created while training is disabled\"; the privacy "
                  "portal's opt-out \"is forward looking\"; before the account-wide control, "
                  f"article 7039943 ({_HELP}7039943): \"This opt out will apply on a "
                  "going-forward basis only.\"")
_NEW_WAYS = ("OpenAI, \"New ways to manage your data in ChatGPT\" (2023-04-25): chats started "
             "with history off are not used for training, do not appear in the sidebar; the "
             "switch \"does not sync across browsers or devices\"")
_TEMPORARY = f"OpenAI Help Center, Temporary Chat FAQ (article 8914046, {_HELP}8914046)"
_ACTIONS = ("OpenAI, GPT Actions production notes: `x-openai-isConsequential`; without it, GET is "
            "not consequential and every other method is")

RULES: tuple[Rule, ...] = (
    Rule("plan.business", "training", 1,
         "the plan is team (now business), business, enterprise or edu; or api for a conversation "
         "created on or after 2023-03-01 (era.api_not_trained)", NOT_ELIGIBLE,
         f"{_FAQ}: API, ChatGPT Team and Enterprise content is not used for training by default; "
         "Edu and Business follow the business terms; OpenAI API data usage policy (2023-03-01); "
         f"article 12003714 ({_HELP}12003714): \"As of August 29th, 2025, we've renamed ChatGPT "
         "Team to ChatGPT Business\"",
         words="business plan: not trained on"),
    Rule("chat.temporary", "training", 2, "the conversation is a temporary chat", NOT_ELIGIBLE,
         f"{_TEMPORARY}: temporary chats \"won't be used to improve our models\"",
         words="temporary chat"),
    Rule("account.training_off", "training", 3,
         "the account-wide control was off at the conversation's creation, and no feedback",
         NOT_ELIGIBLE, _DATA_CONTROLS,
         words="opted out{since}"),
    Rule("device.history_off", "training", 3,
         "for a conversation not started yet (status): the named device's Chat History & "
         "Training switch was off at creation, inside era.device_toggle, and no feedback "
         "(never for an export conversation: see device.contradiction)",
         NOT_ELIGIBLE, _NEW_WAYS,
         words="history off on the device{since}"),
    Rule("gpt.builder_training_off", "training", 4,
         "a GPT conversation whose builder had training off at creation",
         f"{NOT_ELIGIBLE}; {UNDETERMINED} with feedback (the sources do not say whether feedback "
         "overrides a builder's opt-out)",
         f"{_FAQ}: GPT builders can opt their GPT's conversations out of training",
         words="the GPT builder opted out{since}"),
    Rule("account.setting_unknown", "training", 5,
         "the account-wide control is unknown at creation (no account profile, or no plan and "
         "no entry yet), and no feedback", UNDETERMINED,
         "no source: gptpriv never guesses an unknown setting into a yes or a no",
         words="account setting not recorded"),
    Rule("device.carried_over", "training", 5,
         "created after era.device_toggle ended, no account-wide entry at or before creation, "
         "and some device of the account was off when the era ended; no feedback",
         f"{UNDETERMINED} (OpenAI said a previous opt-out \"will remain\", without saying how "
         "per-device choices became one account-wide value: record the account-wide setting)",
         f"OpenAI Help Center, Data Controls FAQ (article 7730893, {_HELP}7730893): \"If you've "
         "previously opted out, your choice will remain.\"",
         words="device opt-out: account setting not recorded"),
    Rule("gpt.builder_setting_unknown", "training", 6,
         "a GPT conversation whose builder setting is unknown (no profile, or someone else's GPT "
         "with no entry)", UNDETERMINED,
         f"{_FAQ}: the builder's choice counts, but is \"ultimately decided by the user's own "
         "privacy controls\": an opt-out at step 3 is enough, otherwise the builder's choice "
         "must be known",
         words="builder's setting unknown"),
    Rule("feedback.given", "training", 7,
         "feedback was given while the user was opted out or unknown", ELIGIBLE,
         "OpenAI Help Center, \"How your data is used to improve model performance\" (article "
         f"5722486, {_HELP}5722486), FAQ \"What if I submit feedback after opting out?\": \"If "
         "you proactively choose to submit feedback, such as by selecting thumbs up or thumbs "
         "down on a response, the entire conversation associated with that feedback may be used "
         "to improve our models, even if you've opted out.\"",
         words="you gave feedback"),
    Rule("consumer.default", "training", 8, "none of the above", ELIGIBLE,
         f"{_FAQ}: consumer content (Free, Plus, Pro), chats with GPTs included, may be used to "
         "improve models unless the user opts out",
         words="training allowed when created"),
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
    Rule("disclosure.unknown_recipient", "disclosure", None,
         "a call to a recipient that is neither a built-in tool nor recognised as an Action, "
         "plugin or connector",
         "reports the recipient as one that may be a third party, never as a built-in tool",
         "gptpriv: fails closed on tool names it does not know; only the built-in tools the "
         "export format documents (run by OpenAI) are never third parties"),
    Rule("disclosure.undeclared_domain", "disclosure", None,
         "an Action domain that the GPT's profile does not list",
         "flags the call: data went somewhere the user did not know about",
         "gptpriv: compares the export with your GPT profile"),
    Rule("disclosure.shared_link", "disclosure", None,
         "each shared link of the conversation (shared_conversations.json)",
         "anyone with the link can read the conversation up to the point it was shared, until "
         "the link is deleted; until 2025-07-31 a link could be made discoverable by search "
         "engines, and the export does not say whether one was",
         "OpenAI Help Center, \"Shared links FAQ\" (articles 7925741, 8798634): \"Anyone who has "
         "a link created from a personal account can view the shared conversation\"; "
         "discoverable links removed on 2025-07-31 (OpenAI's CISO, reported 2025-07-31)"),
    Rule("memory.written", "notice", None, "the conversation wrote to Memory (`bio` calls)",
         "what was saved is used in later conversations until deleted in Settings > "
         "Personalization > Memory; deleting the chat does not delete the memory",
         "OpenAI, \"Memory and new controls for ChatGPT\" (2024-02-13); Help Center, Memory FAQ"),
    Rule("memory.excluded", "notice", None, "`is_do_not_remember` is true",
         "the conversation was excluded from Memory", "the export's `is_do_not_remember` flag"),
    Rule("device.contradiction", "notice", None,
         "an export conversation created inside era.device_toggle, with --device D whose switch "
         "was off at creation",
         "the conversation was saved to history, so it was not started with the switch off on "
         "D: it came from another device, or the record is wrong; the other rules decide",
         f"{_NEW_WAYS}; ChatGPT's text for the switch: \"Chats won't be saved in your history "
         "or used for training\""),
    Rule("retention.temporary", "notice", None, "status --temporary",
         "a temporary chat is kept up to 30 days for safety, then deleted",
         f"{_TEMPORARY}; OpenAI (2024-02-13)"),
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
         "status --temporary at a time inside era.preservation_order (2025-05-13 – 2025-09-26), "
         "or a conversation deleted between two exports whose window overlaps it; on a consumer "
         "plan or Team/Business (not Enterprise or Edu)",
         "a court order in NYT v. OpenAI required OpenAI to preserve output logs that would "
         "otherwise have been deleted; OpenAI still holds \"limited historical April–September "
         "2025 user data\"",
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
         "someone else's GPT, builder not recorded as verified, with Actions", "warning",
         "OpenAI: builders can verify their identity; unverified builders' Actions deserve a look"),
    Rule("lint.always_allow_consequential", "lint", None,
         "an `always_allow` decision on a domain with a consequential operation", "error",
         f"{_ACTIONS}; ChatGPT shows no \"Always allow\" for consequential operations"),
    Rule("lint.gpt_id_missing", "lint", None, "a GPT profile without a `g-...` id", "warning",
         "gptpriv: exports name GPTs only by id"),
    Rule("lint.duplicate_email", "lint", None,
         "two account profiles with the same email (compared trimmed, ignoring case)", "error",
         "gptpriv: an export names its account only by the email in user.json"),
    Rule("lint.duplicate_gpt_id", "lint", None, "two GPT profiles with the same `g-...` id", "error",
         "gptpriv: exports name GPTs only by id, so one id can have only one profile"),
    Rule("lint.entry_before_launch", "lint", None,
         "a timeline or consent entry dated before ChatGPT's launch (2022-11-30)", "warning",
         "OpenAI, \"Introducing ChatGPT\" (2022-11-30): no control existed before"),
    Rule("lint.device_outside_era", "lint", None,
         "a device timeline entry dated outside era.device_toggle (2023-04-25 – about "
         "2024-04-30): that switch did not exist then, and the resolver ignores the entry",
         "warning",
         _NEW_WAYS),
)

BY_ID = {rule.id: rule for rule in RULES}
