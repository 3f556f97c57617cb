"""`gptpriv doctor`: the lints of RULES.md over all profiles. Pure: profiles in, findings out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from gptpriv.errors import InvalidValue
from gptpriv.policy import eras
from gptpriv.policy.facts import CHATGPT_LAUNCH
from gptpriv.policy.switch import in_era_entries
from gptpriv.profiles.checks import email_key
from gptpriv.profiles.model import Account, Gpt, Snapshot

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
        findings += device_outside_era(account)
        findings += always_allow_consequential(account, snapshot)
    for gpt in snapshot.gpts:
        findings += gpt_lints(gpt)
    findings += duplicate_emails(snapshot) + duplicate_gpt_ids(snapshot) + entries_before_launch(snapshot)
    return sorted(findings, key=lambda f: (-LEVELS.index(f.level), f.rule, f.file, f.message))


def devices_disagree(account: Account, now: datetime) -> list[Finding]:
    """The legacy toggle never synced: flag moments where recorded devices differ.

    Only devices with at least one entry inside era.device_toggle are compared, only at
    moments inside it: a device never recorded says nothing about what its switch was, an
    entry outside the era is ignored (lint.device_outside_era), and after the era there is one
    account-wide control, so nothing can disagree.
    """
    histories = {d.name: d.history._replace(entries=in_era_entries(d)) for d in account.devices}
    recorded = [name for name, history in histories.items() if history.entries]
    # The last instant of the era stands for "now" once it has ended.
    last = min(now, eras.DEVICE_UNTIL - timedelta(microseconds=1))
    moments = sorted(m for m in {e.at for name in recorded for e in histories[name].entries}
                     | {e.at for e in account.training.entries} | {last}
                     if eras.in_device_era(m))

    def value(name: str, moment: datetime) -> bool | None:
        if name == "the account":
            return account.training.value_at(moment)
        return histories[name].value_at(moment)

    found: dict[tuple[str, str], datetime] = {}  # the first moment each pair disagreed
    for moment in moments:
        states = [(name, value(name, moment)) for name in recorded]
        account_value = account.training.value_at(moment)
        if account_value is not None and recorded and not account.is_business:
            states.append(("the account", account_value))
        for i, (a, a_value) in enumerate(states):
            for b, b_value in states[i + 1:]:
                if a_value != b_value:
                    found.setdefault((a, b), moment)
    still = " and still do" if eras.in_device_era(now) else (
        f" until the switch ended ({eras.DEVICE_TOGGLE.until_text()})")
    return [
        Finding(
            "lint.devices_disagree", "warning", str(account.path),
            f"account {account.name}: {_pair(a, b)} disagree from {since:%Y-%m-%d %H:%M} UTC"
            + (still if value(a, last) != value(b, last) else ""),
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


def entries_before_launch(snapshot: Snapshot) -> list[Finding]:
    """Entries dated before ChatGPT existed: no setting or consent could be changed then."""
    found = []
    for account in snapshot.accounts:
        dated = [(f"training[{e.index}]", e.at) for e in account.training.entries]
        dated += [(f"devices.{d.name}.history[{e.index}]", e.at) for d in account.devices
                  for e in d.history.entries]
        dated += [(f"consents[{c.index}]", c.at) for c in account.consents]
        found += [(str(account.path), f"account {account.name}", key, at) for key, at in dated]
    for gpt in snapshot.gpts:
        found += [(str(gpt.path), f"GPT {gpt.name}", f"training[{e.index}]", e.at) for e in gpt.training.entries]
    return [
        Finding("lint.entry_before_launch", "warning", file,
                f"{who}: `{key}` is dated {at:%Y-%m-%d %H:%M} UTC, before ChatGPT's launch on "
                f"{CHATGPT_LAUNCH:%Y-%m-%d}: no control existed then",
                "check the date and fix it in the file, or undo the entry with `remove-entry` "
                "(numbered by the matching `history` command)")
        for file, who, key, at in found if at < CHATGPT_LAUNCH
    ]


def device_outside_era(account: Account) -> list[Finding]:
    """A device entry dated when the per-device switch did not exist: the resolver ignores it."""
    era = eras.DEVICE_TOGGLE
    return [
        Finding(
            "lint.device_outside_era", "warning", str(account.path),
            f"account {account.name}: device {device.name} has an entry dated "
            f"{entry.at:%Y-%m-%d %H:%M} UTC (devices.{device.name}.history[{entry.index}]), "
            f"outside {era.named()}: that switch did not exist then, so it is ignored",
            ("after the switch ended the control is account-wide: record it with "
             f"`gptpriv account opt-out|opt-in {account.name} --at WHEN`"
             if entry.at >= eras.DEVICE_UNTIL else
             "before the switch existed, an opt-out was a privacy request: record it with "
             f"`gptpriv account opt-out {account.name} --at WHEN`")
            + "; the device entry stays ignored (edit the file, or "
            f"`gptpriv device remove {device.name} --account {account.name}`, to drop it)",
        )
        for device in account.devices for entry in device.history.entries
        if not eras.in_device_era(entry.at)
    ]


def _pair(a: str, b: str) -> str:
    def name(x: str) -> str:
        return x if x == "the account" else f"device {x}"

    return f"{name(a)} and {name(b)}"


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
