"""The report's HTML: one function per section, each writing to the page as it goes.

Every value that comes from an export or a profile goes through `escape_html`, and every
address through `link`. The page's style and script are package data (report.css, report.js),
read once, at the first report; its Content-Security-Policy allows exactly those two by hash
and nothing else, so markup that ever slipped past the escaping could still run no script.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from functools import cache
from html import escape
from importlib import resources
from itertools import pairwise
from typing import IO, TYPE_CHECKING

from gptpriv.plural import count
from gptpriv.policy.channels import SHARED_LINK
from gptpriv.policy.facts import CHAT_URL, LABELS, MEANINGS, VERDICT_ORDER, VERDICTS, plain_words
from gptpriv.policy.rules import RULES
from gptpriv.run.result import HIDDEN
from gptpriv.text import visible
from gptpriv.timeutil import iso_utc

if TYPE_CHECKING:
    from gptpriv.report import ReportBuilder


def with_code(text: str) -> str:
    """Text written for the terminal, where `...` marks a command or a value: escaped, with
    those parts as <code> instead of backticks."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", escape_html(text))


def escape_html(value: object) -> str:
    """Text for HTML content and attribute values: `&`, `<`, `>` and both quotes escaped, and
    control and bidi characters shown as escapes (`gptpriv.text`), as on the terminal: a
    right-to-left override would reorder a row in the browser too, and the page may be
    printed to a terminal (`-o -`)."""
    return escape(visible("" if value is None else str(value)), quote=True)


# An address is a link only when it is plainly http(s): a browser would run `javascript:`
# (and `data:` or `vbscript:`), and it ignores tabs, newlines and leading controls inside a
# scheme, so nothing but printable, unspaced characters after the scheme is accepted.
_WEB_ADDRESS = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f\"'<>`\\]+", re.IGNORECASE)


def link(address: str) -> str:
    """A link to `address` if it is an http(s) address, else the address as marked text."""
    if _WEB_ADDRESS.fullmatch(address) and visible(address) == address:
        return f'<a href="{escape_html(address)}" rel="noreferrer">{escape_html(address)}</a>'
    return (f'<code class="unlinked">{escape_html(address)}</code> '
            "<em>(not linked: only plain http and https addresses are)</em>")


@cache
def _asset(name: str) -> str:
    return resources.files("gptpriv.report").joinpath(name).read_text(encoding="utf-8")


def _style() -> str:
    return f"\n{_asset('report.css')}"


def _script() -> str:
    return f"\n{_asset('report.js')}"


def csp_hash(text: str) -> str:
    """A CSP source for an inline element whose content is exactly `text`."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy() -> str:
    """Nothing may load or connect, no base or form target may be set; only the page's own
    style element and its one script (each by hash, never 'unsafe-inline') apply and run."""
    return (f"default-src 'none'; style-src {csp_hash(_style())}; script-src {csp_hash(_script())}; "
            "base-uri 'none'; form-action 'none'")


def page_head() -> str:
    # The policy comes first in <head>: it covers only what follows it.
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<title>ChatGPT privacy report (gptpriv)</title>\n"
            f"<style>{_style()}</style></head><body>\n")


def page_script() -> str:
    """Sorting and filtering only; everything else works without JavaScript."""
    return f"<script>{_script()}</script>\n"


def chat_link(conversation_id: str | None, title: str) -> str:
    """The title as a plain link to the chat in ChatGPT (nothing is loaded from it)."""
    text = escape_html(title or "(untitled)")
    if not conversation_id:
        return text
    from urllib.parse import quote

    # The id comes from the export: quoted, so it stays one path segment of chatgpt.com.
    address = CHAT_URL + quote(conversation_id, safe="-_")
    return f'<a href="{escape_html(address)}" rel="noreferrer">{text}</a>'


def conversation_row(verdict: str, created: str, title_html: str, gpts: str, reasons: str, parties: str,
                     tools: str) -> str:
    return (f'<tr class="{escape_html(verdict)}"><td data-sort="{escape_html(created)}">'
            f'{escape_html(created[:16].replace("T", " "))}</td>'
            f"<td>{title_html}</td><td>{escape_html(gpts)}</td>"
            f"<td>{escape_html(LABELS[verdict])}</td><td>{escape_html(reasons)}</td>"
            f"<td>{escape_html(parties)}</td><td>{escape_html(tools)}</td></tr>\n")


def step_item(title_html: str, created: str, detail_html: str) -> str:
    when = f" ({escape_html(created[:10])})" if created else ""
    return f"<li>{title_html}{when}{': ' + detail_html if detail_html else ''}</li>\n"


def share_links(links: list[tuple[str | None, bool | None]]) -> str:
    """Shared links as links, or `hidden` under --redact (a share URL grants read access)."""
    words = {True: " (anonymous)", False: " (not anonymous)", None: ""}
    return ", ".join((link(url) if url else f"shared link {HIDDEN}") + words[anonymous]
                     for url, anonymous in links)


_OPEN_UP_TO = 20  # longer lists start folded


def next_steps(report: ReportBuilder, out: IO[str]) -> None:
    """RULES.md "Next steps": each step that applies, with its conversations listed and linked."""
    steps = report.result.steps if report.result else []
    out.write('<section id="next-steps"><h2>What you can do</h2>\n')
    if not steps:
        out.write("<p>Nothing to do: no step of the rule table applies to these conversations."
                  "</p></section>\n")
        return
    out.write('<ol class="steps">\n')
    for step in steps:
        n = step.count
        why = " ".join((step.step.because, *step.notes))
        commands = "".join(f"<pre><code>{escape_html(c)}</code></pre>" for c in step.step.commands)
        out.write(f'<li id="{escape_html(step.id.replace(".", "-"))}"><h3>{escape_html(step.title)}</h3>\n'
                  f'<p><strong>Why:</strong> {escape_html(why)}</p>\n<p><strong>How:</strong> '
                  f'{escape_html(step.step.todo)}</p>{commands}\n<p class="detail">{with_code(step.why)}. '
                  f'<code>{escape_html(step.id)}</code></p>\n')
        spools = [report.steps[k] for k in ((step.id, True), (step.id, False)) if k in report.steps]
        unmatched = report.summary.unmatched if step.id == SHARED_LINK.step else []
        out.write(f"<details{' open' if n <= _OPEN_UP_TO else ''}><summary>{count(n, 'conversation')}"
                  "</summary>\n<ul>\n")
        for spool in spools:
            for line in spool.lines(report.titles):
                out.write(line)
        for u in unmatched:
            title = HIDDEN if u.hidden else escape_html(u.link.title) if u.link.title else "(untitled)"
            url = None if u.hidden else u.link.url
            out.write(f"<li>{title}, not in this export: {share_links([(url, u.link.anonymous)])}</li>\n")
        out.write("</ul></details></li>\n")
    out.write("</ol></section>\n")


def headline(report: ReportBuilder, out: IO[str]) -> None:
    """The answer first, from the run's summary (run/headline.py), as check's text says it."""
    from gptpriv.run.headline import headline as lines_of

    if report.result is None:
        return
    found = lines_of(report.result, report.snapshot)
    out.write(f'<section id="headline"><p class="headline"><strong>{escape_html(found.first)}</strong></p>\n<ul>')
    for line in [*found.lines, *found.findings]:
        out.write(f'<li><span class="num">{line.count}</span> {escape_html(line.words)}</li>')
    out.write("</ul></section>\n")


def totals(report: ReportBuilder, out: IO[str]) -> None:
    out.write('<section id="totals"><h2>Totals</h2>\n<table id="verdict-totals"><caption>'
              'Conversations by verdict</caption><thead><tr><th scope="col">Verdict</th>'
              '<th scope="col">Conversations</th></tr></thead><tbody>\n')
    for verdict in VERDICTS:
        out.write(f'<tr><th scope="row"><span class="swatch {verdict}"></span>{escape_html(LABELS[verdict])}'
                  f' <span class="meaning">({escape_html(MEANINGS[verdict])})</span>'
                  f'</th><td class="num">{report.summary.verdicts[verdict]}</td></tr>\n')
    if report.summary.duplicates:
        out.write('<tr><th scope="row">copies of a conversation already counted (not counted '
                  f'again)</th><td class="num">{report.summary.duplicates}</td></tr>\n')
    out.write(f'<tr><th scope="row">skipped (malformed)</th><td class="num">{report.summary.skipped}</td></tr>'
              '</tbody></table>\n<table id="rule-totals"><caption>Conversations by determining '
              'rule</caption><thead><tr><th scope="col">Rule</th><th scope="col">Conversations'
              '</th></tr></thead><tbody>\n')
    for rule, n in sorted(report.summary.rules.items()):
        out.write(f'<tr><th scope="row"><code>{escape_html(rule)}</code></th><td class="num">{n}</td></tr>\n')
    out.write("</tbody></table></section>\n")


def chart(report: ReportBuilder, out: IO[str]) -> None:
    out.write('<section id="timeline"><h2>Conversations over time</h2>\n')
    if not report.days:
        out.write("<p>No conversation has a creation time.</p></section>\n")
        return
    edges, unit = report.buckets()
    counts = []
    for lo, hi in pairwise(edges):
        bucket: Counter[str] = Counter()
        for day, c in report.days.items():
            if lo <= day < hi:
                bucket.update(c)
        counts.append((lo, hi, bucket))
    width, height, left, bottom, top = 960, 300, 48, 40, 70
    span = (edges[-1] - edges[0]).days or 1
    peak = max(sum(c.values()) for _, _, c in counts) or 1
    plot_h = height - bottom - top

    def x(day: date) -> float:
        return left + (width - left - 10) * (day - edges[0]).days / span

    parts = [f'<svg id="chart" viewBox="0 0 {width} {height}" role="img" '
             'aria-labelledby="chart-title chart-desc">',
             f'<title id="chart-title">Conversations per {unit}, stacked by verdict</title>',
             f'<desc id="chart-desc">{len(counts)} {unit}s; dashed lines mark setting changes.</desc>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" class="axis"/>',
             f'<text x="{left - 6}" y="{top + 4}" class="tick" text-anchor="end">{peak}</text>',
             f'<text x="{left - 6}" y="{height - bottom}" class="tick" text-anchor="end">0</text>']
    for lo, hi, bucket in counts:
        base = float(height - bottom)
        bar_w = max(1.0, x(hi) - x(lo) - 1)
        for verdict in VERDICT_ORDER:
            n = bucket[verdict]
            if not n:
                continue
            h = plot_h * n / peak
            base -= h
            parts.append(f'<rect class="bar {verdict}" x="{x(lo):.1f}" y="{base:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}"><title>{escape_html(lo.isoformat())}: {n} '
                         f'{escape_html(LABELS[verdict])}</title></rect>')
    label_every = max(1, len(counts) // 12)
    for i, (lo, _, _) in enumerate(counts):
        if i % label_every == 0:
            parts.append(f'<text x="{x(lo):.1f}" y="{height - bottom + 16}" class="tick">'
                         f'{escape_html(lo.strftime("%Y-%m-%d" if unit == "week" else "%Y-%m"))}</text>')
    for n, (at, label) in enumerate(report.markers()):
        day = at.astimezone(timezone.utc).date()
        if not edges[0] <= day <= edges[-1]:
            continue
        xx = x(day) + (x(day + timedelta(days=1)) - x(day)) * (at.hour * 60 + at.minute) / 1440
        parts.append(f'<line class="marker" x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - bottom}">'
                     f'<title>{escape_html(iso_utc(at))}: {escape_html(label)}</title></line>')
        parts.append(f'<text class="marker-label" x="{xx + 3:.1f}" y="{12 + 14 * (n % 4)}">{escape_html(label)} '
                     f'({escape_html(day.isoformat())})</text>')
    parts.append("</svg>")
    legend = "".join(f'<span class="swatch {v}"></span>{escape_html(LABELS[v])} '
                     for v in reversed(VERDICT_ORDER))
    out.write("<figure>" + "\n".join(parts) + f"<figcaption>{legend}<span class=\"dash\"></span>"
              "setting change</figcaption></figure></section>\n")


def third_parties(report: ReportBuilder, out: IO[str]) -> None:
    out.write('<section id="third-parties"><h2>Third parties</h2>\n')
    if not report.parties:
        out.write("<p>No conversation sent data to a third party (Actions, plugins, "
                  "connectors).</p></section>\n")
        return
    out.write('<table id="third-party-table" class="sortable"><caption>Who received parts of your '
              'conversations</caption><thead><tr><th scope="col">Domain or service</th>'
              '<th scope="col">Kind</th><th scope="col">GPT</th><th scope="col">Operations</th>'
              '<th scope="col">Consequential</th><th scope="col">Privacy policy</th>'
              '<th scope="col">Calls</th><th scope="col">Consent on record</th>'
              '<th scope="col">Flags</th></tr></thead><tbody>\n')
    for (party, gpt_id), v in sorted(report.parties.items()):
        consequential = ", ".join(sorted({"yes" if c else "no" if c is False else "unknown"
                                          for c in v["consequential"]}))
        policies = " ".join(link(p) for p in sorted(v["policies"])) or "none"
        consents = ", ".join(f"{escape_html(k)} ({n})" for k, n in sorted(v["consents"].items()))
        flag = "not declared in the GPT's profile" if v["undeclared"] else ""
        declined = f' ({v["declined"]} declined, nothing sent)' if v["declined"] else ""
        row_class = ' class="flagged"' if flag else ""
        out.write(f'<tr{row_class}><th scope="row">{escape_html(party)}</th>'
                  f'<td>{escape_html(v["kind"].split(".")[-1])}</td>'
                  f'<td>{escape_html(report.gpt_name(gpt_id) if gpt_id else "")}</td>'
                  f'<td>{escape_html(", ".join(sorted(v["operations"])))}</td><td>{escape_html(consequential)}</td>'
                  f'<td>{policies}</td><td class="num">{v["calls"]}{declined}</td><td>{consents}</td>'
                  f'<td>{escape_html(flag)}</td></tr>\n')
    out.write("</tbody></table></section>\n")


def deleted_between_exports(report: ReportBuilder, out: IO[str]) -> None:
    """Conversations in an earlier export of an account and not in its newest; shown only when
    two exports of one account were read."""
    if not report.result or not report.result.deleted:
        return
    out.write('<section id="deleted"><h2>Deleted since your earlier export</h2>\n'
              '<table id="deleted-table" class="sortable"><caption>Conversations in an earlier '
              'export and not in the newest</caption><thead><tr><th scope="col">Title</th>'
              '<th scope="col">Id</th><th scope="col">Last seen in</th><th scope="col">Missing from'
              '</th><th scope="col">Deleted between (UTC)</th><th scope="col">Notices</th>'
              '</tr></thead><tbody>\n')
    notices: dict[str, str] = {}
    for d in report.result.deleted if report.result else []:
        title = HIDDEN if d.hidden else (d.title or "")
        rules = ", ".join(n.rule for n in d.notices)
        notices.update((n.rule, n.message) for n in d.notices)
        since, until = (iso_utc(d.since) if d.since else None), (iso_utc(d.until) if d.until else None)
        out.write(f'<tr><td>{escape_html(title)}</td><td><code>{escape_html(d.id)}</code></td>'
                  f'<td>{escape_html(d.last_seen_in)}</td><td>{escape_html(d.missing_from)}</td>'
                  f'<td data-sort="{escape_html(since)}">{escape_html((since or "?")[:10])} '
                  f'to {escape_html((until or "?")[:10])}</td><td>{escape_html(rules)}</td></tr>\n')
    out.write("</tbody></table>\n<dl>")
    for rule, message in notices.items():
        out.write(f"<dt><code>{escape_html(rule)}</code></dt><dd>{escape_html(message)}</dd>")
    out.write("</dl>\n<p>Each export is dated by its latest conversation time unless it has a "
              "manifest: the window can end later than shown.</p></section>\n")


def gpt_table(report: ReportBuilder, out: IO[str]) -> None:
    out.write('<section id="gpts"><h2>GPTs</h2>\n')
    if not report.gpts:
        out.write("<p>No conversation used a custom GPT.</p></section>\n")
        return
    out.write('<table id="gpt-table" class="sortable"><caption>GPTs in these conversations'
              '</caption><thead><tr><th scope="col">GPT</th><th scope="col">Id</th>'
              '<th scope="col">Builder training now</th><th scope="col">Verified builder</th>'
              '<th scope="col">Conversations</th><th scope="col">Verdicts</th></tr></thead><tbody>\n')
    now = datetime.now(timezone.utc)
    for gpt_id, counter in sorted(report.gpts.items()):
        gpt = report.snapshot.gpt_by_id(gpt_id)
        setting = ({True: "allowed", False: "off", None: "unknown"}[gpt.training.value_at(now)]
                   if gpt else "unknown (no profile)")
        verified = (("yes" if gpt.verified_builder else "not recorded as verified") if gpt and not gpt.mine
                    else ("you" if gpt else "unknown"))
        verdicts = ", ".join(f"{n} {LABELS[v]}" for v, n in sorted(counter.items()))
        out.write(f'<tr><th scope="row">{escape_html(gpt.name if gpt else "(no profile)")}</th>'
                  f'<td><code>{escape_html(gpt_id)}'
                  f'</code></td><td>{escape_html(setting)}</td><td>{escape_html(verified)}</td>'
                  f'<td class="num">{sum(counter.values())}</td><td>{escape_html(verdicts)}</td></tr>\n')
    out.write("</tbody></table></section>\n")


def _linked(text: str) -> str:
    """A rule's source, escaped, with the Help Center articles it cites as links to click."""
    import re

    return re.sub(r"https://help\.openai\.com/en/articles/\d+",
                  lambda m: f'<a href="{m[0]}" rel="noreferrer">{m[0]}</a>', with_code(text))


def rule_table(report: ReportBuilder, out: IO[str]) -> None:
    out.write('<section id="rules"><h2>How each verdict is decided</h2>\n<p>Training rules are '
              'applied in order; the first that decides ends the evaluation.</p>\n'
              '<table id="rule-table"><caption>The rule table, with sources</caption><thead><tr>'
              '<th scope="col">Step</th><th scope="col">Rule</th><th scope="col">When</th>'
              '<th scope="col">Effect</th><th scope="col">Source</th></tr></thead><tbody>\n')
    for rule in RULES:
        source = _linked(rule.source) + (" <em>(paraphrase)</em>" if rule.paraphrase else "")
        out.write(f'<tr><td class="num">{rule.step or ""}</td><th scope="row"><code>{escape_html(rule.id)}</code>'
                  f'</th><td>{with_code(rule.when)}</td><td>{with_code(plain_words(rule.effect))}</td>'
                  f'<td>{source}</td></tr>\n')
    out.write("</tbody></table></section>\n")
