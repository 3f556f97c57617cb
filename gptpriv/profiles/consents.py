"""The user's consent decisions for GPT Actions, kept in the account's profile: whether
ChatGPT may send data to a (GPT, domain) pair, from a moment on."""

from __future__ import annotations

from datetime import datetime

from gptpriv.errors import InvalidValue, show
from gptpriv.profiles.accounts import load_account
from gptpriv.profiles.checks import check_domain
from gptpriv.profiles.gpts import load_gpt
from gptpriv.profiles.store import Store
from gptpriv.profiles.timelines import insert_entry

# The words the CLI takes, and the decision each records.
CONSENT_WORDS = {"allow": "allow", "always": "always_allow", "deny": "deny", "reset": "reset"}


def record_consent(store: Store, account: str, gpt_name: str, domain: str, word: str,
                   at: datetime) -> list[str]:
    """Record a consent decision; returns warnings worth showing (never blocks on them)."""
    decision = CONSENT_WORDS[word]
    host = check_domain(domain)
    gpt = load_gpt(store, gpt_name)
    action = gpt.action(host)
    warnings = []
    if action is None:
        warnings.append(f"GPT {gpt.name} does not declare an action for {host}: "
                        f"`gptpriv gpt action add {gpt.name} {host}` records it")
    if decision == "always_allow" and action is not None and action.has_consequential:
        ops = ", ".join(op.id for op in action.operations if op.consequential)
        raise InvalidValue(
            f"cannot record `always` for {show(host)}: its operation(s) {ops} are consequential, "
            "and ChatGPT asks before every consequential call (record `allow` instead)"
        )
    account_data = load_account(store, account)
    path = account_data.path
    with store.editing(path, "account") as data:
        entry = {"gpt": gpt.name, "domain": host, "decision": decision, "at": at}
        insert_entry(data.setdefault("consents", []), entry)
    return warnings
