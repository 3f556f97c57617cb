"""`gptpriv doctor`: the lints of RULES.md over all profiles. Pure: profiles in, findings out."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from gptpriv.errors import InvalidValue
from gptpriv.profiles.checks import email_key
from gptpriv.profiles.model import Account, Gpt, Snapshot, Timeline

LEVELS = ("info", "warning", "error")
FAIL_LEVELS = ("warning", "error")  # what `doctor --fail-on` takes


class Finding(NamedTuple):
    rule: str
    level: str
    file: str
    message: str
    fix: str


def check_fail_level(value: str | None) -> str | None:
    if value is not None and value not in FAIL_LEVELS:
        raise InvalidValue(f"invalid --fail-on `{value}`: use warning or error")
    return value


def run_lints(snapshot: Snapshot, now: datetime) -> list[Finding]:
    findings: list[Finding] = []
    for account in snapshot.accounts:
        findings += devices_disagree(account, now)
        findings += always_allow_consequential(account, snapshot)
    for gpt in snapshot.gpts:
        findings += gpt_lints(gpt)
    findings += duplicate_emails(snapshot) + duplicate_gpt_ids(snapshot)
    return sorted(findings, key=lambda f: (-LEVELS.index(f.level), f.rule, f.file, f.message))


def devices_disagree(account: Account, now: datetime) -> list[Finding]:
    """The legacy toggle never synced: flag moments where recorded devices differ.

    Only devices with at least one recorded entry are compared: a device never recorded says
    nothing about what its switch was. One sweep over the entries in time order, keeping
    each source's value as it goes: linear in entries (50,000 entries in well under a second).
    """
    recorded = [d for d in account.devices if d.history.entries]
    sources: list[tuple[str, Timeline]] = [(d.name, d.history) for d in recorded]
    if recorded and not account.is_business:
        sources.append(("the account", account.training))
    # Stable sort on time alone: entries of one source at the same moment keep their order,
    # so the later one is applied last and wins, as Timeline.value_at has it.
    events = sorted(((e.at, i, e.allowed) for i, (_, t) in enumerate(sources) for e in t.entries),
                    key=lambda event: event[0])
    # Values are compared after the last event of each moment. Before the first event every
    # source has its default (devices on; the account's plan default or unknown), which never
    # disagree; other moments (`now`, a business account's own entries) change no value.
    values: list[bool | None] = [t.default for _, t in sources]
    found: dict[tuple[str, str], datetime] = {}  # the first moment each pair disagreed
    changed = False
    for position, (moment, source, allowed) in enumerate(events):
        changed = changed or values[source] != allowed
        values[source] = allowed
        if not changed or (position + 1 < len(events) and events[position + 1][0] == moment):
            continue  # nothing changed, or more of this moment to apply first
        changed = False
        states = [(name, value) for (name, _), value in zip(sources, values, strict=True)
                  if value is not None]
        for i, (a, a_value) in enumerate(states):
            for b, b_value in states[i + 1:]:
                if a_value != b_value:
                    found.setdefault((a, b), moment)
    return [
        Finding(
            "lint.devices_disagree", "warning", str(account.path),
            f"account {account.name}: {_pair(a, b)} disagree from {since:%Y-%m-%d %H:%M} UTC"
            + (" and still do" if _still(account, a, b, now) else ""),
            "the switch never synced: check Settings > Data controls on each device, then "
            "record what you find with `gptpriv device history-on|history-off`",
        )
        for (a, b), since in found.items()
    ]


def duplicate_emails(snapshot: Snapshot) -> list[Finding]:
    """One email on two account profiles: `check` cannot tell which an export belongs to."""
    by_email: dict[str, list[Account]] = {}
    for account in snapshot.accounts:
        key = email_key(account.email)
        if key is not None:
            by_email.setdefault(key, []).append(account)
    return [
        Finding(
            "lint.duplicate_email", "error", str(same[1].path),
            f"accounts {', '.join(a.name for a in same)} have the same email {same[0].email}: "
            "`check` cannot tell which one an export belongs to",
            "one email is one ChatGPT account: fix the wrong one with "
            f"`gptpriv account set {same[1].name} --email ...` or `gptpriv account remove {same[1].name}`",
        )
        for same in by_email.values() if len(same) > 1
    ]


def duplicate_gpt_ids(snapshot: Snapshot) -> list[Finding]:
    """One `g-...` id on two GPT profiles: their settings would be read as one GPT's."""
    by_id: dict[str, list[Gpt]] = {}
    for gpt in snapshot.gpts:
        if gpt.id:
            by_id.setdefault(gpt.id, []).append(gpt)
    return [
        Finding(
            "lint.duplicate_gpt_id", "error", str(same[1].path),
            f"GPT profiles {', '.join(g.name for g in same)} have the same id {same[0].id}: "
            f"only {same[0].name}'s settings are used for its conversations",
            f"keep one profile per GPT: fix the wrong one with `gptpriv gpt set {same[1].name} --id g-...` "
            f"or `gptpriv gpt remove {same[1].name}`",
        )
        for same in by_id.values() if len(same) > 1
    ]


def _pair(a: str, b: str) -> str:
    def name(x: str) -> str:
        return x if x == "the account" else f"device {x}"

    return f"{name(a)} and {name(b)}"


def _still(account: Account, a: str, b: str, now: datetime) -> bool:
    def value(name: str) -> bool | None:
        if name == "the account":
            return account.training.value_at(now)
        device = account.device(name)
        return device.history.value_at(now) if device else None

    return value(a) != value(b)


def always_allow_consequential(account: Account, snapshot: Snapshot) -> list[Finding]:
    findings = []
    for consent in account.consents:
        if consent.decision != "always_allow":
            continue
        gpt = snapshot.gpt_by_name(consent.gpt)
        action = gpt.action(consent.domain) if gpt else None
        if action and action.has_consequential:
            findings.append(Finding(
                "lint.always_allow_consequential", "error", str(account.path),
                f"account {account.name}: `always_allow` for {consent.domain} on GPT "
                f"{consent.gpt} (consents[{consent.index}]), which has consequential operations",
                "ChatGPT never offers Always allow for consequential operations: record what "
                f"you chose with `gptpriv consent allow|deny {consent.gpt} {consent.domain}`",
            ))
    return findings


def gpt_lints(gpt: Gpt) -> list[Finding]:
    file, found = str(gpt.path), []
    if not gpt.id:
        found.append(Finding(
            "lint.gpt_id_missing", "warning", file,
            f"GPT {gpt.name} has no `g-...` id: its conversations in an export cannot be matched",
            f"copy the id from the GPT's address (chatgpt.com/g/g-...) and run "
            f"`gptpriv gpt set {gpt.name} --id g-...`",
        ))
    for action in gpt.actions:
        policy = action.privacy_policy or ""
        if gpt.visibility in ("public", "link") and not policy.lower().startswith("https://"):
            found.append(Finding(
                "lint.public_action_no_privacy_policy", "error", file,
                f"GPT {gpt.name} is shared ({gpt.visibility}) and its action {action.domain} "
                "has no https privacy policy",
                f"`gptpriv gpt action add {gpt.name} {action.domain} --privacy-policy https://...`",
            ))
        if action.domain.lower().startswith("http://") or policy.lower().startswith("http://"):
            found.append(Finding(
                "lint.action_not_https", "warning", file,
                f"GPT {gpt.name}: action {action.domain} uses plain http "
                f"({'privacy policy' if policy.lower().startswith('http://') else 'domain'})",
                "data sent over http can be read on the way: ask the builder for https",
            ))
    if not gpt.mine and not gpt.verified_builder and gpt.actions:
        found.append(Finding(
            "lint.unverified_builder_actions", "warning", file,
            f"GPT {gpt.name} sends data to {', '.join(a.domain for a in gpt.actions)} and its "
            "builder is not recorded as verified",
            "check the builder on the GPT's page; if you trust it, record "
            f"`gptpriv gpt set {gpt.name} --verified-builder`",
        ))
    return found
