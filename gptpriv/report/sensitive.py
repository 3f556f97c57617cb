"""The report's "Sensitive data" section: what kinds of secrets and personal data the
conversations hold, by how each conversation is exposed, every conversation linked. Never a
value: a kind, a count, where it was seen and, for a secret, its last 4 characters (not under
--redact, which took the hints out of the run's result)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from gptpriv.plural import count
from gptpriv.policy.facts import WHERE_USER, Finding
from gptpriv.report.html import escape_html
from gptpriv.scan.kinds import BY_ID

if TYPE_CHECKING:
    from gptpriv.report import ReportBuilder

_COLUMNS = (("conversations", "Conversations"), ("shared_link", "Public (shared link)"),
            ("third_party", "Sent to a third party"), ("training", "May be used for training"))


def findings_text(findings: tuple[Finding, ...]) -> str:
    """One conversation's findings in words: "AWS access key …MPLE (in your messages), email
    address (sent to api.example.com)"."""
    parts = []
    for f in findings:
        kind = BY_ID[f.kind].words.split(" ", 1)[1]  # without its article
        place = "in your messages" if f.where == WHERE_USER else f"sent to {f.party}"
        times = f", {f.count}x" if f.count > 1 else ""
        parts.append(f"{kind}{' ' + f.hint if f.hint else ''} ({place}{times})")
    return ", ".join(parts)


def section(report: ReportBuilder, out: IO[str]) -> None:
    summary = report.summary
    if summary is None or not summary.scanned:
        return
    found = summary.sensitive_json()
    out.write('<section id="sensitive"><h2>Sensitive data</h2>\n')
    if not found["conversations"]:
        out.write("<p>None of the keys, tokens, passwords or personal data gptpriv looks for was "
                  "found in what you wrote or in what calls sent (<code>gptpriv rules</code> lists "
                  "the kinds).</p></section>\n")
        return
    n = found["conversations"]
    out.write(f"<p>{count(n, 'conversation')} {'holds' if n == 1 else 'hold'} secrets or personal data, "
              "in what you wrote or in what a call sent. Values are never shown: for a secret, its "
              "last 4 characters, to tell which key to rotate.</p>\n"
              '<table id="sensitive-kinds"><caption>Conversations by kind and exposure</caption>'
              '<thead><tr><th scope="col">Kind</th>'
              + "".join(f'<th scope="col">{escape_html(label)}</th>' for _, label in _COLUMNS)
              + "</tr></thead><tbody>\n")
    for kind_id, counts in found["kinds"].items():
        kind = BY_ID[kind_id]
        out.write(f'<tr><th scope="row">{escape_html(kind.plural[:1].upper() + kind.plural[1:])} '
                  f'<code>{escape_html(kind_id)}</code></th>'
                  + "".join(f'<td class="num">{counts[key]}</td>' for key, _ in _COLUMNS) + "</tr>\n")
    out.write("</tbody></table>\n")
    for kind_id in found["kinds"]:
        spool = report.sensitive.get(kind_id)
        if spool is None:
            continue
        kind = BY_ID[kind_id]
        out.write(f'<details id="sensitive-{escape_html(kind_id.replace(".", "-"))}"><summary>'
                  f"{escape_html(kind.plural[:1].upper() + kind.plural[1:])}: "
                  f"{count(spool.count, 'conversation')}</summary>\n<ul>\n")
        for line in spool.lines(report.titles):
            out.write(line)
        out.write("</ul></details>\n")
    out.write("</section>\n")
