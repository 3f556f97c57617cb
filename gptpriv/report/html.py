"""The report's HTML: one function per section, each writing to the page as it goes.

Every value that comes from an export or a profile goes through `escape_html`. The page's
style and script are package data (report.css, report.js), read once, at the first report.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from functools import cache
from html import escape
from importlib import resources
from itertools import pairwise
from typing import IO, TYPE_CHECKING

from gptpriv.policy.facts import REPORT_LABELS, VERDICT_ORDER
from gptpriv.policy.rules import RULES
from gptpriv.timeutil import iso_utc

if TYPE_CHECKING:
    from gptpriv.report import ReportBuilder


def escape_html(value: object) -> str:
    """Text for HTML content and attribute values: `&`, `<`, `>` and both quotes escaped."""
    return escape("" if value is None else str(value), quote=True)


@cache
def _asset(name: str) -> str:
    return resources.files("gptpriv.report").joinpath(name).read_text(encoding="utf-8")


def page_head() -> str:
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<title>ChatGPT privacy report (gptpriv)</title>\n"
            f"<style>\n{_asset('report.css')}</style></head><body>\n")


def page_script() -> str:
    """Sorting and filtering only; everything else works without JavaScript."""
    return f"<script>\n{_asset('report.js')}</script>\n"


def conversation_row(verdict: str, created: str, title: str, gpts: str, reasons: str, parties: str) -> str:
    return (f'<tr class="{escape_html(verdict)}"><td data-sort="{escape_html(created)}">'
            f'{escape_html(created[:16].replace("T", " "))}</td>'
            f"<td>{escape_html(title)}</td><td>{escape_html(gpts)}</td>"
            f"<td>{escape_html(REPORT_LABELS[verdict])}</td><td>{escape_html(reasons)}</td>"
            f"<td>{escape_html(parties)}</td></tr>\n")


def totals(report: ReportBuilder, out: IO[str]) -> None:
    out.write('<section id="totals"><h2>Totals</h2>\n<table id="verdict-totals"><caption>'
              'Conversations by verdict</caption><thead><tr><th scope="col">Verdict</th>'
              '<th scope="col">Conversations</th></tr></thead><tbody>\n')
    for verdict in ("eligible", "not_eligible", "undetermined"):
        out.write(f'<tr><th scope="row"><span class="swatch {verdict}"></span>{escape_html(REPORT_LABELS[verdict])}'
                  f'</th><td class="num">{report.summary.verdicts[verdict]}</td></tr>\n')
    if report.summary.duplicates:
        out.write('<tr><th scope="row">copies of a conversation already counted (not counted '
                  f'again)</th><td class="num">{report.summary.duplicates}</td></tr>\n')
    out.write(f'<tr><th scope="row">skipped (malformed)</th><td class="num">{len(report.summary.errors)}</td></tr>'
              '</tbody></table>\n<table id="rule-totals"><caption>Conversations by determining '
              'rule</caption><thead><tr><th scope="col">Rule</th><th scope="col">Conversations'
              '</th></tr></thead><tbody>\n')
    for rule, count in sorted(report.summary.rules.items()):
        out.write(f'<tr><th scope="row"><code>{escape_html(rule)}</code></th><td class="num">{count}</td></tr>\n')
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
                         f'{escape_html(REPORT_LABELS[verdict])}</title></rect>')
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
    legend = "".join(f'<span class="swatch {v}"></span>{escape_html(REPORT_LABELS[v])} '
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
        policies = " ".join(f'<a href="{escape_html(p)}" rel="noreferrer">{escape_html(p)}</a>'
                            for p in sorted(v["policies"])) or "none"
        consents = ", ".join(f"{escape_html(k)} ({n})" for k, n in sorted(v["consents"].items()))
        flag = "not declared in the GPT's profile" if v["undeclared"] else ""
        row_class = ' class="flagged"' if flag else ""
        out.write(f'<tr{row_class}><th scope="row">{escape_html(party)}</th>'
                  f'<td>{escape_html(v["kind"].split(".")[-1])}</td>'
                  f'<td>{escape_html(report.gpt_name(gpt_id) if gpt_id else "")}</td>'
                  f'<td>{escape_html(", ".join(sorted(v["operations"])))}</td><td>{escape_html(consequential)}</td>'
                  f'<td>{policies}</td><td class="num">{v["calls"]}</td><td>{consents}</td>'
                  f'<td>{escape_html(flag)}</td></tr>\n')
    out.write("</tbody></table></section>\n")


def deleted_between_exports(report: ReportBuilder, out: IO[str]) -> None:
    """Conversations in an earlier export of an account and not in its newest; shown only when
    two exports of one account were read."""
    if not report.deleted:
        return
    out.write('<section id="deleted"><h2>Deleted since your earlier export</h2>\n'
              '<table id="deleted-table" class="sortable"><caption>Conversations in an earlier '
              'export and not in the newest</caption><thead><tr><th scope="col">Title</th>'
              '<th scope="col">Id</th><th scope="col">Last seen in</th><th scope="col">Missing from'
              '</th><th scope="col">Deleted between (UTC)</th><th scope="col">Notices</th>'
              '</tr></thead><tbody>\n')
    notices: dict[str, str] = {}
    for d in report.deleted:
        window = d["window"]
        title = "(hidden)" if report.redact else (d["title"] or "")
        rules = ", ".join(n["rule"] for n in d["notices"])
        notices.update((n["rule"], n["message"]) for n in d["notices"])
        out.write(f'<tr><td>{escape_html(title)}</td><td><code>{escape_html(d["id"])}</code></td>'
                  f'<td>{escape_html(d["last_seen_in"])}</td><td>{escape_html(d["missing_from"])}</td>'
                  f'<td data-sort="{escape_html(window["from"])}">{escape_html((window["from"] or "?")[:10])} '
                  f'to {escape_html((window["until"] or "?")[:10])}</td><td>{escape_html(rules)}</td></tr>\n')
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
        verified = ("yes" if gpt.verified_builder else "no") if gpt and not gpt.mine else ("you" if gpt else "unknown")
        verdicts = ", ".join(f"{n} {REPORT_LABELS[v]}" for v, n in sorted(counter.items()))
        out.write(f'<tr><th scope="row">{escape_html(gpt.name if gpt else "(no profile)")}</th>'
                  f'<td><code>{escape_html(gpt_id)}'
                  f'</code></td><td>{escape_html(setting)}</td><td>{escape_html(verified)}</td>'
                  f'<td class="num">{sum(counter.values())}</td><td>{escape_html(verdicts)}</td></tr>\n')
    out.write("</tbody></table></section>\n")


def rule_table(report: ReportBuilder, out: IO[str]) -> None:
    out.write('<section id="rules"><h2>How each verdict is decided</h2>\n<p>Training rules are '
              'applied in order; the first that decides ends the evaluation.</p>\n'
              '<table id="rule-table"><caption>The rule table, with sources</caption><thead><tr>'
              '<th scope="col">Step</th><th scope="col">Rule</th><th scope="col">When</th>'
              '<th scope="col">Effect</th><th scope="col">Source</th></tr></thead><tbody>\n')
    for rule in RULES:
        source = escape_html(rule.source) + (" <em>(paraphrase)</em>" if rule.paraphrase else "")
        out.write(f'<tr><td class="num">{rule.step or ""}</td><th scope="row"><code>{escape_html(rule.id)}</code>'
                  f'</th><td>{escape_html(rule.when)}</td><td>{escape_html(rule.effect)}</td><td>{source}</td></tr>\n')
    out.write("</tbody></table></section>\n")
