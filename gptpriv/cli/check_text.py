"""`check`'s text output: a view over the run's typed result (gptpriv/run/result.py)."""

from __future__ import annotations

from typing import Any

from gptpriv.cli.output import say, say_wrapped, table, warn, warn_wrapped
from gptpriv.plural import count
from gptpriv.policy.facts import ELIGIBLE, LABELS, NOT_ELIGIBLE, UNDETERMINED
from gptpriv.policy.steps import StepResult
from gptpriv.run.result import HIDDEN, Checked, Deleted, RunResult

# A verdict's colour on a colour terminal: the more exposed, the louder.
_VERDICT_STYLES = {LABELS[ELIGIBLE]: "red", LABELS[NOT_ELIGIBLE]: "green", LABELS[UNDETERMINED]: "yellow"}


def render(rows: list[Checked], result: RunResult, snapshot: Any, explain: bool, filtered: bool,
           device: str | None, ids: bool = False) -> None:
    from gptpriv.policy.verdicts import parties_in_words
    from gptpriv.timeutil import local_text

    names = {g.id: g.name for g in snapshot.gpts if g.id}
    say_headline(result, snapshot)
    say()
    if rows:
        # What the text holds, as a column of its own only when something was found.
        holds = [_holds(r) for r in rows]
        extra = ["holds"] if any(holds) else []
        table(["created", "title", "gpt", "verdict", "reason", "third parties", *extra], [
            [local_text(r.facts.create_time) if r.facts.create_time else "?",
             _short(r.title),
             ", ".join(names.get(g, g) for g in r.facts.conversation.gpt_ids),
             LABELS[r.verdict.verdict],
             (r.verdict.reasons[0].rule if ids or explain else r.verdict.reasons[0].words())
             if r.verdict.reasons else "",
             parties_in_words((d.party, d.sent) for d in r.verdict.disclosures),
             *([held] if extra else [])]
            for r, held in zip(rows, holds, strict=True)
        ], styles={3: _VERDICT_STYLES})
    else:
        summary = result.summary
        say("No conversation matches." if summary.total or summary.skipped or filtered
            else "No conversations in this export.")
    for row in rows if explain else []:
        _explain(row)
    say()
    _read_from(result)
    summary_text(result, ids=ids or explain)
    _notes(snapshot, result, device, explain)


def _holds(row: Checked) -> str:
    """The kinds of sensitive data a conversation holds, in words, each once."""
    from gptpriv.scan.kinds import BY_ID

    return ", ".join(dict.fromkeys(BY_ID[f.kind].words.split(" ", 1)[1] for f in row.findings))


def _short(title: str, most: int = 48) -> str:
    """A title shortened for the table at a word boundary (a single long word stays whole)."""
    if len(title) <= most:
        return title
    cut = title.rfind(" ", 0, most)
    return (title[:cut] if cut > 0 else title) + "…"


def _read_from(result: RunResult) -> None:
    """Which account each input was checked against, and why."""
    for export in result.exports:
        used = export.account or "none"
        dated = f"; as of {export.as_of:%Y-%m-%d}" if export.as_of else ""
        if dated and export.as_of_source != "manifest":
            dated += " or later (its latest conversation time)"
        say_wrapped(f"{export.path}: account {used} ({plain(export.account_reason)}){dated}", "", "  ")


def say_headline(result: RunResult, snapshot: Any) -> None:
    """The answer first (run/headline.py): how many, when, whose, then what is exposed."""
    from gptpriv.run.headline import headline

    found = headline(result, snapshot)
    say_wrapped(found.first)
    figures = [*found.lines, *found.findings]
    width = max((len(str(line.count)) for line in figures), default=1)
    for line in figures:
        number = f"  {line.count:>{width}} "
        say_wrapped(line.words, number, " " * len(number) + "  ")


def plain(text: str) -> str:
    """A core message as default output says it: values are marked with backticks for
    --explain; here they are just words."""
    return text.replace("`", "")


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
    say_headline(run.result(), run.snapshot)
    summary_text(run.result()._replace(deleted=[]))


def summary_text(result: RunResult, ids: bool = False) -> None:
    """The totals, what could not be read, and the next steps: what `check` and `setup`'s
    closing check end with; rule and step ids with `ids`."""
    summary = result.summary
    if summary.duplicates:
        say_wrapped(f"{summary.duplicates} duplicate cop{'ies' if summary.duplicates != 1 else 'y'} "
                    "not counted (the same conversation in more than one file or export: the latest "
                    "update counts)")
    if summary.rules and ids:
        say_wrapped("By rule: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.rules.items())))
    if summary.parties:
        say_wrapped("Third parties: " + ", ".join(f"{k} ({count(v, 'call')})"
                                                  for k, v in sorted(summary.parties.items())))
    if summary.unknown:
        say_wrapped("Unknown recipients, may be third parties: " + ", ".join(
            f"{k} ({count(v, 'call')})" for k, v in sorted(summary.unknown.items())))
    if summary.shared_links:
        elsewhere = summary.unmatched
        say_wrapped(f"Shared links: {summary.shared_links}" + (
            f" ({len(elsewhere)} of a conversation not in the export: "
            + ", ".join(_link(u.link.title, None if u.hidden else u.link.url, u.hidden)
                        for u in elsewhere) + ")" if elsewhere else ""))
    if summary.library_files is not None:
        say_wrapped(f"Library: {summary.library_files} files kept (deleting a chat does not delete them)")
    _deleted(result.deleted, ids)
    for error in summary.errors:
        if error.index is None:
            continue  # a problem with the export as a whole: already a warning line
        where = f"byte {error.offset}" if error.offset is not None else f"#{error.index}"
        what = "skipped conversation" if error.skipped else "conversation"
        warn(f"gptpriv: {what} #{error.index} in {error.export} ({where}): {error.message}")
    steps_text(result.steps, ids=ids)


def _link(title: str | None, url: str | None, hidden: bool) -> str:
    shown = f"\"{title}\" " if title and not hidden else ""
    return f"{shown}{url or HIDDEN}"


def steps_text(steps: list[StepResult], ids: bool = False) -> None:
    """RULES.md "Next steps", in its order: a numbered title with the count, then one line
    of why and one of how, wrapped; commands on lines of their own. Ids with `ids`."""
    if not steps:
        return
    say()
    say("What you can do:")
    for n, step in enumerate(steps, 1):
        number = f"{n}. "
        say_wrapped(step.title + (f" [{step.id}]" if ids else ""), number)
        indent = " " * len(number)
        say_wrapped(" ".join((step.step.because, *step.notes)), f"{indent}Why: ")
        say_wrapped(step.step.todo, f"{indent}How: ")
        for command in step.step.commands:
            say(f"{indent}     {command}")


def _notes(snapshot: Any, result: RunResult, device: str | None, explain: bool) -> None:
    """Notes on stderr, one or two short lines each; the detail with --explain."""
    from gptpriv.policy.eras import DEVICE_TOGGLE
    from gptpriv.policy.switch import devices_off_in_era

    unknown = [e.path for e in result.exports if e.account is None]
    if unknown:  # one note per run, naming every input it concerns
        warn(f"gptpriv: note: no account profile for {', '.join(unknown)}: most verdicts are "
             "undetermined.")
        warn(f"  Record it: gptpriv setup --from-export {unknown[0]}")
    used = {e.account for e in result.exports if e.account}
    for account in (a for a in snapshot.accounts if a.name in used and not device):
        off = devices_off_in_era(account)
        if not off:
            continue
        warn(f"gptpriv: note: the switch recorded off on {', '.join(off)} decides no conversation "
             "here:")
        warn("  an export does not say which device a chat came from" +
             ("." if explain else " (--explain says more)."))
        if explain:
            warn_wrapped(f"Account {account.name} has Chat History & Training off on "
                         f"{', '.join(off)} inside {DEVICE_TOGGLE.named()}; a chat saved to history "
                         "(as every one in an export) was started with the switch on, so these "
                         "records decide no conversation of the era. --device NAME reports a "
                         "contradiction.", "  ")


def _deleted(deleted: list[Deleted], ids: bool) -> None:
    """Conversations deleted between two exports, then each notice's text once; the notices'
    rule ids with `ids`."""
    if not deleted:
        return
    say()
    say(f"Deleted since your earlier export ({len(deleted)}):")
    notices: dict[str, str] = {}
    for d in deleted:
        title = HIDDEN if d.hidden else (d.title or "")
        since = f"{d.since:%Y-%m-%d}" if d.since else "?"
        until = f"{d.until:%Y-%m-%d}" if d.until else "?"
        say_wrapped(f"{title} ({d.id}): in {d.last_seen_in}, not in {d.missing_from}; deleted "
                    f"between {since} and {until}"
                    + (f" [{', '.join(n.rule for n in d.notices)}]" if ids else ""), "  ", "    ")
        notices.update((n.rule, n.message) for n in d.notices)
    for rule, message in notices.items():
        say_wrapped(f"{rule}: {message}" if ids else plain(message[:1].upper() + message[1:]) + ".",
                    "  ", "    ")


def _explain(row: Checked) -> None:
    from gptpriv.policy.channels import BUILTIN_TOOLS
    from gptpriv.policy.facts import CHAT_URL, WHERE_USER

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
    for f in row.findings:
        place = "in your messages" if f.where == WHERE_USER else f"sent to {f.party}"
        say(f"  {f.kind}: {f.count}x {place}" + (f", ending {f.hint}" if f.hint else ""))
