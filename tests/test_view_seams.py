"""The views' core without the CLI: where `report -o` may write (`report.target`), the order of
a next step's conversations (`policy.steps.NextSteps`), and the report's short ids
(`report.lists`), called directly."""

from __future__ import annotations

import io
import os
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gptpriv.errors import InvalidValue
from gptpriv.policy.channels import SHARED_LINK
from gptpriv.policy.exposure import disclose, shared_link
from gptpriv.policy.facts import Call, Conversation, SharedLink
from gptpriv.policy.resolver import Verdict
from gptpriv.policy.steps import NextSteps, hits
from gptpriv.policy.verdicts import Disclosure, Settings
from gptpriv.profiles.model import Snapshot
from gptpriv.profiles.store import Store
from gptpriv.report import ReportBuilder
from gptpriv.report.lists import SHORT_ID, Spool, Titles
from gptpriv.report.target import check_target
from gptpriv.run import CheckRun

from export_builder import ConversationBuilder, write_export
from hostile import raw_controls

# -- report -o: the profile home, however it is reached ----------------------------------


@pytest.fixture
def linked_home(tmp_path: Path) -> tuple[Path, Path]:
    """A profile home and a symlink to it (as ~/.config -> a dotfiles checkout would be)."""
    home = tmp_path / "real" / "gptpriv-home"
    (home / "accounts").mkdir(parents=True)
    (home / "accounts" / "me.toml").write_text("schema_version = 1\n")
    link = tmp_path / "link"
    link.symlink_to(home, target_is_directory=True)
    return home, link


@pytest.mark.parametrize("where", ["new.html", "accounts/me.toml", "accounts/new.html", "."])
def test_a_path_into_the_home_through_a_symlink_is_refused(linked_home: tuple[Path, Path], where: str) -> None:
    home, link = linked_home
    with pytest.raises(InvalidValue, match="inside the profile home|not a regular file"):
        check_target(str(link / where), [], home)  # the home as given, the target through the link
    with pytest.raises(InvalidValue, match="inside the profile home|not a regular file"):
        check_target(str(home / where), [], link)  # the home through the link (GPTPRIV_HOME=link)
    assert (home / "accounts" / "me.toml").read_text() == "schema_version = 1\n"


def test_a_file_symlinked_into_the_home_is_refused(linked_home: tuple[Path, Path], tmp_path: Path) -> None:
    home, _ = linked_home
    report = tmp_path / "report.html"
    report.symlink_to(home / "accounts" / "me.toml")
    with pytest.raises(InvalidValue, match="inside the profile home"):
        check_target(str(report), [], home)


def test_a_path_beside_the_home_is_allowed(linked_home: tuple[Path, Path], tmp_path: Path) -> None:
    home, link = linked_home
    # A sibling whose name starts like the home's is not inside it.
    assert check_target(str(tmp_path / "real" / "gptpriv-home.html"), [], link) == (
        tmp_path / "real" / "gptpriv-home.html")
    out = tmp_path / "out.html"
    out.symlink_to(tmp_path / "elsewhere.html")
    assert check_target(str(out), [], link) == Path(os.path.realpath(tmp_path / "elsewhere.html"))


# -- NextSteps: calls without consent or to an undeclared domain come first ------------


def _call(party: str, consent: str, flags: tuple[str, ...] = ()) -> Disclosure:
    """An Action call as the resolver reports it, with `consent` ("no record": none on record)."""
    call = Call(kind="action", party=party, domain=party, approval=None if consent == "no record" else consent)
    return disclose(Settings(None, Snapshot((), ())), Conversation(), call)._replace(flags=flags)


def _link(conversation_id: str) -> Disclosure:
    return shared_link(Conversation(id=conversation_id), SharedLink(f"s-{conversation_id}", None, True))


def _verdict(*disclosures: Disclosure) -> Verdict:
    return Verdict("not_eligible", (), (), disclosures, ())


def test_calls_without_consent_or_undeclared_are_listed_first() -> None:
    steps = NextSteps()
    conversations = [
        ("allowed", _verdict(_call("a.example", "allow"))),
        ("no-record", _verdict(_call("b.example", "no record"))),
        ("always", _verdict(_call("c.example", "always_allow"))),
        ("undeclared", _verdict(_call("d.example", "allow", ("disclosure.undeclared_domain",)))),
        ("mixed", _verdict(_call("e.example", "allow"), _call("f.example", "no record"))),
        ("denied-no-record", _verdict(_call("g.example", "deny")._replace(sent=False))),
        ("shared", _verdict(_link("shared"))),
    ]
    for conversation_id, verdict in conversations:
        steps.add(conversation_id, verdict)
    by_id = {s.id: s for s in steps.results()}
    third = by_id["step.review_third_parties"]
    # The flagged ones first, each group in the order read; a declined call is in no step.
    assert third.conversations == ["no-record", "undeclared", "mixed", "allowed", "always"]
    assert third.count == 5
    assert "3 of them, listed first" in third.why and any("(listed first)" in n for n in third.notes)
    assert "disclosure.undeclared_domain" in third.why
    # A shared link's consent is known (the user made it): never "first", nor counted so.
    assert by_id[SHARED_LINK.step].conversations == ["shared"]
    assert [(h.step, h.first) for h in hits(conversations[-1][1])] == [(SHARED_LINK.step, False)]
    assert [(h.step, h.first) for h in hits(conversations[1][1])] == [("step.review_third_parties", True)]
    assert [(h.step, h.first) for h in hits(conversations[0][1])] == [("step.review_third_parties", False)]


def test_without_a_flagged_call_nothing_is_said_to_be_first() -> None:
    steps = NextSteps()
    steps.add("one", _verdict(_call("a.example", "allow")))
    steps.add("two", _verdict(_call("b.example", "always_allow")))
    [third] = steps.results()
    assert third.conversations == ["one", "two"] and "listed first" not in third.why and third.notes == ()


# -- the report's short id: never a raw control or bidi character -------------------------


HOSTILE_IDS = ["\x1b[2J\x1b]0;t\x07-aaaa", "\u202eevil\u2066x\u2069-bbbb", "\x9b31m\x85\r\n\t-cccc",
               "\u200f\u061c\u2028\x00\x7f-dddd"]


def test_a_short_id_shows_controls_and_bidi_as_escapes() -> None:
    titles, spool = Titles(), Spool(1 << 16)
    try:
        for conversation_id in HOSTILE_IDS:
            spool.write(titles.add("New chat"), conversation_id, f"<li>New chat{SHORT_ID}</li>")
        lines = list(spool.lines(titles))
    finally:
        spool.close()
    assert len(lines) == len(HOSTILE_IDS)
    page = "".join(lines)
    assert raw_controls(page.replace("\n", "").encode()) == []
    assert '<small class="short-id" title="conversation id">\\x1b[2J\\x1b]0;</small>' in lines[0]
    assert '>\\u202eevil\\u2066x\\u2069</small>' in lines[1]
    assert '>\\x9b31m\\x85\\r\\n\\t</small>' in lines[2]
    assert '>\\u200f\\u061c\\u2028\\x00\\x7f-dd</small>' in lines[3]


def test_the_report_page_carries_no_raw_control_in_a_short_id(tmp_path: Path, isolated_env: Path) -> None:
    t0 = datetime(2024, 6, 1, tzinfo=timezone.utc).timestamp()
    convs = []
    for i, conversation_id in enumerate(HOSTILE_IDS):
        c = ConversationBuilder(conversation_id, "New chat", t0 + i * 86400)  # one title: short ids shown
        c.turn("q", "a")
        c.memory("a fact")  # and so in a step's list too
        convs.append(c.build())
    export = write_export(tmp_path / "e", convs, email="me@example.com")
    run = CheckRun.open(Store(isolated_env), [str(export)])
    builder = ReportBuilder(run.snapshot)
    out = io.StringIO()
    try:
        with closing(run):
            for checked in run:
                builder.add(checked)
        builder.write(out, datetime(2025, 1, 1, tzinfo=timezone.utc), run.result())
    finally:
        builder.close()
    page = out.getvalue()
    # In the table, and in the lists of two steps: the account's setting (no profile) and Memory.
    assert page.count('class="short-id"') == 3 * len(HOSTILE_IDS)
    assert "\\x1b[2J\\x1b]0;</small>" in page and "\\u202eevil\\u2066x\\u2069</small>" in page
    assert raw_controls(page.encode()) == [], raw_controls(page.encode())
