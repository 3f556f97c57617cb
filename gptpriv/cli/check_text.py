"""`check`'s text output: a view over the run's typed result (gptpriv/run/result.py)."""

from __future__ import annotations

from typing import Any

from gptpriv.cli.output import say, table, warn
from gptpriv.plural import count
from gptpriv.policy.facts import LABELS
from gptpriv.run.result import HIDDEN, Checked, Deleted, RunResult, StepResult

# A verdict's colour on a colour terminal: the more exposed, the louder.
_VERDICT_STYLES = {LABELS["eligible"]: "red", LABELS["not_eligible"]: "green", LABELS["undetermined"]: "yellow"}


def render(rows: list[Checked], result: RunResult, snapshot: Any, explain: bool, filtered: bool,
           device: str | None) -> None:
    from gptpriv.policy.verdicts import parties_in_words
    from gptpriv.timeutil import local_text

    names = {g.id: g.name for g in snapshot.gpts if g.id}
    unknown = []
    for export in result.exports:
        used = export.account or "none"
        dated = f"; as of {export.as_of:%Y-%m-%d}" if export.as_of else ""
        if dated and export.as_of_source != "manifest":
            dated += " or later (its latest conversation time)"
        say(f"{export.path}: account {used} ({export.account_reason}){dated}")
        if export.account is None:
            unknown.append(export.path)
    if unknown:  # one note per run, naming every input it concerns
        warn("gptpriv: note: the account's training setting is unknown, so most verdicts are "
             f"undetermined for {', '.join(unknown)}: record it with `gptpriv account add NAME "
             f"--from-export {unknown[0]}` and `gptpriv account opt-out --at WHEN` if you opted out")
    if rows:
        table(["created", "title", "gpt", "verdict", "reason", "third parties"], [
            [local_text(r.facts.create_time) if r.facts.create_time else "?",
             r.title[:48],
             ", ".join(names.get(g, g) for g in r.facts.conversation.gpt_ids),
             LABELS[r.verdict.verdict], r.verdict.reasons[0].rule if r.verdict.reasons else "",
             parties_in_words((d.party, d.sent) for d in r.verdict.disclosures)]
            for r in rows
        ], styles={3: _VERDICT_STYLES})
    else:
        summary = result.summary
        say("No conversation matches." if summary.total or summary.skipped or filtered
            else "No conversations in this export.")
    for row in rows if explain else []:
        _explain(row)
    say()
    summary_text(result)
    _device_note(snapshot, result, device)


def summary_of(ctx: Any, path: str, account: str | None) -> None:
    """Check one export and print only its summary (what `setup` ends with), read as `check`
    reads it: copies counted once, the manifest's warnings said."""
    from contextlib import closing

    from gptpriv.cli.common import store
    from gptpriv.cli.output import warn_problems
    from gptpriv.run import CheckRun

    run = CheckRun.open(store(ctx), [path], account=account)
    with closing(run):
        run.consume()
    for item in run.inputs:
        warn_problems(item.reader)
    summary_text(run.result()._replace(deleted=[]))


def summary_text(result: RunResult) -> None:
    """The totals, what could not be read, and the next steps: what `check` and `setup`'s
    closing check end with."""
    summary = result.summary
    say(f"{count(summary.total, 'conversation')}: {summary.verdicts['eligible']} eligible for training, "
        f"{summary.verdicts['not_eligible']} not eligible, {summary.verdicts['undetermined']} "
        f"undetermined; {summary.skipped} skipped")
    if summary.duplicates:
        say(f"{summary.duplicates} duplicate cop{'ies' if summary.duplicates != 1 else 'y'} "
            "not counted (the same conversation in more than one file or export: the latest "
            "update counts)")
    if summary.rules:
        say("By rule: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.rules.items())))
    if summary.parties:
        say("Third parties: " + ", ".join(f"{k} ({count(v, 'call')})"
                                          for k, v in sorted(summary.parties.items())))
    if summary.unknown:
        say("Unknown recipients, may be third parties: " + ", ".join(
            f"{k} ({count(v, 'call')})" for k, v in sorted(summary.unknown.items())))
    if summary.shared_links:
        elsewhere = summary.unmatched
        say(f"Shared links: {summary.shared_links}" + (
            f" ({len(elsewhere)} of a conversation not in the export: "
            + ", ".join(_link(u.link.title, None if u.hidden else u.link.url, u.hidden)
                        for u in elsewhere) + ")" if elsewhere else ""))
    if summary.library_files is not None:
        say(f"Library: {summary.library_files} files kept (deleting a chat does not delete them)")
    _deleted(result.deleted)
    for error in summary.errors:
        if error.index is None:
            continue  # a problem with the export as a whole: already a warning line
        where = f"byte {error.offset}" if error.offset is not None else f"#{error.index}"
        what = "skipped conversation" if error.skipped else "conversation"
        warn(f"gptpriv: {what} #{error.index} in {error.export} ({where}): {error.message}")
    _steps(result.steps)


def _link(title: str | None, url: str | None, hidden: bool) -> str:
    shown = f"\"{title}\" " if title and not hidden else ""
    return f"{shown}{url or HIDDEN}"


def _steps(steps: list[StepResult]) -> None:
    """RULES.md "Next steps": one line each, in its order; ids are in --json."""
    if not steps:
        return
    say()
    say("What you can do:")
    for step in steps:
        say(f"- {step.id} ({count(step.count, 'conversation')}): {step.why}. How: {step.how}")


def _device_note(snapshot: Any, result: RunResult, device: str | None) -> None:
    """Say why recorded device switches decided nothing here, rather than stay silent."""
    from gptpriv.policy.eras import DEVICE_TOGGLE
    from gptpriv.policy.switch import devices_off_in_era

    used = {e.account for e in result.exports if e.account}
    for account in (a for a in snapshot.accounts if a.name in used and not device):
        off = devices_off_in_era(account)
        if off:
            warn(f"gptpriv: note: account {account.name} has Chat History & Training off on "
                 f"{', '.join(off)} inside {DEVICE_TOGGLE.named()}; an export does not say which "
                 "device a conversation came from, and one saved to history was started with "
                 "the switch on, so these records decide no conversation of the era "
                 "(`--device NAME` reports a contradiction)")


def _deleted(deleted: list[Deleted]) -> None:
    """Conversations deleted between two exports, then each notice's text once."""
    if not deleted:
        return
    say()
    say(f"Deleted since your earlier export ({len(deleted)}):")
    notices: dict[str, str] = {}
    for d in deleted:
        title = HIDDEN if d.hidden else (d.title or "")
        since = f"{d.since:%Y-%m-%d}" if d.since else "?"
        until = f"{d.until:%Y-%m-%d}" if d.until else "?"
        say(f"  {title} ({d.id}): in {d.last_seen_in}, not in {d.missing_from}; deleted "
            f"between {since} and {until} [{', '.join(n.rule for n in d.notices)}]")
        notices.update((n.rule, n.message) for n in d.notices)
    for rule, message in notices.items():
        say(f"  {rule}: {message}")


def _explain(row: Checked) -> None:
    from gptpriv.policy.channels import BUILTIN_TOOLS
    from gptpriv.policy.facts import CHAT_URL

    facts, verdict = row.facts, row.verdict
    say()
    say(f"{facts.id}" + (f" {row.title}" if row.title else "") + f": {LABELS[verdict.verdict]}")
    if facts.id:
        say(f"  open: {CHAT_URL}{facts.id}")
    for reason in verdict.reasons:
        say(f"  {reason.rule}: {reason.message}")
        say(f"    from: {reason.source}")
    for fact in verdict.missing:
        say(f"  missing: {fact}")
    for notice in verdict.notices:
        say(f"  {notice.rule}: {notice.message}")
    if facts.tools:
        say("  built-in tools (run by OpenAI, not third parties): " + ", ".join(
            f"{BUILTIN_TOOLS.get(name, name)} {n}" for name, n in facts.tools.items()))
    for d in verdict.disclosures:
        if not d.channel.call:
            anonymous = {True: "anonymous", False: "not anonymous", None: ""}[d.anonymous]
            say(f"  {d.rule}: {d.party}: {d.url or HIDDEN}"
                + (f" ({anonymous})" if anonymous else "") + f"; {d.note}")
            continue
        flags = f" [{', '.join(d.flags)}]" if d.flags else ""
        party = d.party if d.channel.known else f"{d.party} ({d.channel.receiver})"
        say(f"  {d.rule}: {party} {d.operation or ''} at {d.time or '?'}; consequential: "
            f"{d.consequential if d.consequential is not None else 'unknown'}; consent: "
            f"{d.consent}{'' if d.sent else ' (declined, nothing sent)'}; privacy policy: "
            f"{d.privacy_policy or 'none'}{flags}")
