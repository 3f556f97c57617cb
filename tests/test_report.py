"""`gptpriv report`: content matches `check`, nothing loads from the network, and the page
renders in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from export_builder import ConversationBuilder, write_export

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GPT = "g-681c8e39d12c81918c7c9723fea1e4fb"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    convs = []
    for i in range(9):
        c = ConversationBuilder(f"c-{i}", f"Title number {i} [x] <b>&", 1.70e9 + i * 86400 * 20,
                                gizmo_id=GPT if i % 3 == 0 else None, gizmo_type="gpt" if i % 3 == 0 else None)
        c.turn("q", "a", gizmo_id=GPT if i % 3 == 0 else None)
        if i % 3 == 0:
            c.action("api.x.example", "op", GPT, privacy_policy="https://x.example/privacy", approval="allow")
        convs.append(c.build())
    return write_export(tmp_path / "export", convs, email="me@example.com", zip_name="export.zip")


@pytest.fixture
def profiles(run) -> None:
    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    run("account", "opt-out", "--at", "2024-01-01")
    run("gpt", "create", "x", "--id", GPT, "--not-mine")


def test_report_matches_check(run, tmp_path: Path, export: Path, profiles) -> None:
    out = tmp_path / "report.html"
    message = run("report", str(export), "-o", str(out)).stdout
    assert message.startswith(f"Wrote {out}: 9 conversations")
    html = out.read_text()
    doc = run("check", str(export), "--json").json()
    summary = doc["summary"]
    rows = re.findall(r'<tr class="(eligible|not_eligible|undetermined)">', html)
    assert len(rows) == summary["total"] == 9
    for verdict in ("eligible", "not_eligible", "undetermined"):
        assert rows.count(verdict) == summary[verdict]
    for rule, count in summary["by_rule"].items():
        assert f'<code>{rule}</code></th><td class="num">{count}</td>' in html
    assert "api.x.example" in html and "<svg" in html and 'class="marker"' in html
    assert "Title number 3 [x] &lt;b&gt;&amp;" in html  # escaped, never markup


def test_report_loads_nothing_from_the_network(run, tmp_path: Path, export: Path, profiles) -> None:
    out = tmp_path / "r.html"
    run("report", str(export), "-o", str(out))
    html = out.read_text()
    assert not re.search(r"\ssrc\s*=", html) and "<link" not in html and "@import" not in html
    assert not re.search(r"url\(", html)
    # The only web addresses are links a reader may click (privacy policies, the chats), and
    # the chat address pattern that a next step's how-text names.
    assert "https://x.example/privacy" in html and 'href="https://chatgpt.com/c/c-0"' in html
    without_links = re.sub(r"<a href=[^>]*>.*?</a>", "", html).replace("https://chatgpt.com/c/&lt;id&gt;", "")
    assert not re.search(r"https?://", without_links)


def test_redact_hides_every_title(run, tmp_path: Path, export: Path, profiles) -> None:
    out = tmp_path / "r.html"
    run("report", str(export), "-o", str(out), "--redact")
    assert "Title number" not in out.read_text()


def test_report_to_stdout_and_bad_output_path(run, tmp_path: Path, export: Path) -> None:
    assert run("report", str(export), "-o", "-").stdout.startswith("<!doctype html>")
    result = run("report", str(export), "-o", str(tmp_path / "missing" / "r.html"), ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert not (tmp_path / "missing").exists()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (Debian package "
                    "`chromium`; .ci/run installs it): the browser test is skipped")
def test_report_renders_in_chromium(run, tmp_path: Path, export: Path, profiles) -> None:
    out = tmp_path / "r.html"
    run("report", str(export), "-o", str(out))
    common = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", out.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert len(re.findall(r'<rect class="bar ', dom)) >= 3  # the chart has bars
    body = dom.split('id="conversation-table"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r"<tr class=", body)) == 9
    assert "aria-sort" in dom  # the sorting script ran
    # "What you can do" comes before the totals, each step with its conversations linked.
    assert dom.index('id="next-steps"') < dom.index('id="totals"')
    steps = dom.split('id="next-steps"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<li id="(step-[a-z_]+)">', steps) == [
        "step-record_builder_setting", "step-review_eligible", "step-review_third_parties"]
    assert len(re.findall(r'<a href="https://chatgpt.com/c/c-\d"', steps)) >= 3
    shot = tmp_path / "shot.png"
    subprocess.run([*common, "--window-size=1100,1400", f"--screenshot={shot}", out.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


# -- a hostile export (issue 19) -------------------------------------------------------------

REPORT_JS = Path(__file__).resolve().parents[1] / "gptpriv" / "report" / "report.js"
REPORT_CSS = REPORT_JS.with_name("report.css")


def _sha256_source(text: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture
def hostile_report(run, tmp_path: Path) -> Path:
    from hostile import hostile_export

    out = tmp_path / "hostile.html"
    run("report", str(hostile_export(tmp_path / "hostile", zip_name="e.zip")), "-o", str(out))
    return out


def test_hostile_report_links_only_web_addresses(hostile_report: Path) -> None:
    from hostile import raw_controls

    data = hostile_report.read_bytes()
    assert raw_controls(data) == []  # controls and bidi overrides are shown as escapes here too
    html = data.decode()
    hrefs = re.findall(r"""href\s*=\s*["']?([^"'\s>]*)""", html, re.IGNORECASE)
    # The hostile Action's policy, and each conversation's own chat, its id quoted into one
    # path segment (no control or bidi character survives into the address).
    chats = [h for h in hrefs if h.startswith("https://chatgpt.com/c/")]
    # The rule table's sources link the Help Center articles they cite.
    sources = [h for h in hrefs if re.fullmatch(r"https://help\.openai\.com/en/articles/\d+", h)]
    assert sources
    assert sorted(set(hrefs) - set(chats) - set(sources)) == ["https://ok.example/privacy"]
    assert chats and all(re.fullmatch(r"https://chatgpt\.com/c/[A-Za-z0-9%_.~-]+", h) for h in chats)
    # The script address and the address with a bidi override are shown, marked, not linked.
    assert ('<code class="unlinked">javascript:document.title=&#x27;pwned&#x27;</code> '
            "<em>(not linked") in html
    assert '<code class="unlinked">https://x.example/p\\u202eelbigile' in html
    assert "<img" not in html and html.count("<script") == 1 and "onerror=" not in html.replace(
        "onerror=&quot;", "")


def test_report_csp_allows_exactly_its_own_style_and_script(hostile_report: Path) -> None:
    html = hostile_report.read_text()
    head = html.split("<title>", 1)[0]
    policy = re.fullmatch(r'(?s)<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
                          r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">\n.*', head)
    assert policy, head  # first in <head>: a policy covers only what comes after it
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    scripts = re.findall(r"(?s)<script>(.*?)</script>", html)
    styles = re.findall(r"(?s)<style>(.*?)</style>", html)
    assert scripts == ["\n" + REPORT_JS.read_text()] and styles == ["\n" + REPORT_CSS.read_text()]
    assert directives == {"default-src": "'none'", "style-src": _sha256_source(styles[0]),
                          "script-src": _sha256_source(scripts[0]), "base-uri": "'none'",
                          "form-action": "'none'"}
    assert "unsafe" not in policy.group(1)


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (Debian package "
                    "`chromium`; .ci/run installs it): the browser test is skipped")
def test_hostile_report_runs_nothing_in_chromium(hostile_report: Path, tmp_path: Path) -> None:
    common = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    # The same page with markup injected as if escaping had failed somewhere: the policy must
    # stop it, while the page's own script (sorting) still runs.
    tampered = tmp_path / "tampered.html"
    tampered.write_text(hostile_report.read_text().replace(
        "</main>", "<script>document.title='pwned'</script><img src=x "
        "onerror=\"document.title='pwned'\"><iframe srcdoc='<b>x</b>'></iframe></main>"))
    for page, injected in ((hostile_report, 0), (tampered, 1)):
        # The browser's console (on stderr) reports every element the policy blocked.
        done = subprocess.run([*common, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000",
                               "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
        dom, blocked = done.stdout, re.findall(r"\"([A-Z][a-z]+ [a-z -]+) violates the following "
                                               r"Content Security Policy", done.stderr)
        assert "<title>ChatGPT privacy report (gptpriv)</title>" in dom and "pwned</title>" not in dom
        assert dom.count("<img") == injected and dom.count("<script") == 1 + injected
        assert "aria-sort" in dom  # the page's own script ran under the policy
        body = dom.split('id="conversation-table"', 1)[1].split("</table>", 1)[0]
        assert len(re.findall(r"<tr class=", body)) == 3
        # Its own style and script were allowed; the injected script was not.
        assert ("Executing inline script" in blocked) == bool(injected), blocked
        assert "Applying inline style" not in blocked, blocked
