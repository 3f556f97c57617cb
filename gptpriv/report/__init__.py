"""A self-contained HTML privacy report: no network requests, no external scripts, fonts or
images. Built while the export is read: totals are counted, conversation rows are spooled to a
temporary file, so memory stays bounded as in `check`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import IO, Any

from gptpriv.policy.channels import BUILTIN_TOOLS, SHARED_LINK
from gptpriv.policy.exposure import SHARED, TRAINING, exposures
from gptpriv.policy.resolver import Verdict
from gptpriv.policy.steps import SENSITIVE_STEPS, hits
from gptpriv.policy.verdicts import parties_in_words
from gptpriv.profiles.model import Snapshot, Timeline
from gptpriv.report import html, sensitive
from gptpriv.report.html import escape_html
from gptpriv.report.lists import SHORT_ID, Spool, Titles
from gptpriv.run.result import Checked, RunResult
from gptpriv.timeutil import iso_utc


def exposed_words(verdict: Verdict) -> str:
    """How a conversation is exposed besides what it sent, for the sensitive-data lists."""
    ways = exposures(verdict)
    words = [w for e, w in ((SHARED, "public"), (TRAINING, "may be used for training")) if e in ways]
    return f"; {', '.join(words)}" if words else ""


class ReportBuilder:
    def __init__(self, snapshot: Snapshot) -> None:
        # Totals per verdict and rule, the skipped conversations, the steps and the exports
        # come from the run's result (write()); the builder counts only what it adds.
        self.snapshot = snapshot
        self.days: dict[date, Counter[str]] = defaultdict(Counter)
        self.parties: dict[tuple[str, str], dict[str, Any]] = {}
        self.gpts: dict[str, Counter[str]] = defaultdict(Counter)
        self.result: RunResult | None = None  # set by write()
        self.summary: Any = None
        # Closed by write(), which reads the rows back into the page.
        self._rows = Spool(4 << 20)
        self.titles = Titles()
        # Each next step's conversations, as list items: (step id, listed first) -> lines.
        self.steps: dict[tuple[str, bool], Spool] = {}
        # The conversations holding each kind of sensitive data, as list items.
        self.sensitive: dict[str, Spool] = {}
        self._count = 0

    def add(self, checked: Checked) -> None:
        facts, verdict = checked.facts, checked.verdict
        self._count += 1
        if facts.create_time:
            self.days[facts.create_time.date()][verdict.verdict] += 1
        for gpt_id in facts.conversation.gpt_ids:
            self.gpts[gpt_id][verdict.verdict] += 1
        for d in verdict.disclosures:
            if not d.channel.call:  # a shared link: listed under its next step
                continue
            key = (d.party, d.gpt_id or "")
            entry = self.parties.setdefault(key, {
                "kind": d.rule, "operations": set(), "consequential": set(), "policies": set(),
                "calls": 0, "declined": 0, "consents": Counter(), "undeclared": False})
            entry["calls" if d.sent else "declined"] += 1
            entry["operations"].add(d.operation or "?")
            entry["consequential"].add(d.consequential)
            if d.privacy_policy:
                entry["policies"].add(d.privacy_policy)
            entry["consents"][d.consent] += 1
            entry["undeclared"] |= "disclosure.undeclared_domain" in d.flags
        title = checked.title
        title_key = self.titles.add(title)
        created = iso_utc(facts.create_time) if facts.create_time else ""
        reasons = "; ".join(html.plain_words(r.message) for r in verdict.reasons)
        parties = parties_in_words((d.party, d.sent) for d in verdict.disclosures)
        gpts = ", ".join(self.gpt_name(g) for g in facts.conversation.gpt_ids)
        tools = ", ".join(f"{BUILTIN_TOOLS.get(k, k)} {n}" for k, n in facts.tools.items())
        if facts.conversation.do_not_remember:
            tools = ", ".join(filter(None, (tools, "excluded from Memory")))
        link = html.chat_link(facts.id, title) + SHORT_ID
        self._rows.write(title_key, facts.id, html.conversation_row(verdict.verdict, created, link, gpts, reasons,
                                                              parties, tools))
        findings = checked.findings
        for hit in hits(verdict, findings):
            spool = self.steps.get((hit.step, hit.first))
            if spool is None:
                spool = self.steps[(hit.step, hit.first)] = Spool(1 << 20)
            spool.write(title_key, facts.id, html.step_item(link, created, self._detail(hit.step, checked)))
        for kind in dict.fromkeys(f.kind for f in findings):
            spool = self.sensitive.get(kind)
            if spool is None:
                spool = self.sensitive[kind] = Spool(1 << 20)
            mine = tuple(f for f in findings if f.kind == kind)
            spool.write(title_key, facts.id, html.step_item(link, created, escape_html(
                sensitive.findings_text(mine) + exposed_words(verdict))))

    def _detail(self, step: str, checked: Checked) -> str:
        """What a step's list says beside each conversation: its links, parties, writes or
        what sensitive data it holds."""
        verdict = checked.verdict
        if step in SENSITIVE_STEPS:
            return escape_html(sensitive.findings_text(checked.findings))
        if step == SHARED_LINK.step:
            links = [d for d in verdict.disclosures if not d.channel.call]
            return html.share_links([(d.url, d.anonymous) for d in links])
        if step == "step.review_third_parties":
            return escape_html(", ".join(sorted({d.party for d in verdict.disclosures
                                                 if d.channel.call})))
        if step == "step.review_memory":
            return escape_html(next((html.plain_words(n.message.split(":")[0]) for n in verdict.notices
                                     if n.rule == "memory.written"), ""))
        return ""

    def gpt_name(self, gpt_id: str) -> str:
        gpt = self.snapshot.gpt_by_id(gpt_id)
        return gpt.name if gpt else gpt_id

    # -- rendering ---------------------------------------------------------------------------

    def write(self, out: IO[str], generated: datetime, result: RunResult) -> None:
        self.result, self.summary = result, result.summary
        out.write(html.page_head())
        out.write('<header><h1>ChatGPT privacy report</h1>\n<p>Generated by gptpriv on '
                  f'{escape_html(iso_utc(generated))}. Read from: ')
        out.write("; ".join(f"<code>{escape_html(x.path)}</code> (account "
                            f"{escape_html(x.account or 'none')}: {html.with_code(x.account_reason)})"
                            for x in result.exports))
        out.write(".</p></header>\n<main>\n")
        html.headline(self, out)
        html.next_steps(self, out)
        html.totals(self, out)
        html.chart(self, out)
        sensitive.section(self, out)
        html.third_parties(self, out)
        html.deleted_between_exports(self, out)
        html.gpt_table(self, out)
        out.write('<section id="conversations"><h2>Conversations</h2>\n'
                  '<p class="noprint"><label>Filter: <input id="filter" type="search"></label> '
                  'Click a column heading to sort.</p>\n'
                  f'<table id="conversation-table" class="sortable"><caption>{self._count} '
                  'conversations</caption>\n<thead><tr><th scope="col">Created (UTC)</th>'
                  '<th scope="col">Title</th><th scope="col">GPT</th><th scope="col">Training</th>'
                  '<th scope="col">Why</th><th scope="col">Third parties</th>'
                  '<th scope="col">Built-in tools</th></tr></thead>\n<tbody>\n')
        for line in self._rows.lines(self.titles):
            out.write(line)
        out.write("</tbody></table></section>\n")
        html.rule_table(self, out)
        out.write("</main>\n" + html.page_script() + "</body></html>\n")
        self.close()

    def close(self) -> None:
        """Let go of the spooled rows (also when the reading failed and nothing is written)."""
        self._rows.close()
        for spool in [*self.steps.values(), *self.sensitive.values()]:
            spool.close()

    def buckets(self) -> tuple[list[date], str]:
        first, last = min(self.days), max(self.days)
        if (last - first).days <= 26 * 7:
            start = first - timedelta(days=first.weekday())
            edges = [start + timedelta(weeks=i) for i in range((last - start).days // 7 + 2)]
            return edges, "week"
        edges, current = [], date(first.year, first.month, 1)
        while current <= last + timedelta(days=31):
            edges.append(current)
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        return edges, "month"

    def markers(self) -> list[tuple[datetime, str]]:
        """Setting changes to draw on the chart: the accounts' and the GPTs' in this report."""
        marks: list[tuple[datetime, str]] = []

        def add(timeline: Timeline, label: str) -> None:
            for entry, changes in zip(timeline.entries, timeline.changes(), strict=True):
                if changes:
                    marks.append((entry.at, f"{label} {'on' if entry.allowed else 'off'}"))

        names = {x.account for x in self.result.exports} if self.result else set()
        for account in self.snapshot.accounts:
            if account.name in names:
                add(account.training, f"account {account.name}: training")
        for gpt_id in self.gpts:
            gpt = self.snapshot.gpt_by_id(gpt_id)
            if gpt:
                add(gpt.training, f"GPT {gpt.name}: builder training")
        return sorted(marks)
