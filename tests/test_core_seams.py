"""The run's core without the CLI: `Passes` (each conversation once, what was deleted between two
exports), `CheckRun` (redaction, unknown recipients) and setup's plan (`gptpriv.run.setup`),
called directly on hand-built exports."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from gptpriv.export import ExportReader, Facts
from gptpriv.profiles.store import Store
from gptpriv.run import CheckRun
from gptpriv.run.inputs import AccountChoice, Input
from gptpriv.run.passes import Passes
from gptpriv.run.result import HIDDEN, Checked, RunResult
from gptpriv.run.summary import Summary

from export_builder import ConversationBuilder, dumps, write_export

UTC = timezone.utc


def at(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def conv(cid: str, title: str, created: float, updated: Any = "same", *, drop: bool = False) -> dict[str, Any]:
    """A plain conversation; `updated` its update_time ("same": its creation time), `drop`
    leaves the key out entirely, as some exports do."""
    c = ConversationBuilder(cid, title, created)
    c.turn("q", "a")
    built = c.build()
    built["update_time"] = created if updated == "same" else updated
    if drop:
        del built["update_time"]
    return built


def check(paths: list[Path], home: Path, **options: Any) -> tuple[list[Checked], RunResult]:
    run = CheckRun.open(Store(home), [str(p) for p in paths], **options)
    with closing(run):
        rows = list(run)
    return rows, run.result()


# -- Passes: the latest update_time wins, an undated copy never does ------------------------


def kept(paths: list[Path]) -> tuple[dict[str | None, tuple[int, str | None]], Passes]:
    """Each id's winning copy, as (input index, title), read by Passes' two passes directly."""
    inputs = [Input(ExportReader(str(p)), AccountChoice(None, "given")) for p in paths]
    passes = Passes(inputs, by_account_flag=False)
    assert passes.two_pass
    summary = Summary()
    for k, item in enumerate(inputs):
        passes.scan(k, item.reader.conversations(), summary)
    passes.settle()
    found: dict[str | None, tuple[int, str | None]] = {}
    try:
        for k in range(len(inputs)):
            for item in passes.keep(k):
                assert isinstance(item, Facts)
                assert item.id not in found, f"{item.id} kept twice"
                found[item.id] = (k, item.title)
    finally:
        passes.close()
    return found, passes


@pytest.mark.parametrize("undated", [None, "not a time", "drop"])
@pytest.mark.parametrize("order", ["undated first", "undated last"])
def test_an_undated_copy_never_wins_over_a_dated_one(tmp_path: Path, undated: Any, order: str) -> None:
    dated = conv("c-1", "Dated", at(2025, 1, 1), at(2025, 2, 1))
    bare = conv("c-1", "Undated", at(2025, 1, 1), None if undated == "drop" else undated,
                drop=undated == "drop")
    other = conv("c-2", "Other", at(2025, 1, 3))
    first, second = (bare, dated) if order == "undated first" else (dated, bare)
    paths = [write_export(tmp_path / "a", [first, other]), write_export(tmp_path / "b", [second])]
    found, passes = kept(paths)
    assert found["c-1"][1] == "Dated", found
    assert found["c-2"] == (0, "Other") and passes.duplicates == 1


def test_the_latest_update_wins_and_a_tie_goes_to_the_later_input(tmp_path: Path) -> None:
    old = [conv("c-1", "Old", at(2025, 1, 1), at(2025, 1, 2)), conv("c-2", "Tie A", at(2025, 1, 1))]
    new = [conv("c-1", "New", at(2025, 1, 1), at(2025, 3, 1)), conv("c-2", "Tie B", at(2025, 1, 1))]
    # The newer copy of c-1 is in the first input: the update time decides, not the order.
    found, _ = kept([write_export(tmp_path / "n", new), write_export(tmp_path / "o", old)])
    assert found == {"c-1": (0, "New"), "c-2": (1, "Tie A")}


def test_both_layouts_of_one_folder_keep_the_dated_copy(tmp_path: Path, isolated_env: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text(dumps([conv("c-1", "Dated", at(2025, 1, 1), at(2025, 2, 1))]))
    (folder / "conversations-000.json").write_text(dumps([conv("c-1", "Undated", at(2025, 1, 1), None)]))
    rows, result = check([folder], isolated_env)
    assert [r.facts.title for r in rows] == ["Dated"]
    assert result.summary.duplicates == 1 and result.summary.total == 1


def test_what_was_deleted_between_two_exports_of_one_account(tmp_path: Path, isolated_env: Path) -> None:
    old = write_export(tmp_path / "old", [conv("kept", "Kept", at(2025, 1, 1)),
                                          conv("gone", "Gone", at(2025, 2, 1))], email="Me@Example.com")
    new = write_export(tmp_path / "new", [conv("kept", "Kept", at(2025, 1, 1)),
                                          conv("fresh", "Fresh", at(2025, 3, 1))], email=" me@example.com")
    stranger = write_export(tmp_path / "other", [conv("theirs", "Theirs", at(2025, 4, 1))],
                            email="other@example.com")
    for paths in ([old, new, stranger], [stranger, new, old]):  # input order does not matter
        _, passes = kept(paths)
        [deleted] = passes.deleted_between_exports()
        assert (deleted.id, deleted.title) == ("gone", "Gone")
        assert (deleted.last_seen_in, deleted.missing_from) == (str(old), str(new))
        assert (deleted.since, deleted.until) == (datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC))
        assert [n.rule for n in deleted.notices] == ["retention.deleted"]
    _, result = check([new, old], isolated_env)
    assert [d.to_json()["id"] for d in result.deleted] == ["gone"]
    assert result.to_json()["deleted_between_exports"][0]["window"] == {
        "from": "2025-02-01T00:00:00Z", "until": "2025-03-01T00:00:00Z"}


def test_exports_of_different_accounts_have_nothing_deleted_between_them(tmp_path: Path) -> None:
    one = write_export(tmp_path / "1", [conv("a", "A", at(2025, 1, 1))], email="one@example.com")
    two = write_export(tmp_path / "2", [conv("b", "B", at(2025, 2, 1))], email="two@example.com")
    unnamed = write_export(tmp_path / "3", [conv("c", "C", at(2025, 3, 1))])
    _, passes = kept([one, two, unnamed])
    assert passes.deleted_between_exports() == []


# -- CheckRun: --redact is applied once, in the result ------------------------------------


SECRET, SHARE = "Secret plans for Tuesday", "SHAREID-1234"


@pytest.fixture
def exposed(tmp_path: Path) -> list[Path]:
    """An old and a new export of one account: a titled conversation with a shared link, a
    shared link of no conversation, and a conversation deleted in between."""
    old = write_export(tmp_path / "old", [conv("c-1", SECRET, at(2025, 1, 1)),
                                          conv("c-gone", SECRET + " (gone)", at(2025, 1, 2))],
                       email="me@example.com")
    links = [{"id": SHARE, "conversation_id": "c-1", "title": SECRET, "is_anonymous": True},
             {"id": SHARE + "-elsewhere", "conversation_id": "c-x", "title": SECRET + " elsewhere",
              "is_anonymous": False}]
    new = write_export(tmp_path / "new", [conv("c-1", SECRET, at(2025, 1, 1), at(2025, 3, 1))],
                       email="me@example.com", shared=links)
    return [old, new]


def test_redact_hides_titles_and_share_urls_in_the_result(exposed: list[Path], isolated_env: Path) -> None:
    rows, result = check(exposed, isolated_env, redact=True)
    assert [r.facts.id for r in rows] == ["c-gone", "c-1"]  # the newer copy of c-1 counts
    assert all(r.hidden and r.title == HIDDEN and r.facts.title is None for r in rows)
    assert [r.to_json()["title"] for r in rows] == [None, None]
    doc = rows[1].to_json()
    assert doc["title"] is None and doc["third_parties"][0]["url"] is None
    assert doc["third_parties"][0]["rule"] == "disclosure.shared_link"  # the link is still said
    whole = result.to_json()
    [deleted] = whole["deleted_between_exports"]
    assert deleted["id"] == "c-gone" and deleted["title"] is None and result.deleted[0].hidden
    assert whole["summary"]["unmatched_shared_links"] == [{"url": None, "title": None, "anonymous": False}]
    assert whole["summary"]["shared_links"] == 2
    text = json.dumps([*(r.to_json() for r in rows), whole])
    assert SECRET not in text and SHARE not in text


def test_without_redact_titles_and_share_urls_are_in_the_result(exposed: list[Path], isolated_env: Path) -> None:
    rows, result = check(exposed, isolated_env)
    assert [(r.hidden, r.title) for r in rows] == [(False, SECRET + " (gone)"), (False, SECRET)]
    doc = rows[1].to_json()
    assert doc["title"] == SECRET and doc["third_parties"][0]["url"].endswith(SHARE)
    whole = result.to_json()
    assert whole["deleted_between_exports"][0]["title"] == SECRET + " (gone)"
    [elsewhere] = whole["summary"]["unmatched_shared_links"]
    assert elsewhere["url"].endswith(SHARE + "-elsewhere") and elsewhere["title"] == SECRET + " elsewhere"


# -- Unknown recipients: fail closed ------------------------------------------------------


def test_a_recipient_that_is_no_built_in_tool_is_an_unknown_recipient(tmp_path: Path, isolated_env: Path) -> None:
    odd = ConversationBuilder("c-odd", "Odd", at(2025, 1, 1))
    odd.turn("q", "a")
    odd.tool("t2uay3k.sj1i4kz", "{\"q\": 1}", "ok")
    builtin = ConversationBuilder("c-python", "Python", at(2025, 1, 2))
    builtin.turn("q", "a")
    builtin.tool("python", "1+1", "2")
    export = write_export(tmp_path / "e", [odd.build(), builtin.build()], email="me@example.com")
    rows, result = check([export], isolated_env)
    by_id = {r.facts.id: r for r in rows}
    unknown = by_id["c-odd"]
    [d] = unknown.verdict.disclosures
    assert (d.rule, d.party, d.operation, d.sent) == ("disclosure.unknown_recipient", "t2uay3k", "sj1i4kz", True)
    assert not d.channel.known and "t2uay3k" not in unknown.facts.tools
    assert unknown.trips("disclosure") and not unknown.trips("shared")
    python = by_id["c-python"]
    assert python.verdict.disclosures == () and python.facts.tools == {"python": 1}
    assert not python.trips("disclosure")
    summary = result.to_json()["summary"]
    assert summary["unknown_recipients"] == {"t2uay3k": 1}
    assert summary["third_parties"] == {}  # not known to be a third party, nor a built-in tool
    assert summary["exposed"]["unknown_recipient"] == 1 and summary["exposed"]["third_party"] == 0
    [step] = [s for s in result.steps if s.id == "step.review_third_parties"]
    assert step.conversations == ["c-odd"] and "disclosure.unknown_recipient" in step.why


def test_only_built_in_tools_means_no_unknown_recipients_key(tmp_path: Path, isolated_env: Path) -> None:
    c = ConversationBuilder("c-1", "Tools", at(2025, 1, 1))
    for tool in ("python", "browser", "dalle.text2im", "web.run", "bio", "canmore.create_textdoc"):
        c.tool(tool, "{}", "ok")
    [row], result = check([write_export(tmp_path / "e", [c.build()])], isolated_env)
    assert row.verdict.disclosures == () and not row.trips("disclosure")
    assert "unknown_recipients" not in result.to_json()["summary"]


# -- setup's plan, from an export ---------------------------------------------------------


MINE, OTHER = "g-MINE0000aaaa", "g-OTHER000bbbb"


def _setup_export(tmp_path: Path) -> Path:
    convs = [conv("c-plain", "Plain", at(2023, 6, 10))]
    for i, (gpt, day) in enumerate([(OTHER, 11), (MINE, 12), (OTHER, 13)]):
        c = ConversationBuilder(f"c-gpt{i}", "With a GPT", at(2023, 6, day), gizmo_id=gpt, gizmo_type="gpt")
        c.turn("q", "a", gizmo_id=gpt)
        convs.append(c.build())
    folder = write_export(tmp_path / "export", convs, email="  Sam.Smith@Example.com ", plus=True)
    # The same conversations again in the other layout: an overview counts each once.
    (folder / "conversations-000.json").write_text((folder / "conversations.json").read_text())
    return folder


def test_the_overview_of_an_export(tmp_path: Path) -> None:
    from gptpriv.run.setup import overview

    seen = overview(str(_setup_export(tmp_path)))
    assert seen.email == "Sam.Smith@Example.com" and seen.plus is True
    assert seen.conversations == 4
    assert (seen.first, seen.last) == (datetime(2023, 6, 10, tzinfo=UTC), datetime(2023, 6, 13, tzinfo=UTC))
    assert list(seen.gpts.items()) == [(OTHER, 2), (MINE, 1)]  # most used first
    bare = overview(str(write_export(tmp_path / "bare", [], plus=None)))
    assert (bare.email, bare.plus, bare.conversations, bare.first, bare.gpts) == (None, False, 0, None, {})


def test_setup_plans_from_the_export_and_records_exactly_that(tmp_path: Path, isolated_env: Path) -> None:
    from gptpriv.cli.setup import _default_name  # the name offered: a pure helper, no prompt
    from gptpriv.profiles.accounts import load_account
    from gptpriv.profiles.gpts import load_gpts
    from gptpriv.run import setup as core

    seen = core.overview(str(_setup_export(tmp_path)))
    assert _default_name(seen) == "sam-smith" and _default_name(None) == "personal"
    taken = {"gpt-other000"}  # a profile of that name exists: the next one is numbered
    gpts = []
    for gpt_id in seen.gpts:
        name = core.gpt_profile_name(gpt_id, taken)
        taken.add(name)
        gpts.append(core.GptAnswer(gpt_id, name, gpt_id == MINE))
    assert [g.name for g in gpts] == ["gpt-other000-2", "gpt-mine0000"]
    opted_out = datetime(2023, 5, 1, 9, 30, tzinfo=UTC)
    answers = core.Answers("sam-smith", seen.email, "plus" if seen.plus else None, opted_out, True,
                           "switch", ("laptop", "phone"), tuple(gpts))
    assert core.check_answers(answers) == []
    assert core.summary(answers, existing=False) == [
        "Add account sam-smith, email Sam.Smith@Example.com, plan plus",
        "Device laptop: Chat History & Training off from 2023-05-01 09:30 +0000",
        "Device phone: Chat History & Training off from 2023-05-01 09:30 +0000",
        "GPT gpt-other000-2 (g-OTHER000bbbb): built by someone else",
        "GPT gpt-mine0000 (g-MINE0000aaaa): built by you",
    ]
    store = Store(isolated_env)
    core.apply_setup(store, answers, datetime(2025, 1, 1, tzinfo=UTC))
    account = load_account(store, "sam-smith")
    assert (account.email, account.plan) == ("Sam.Smith@Example.com", "plus")
    assert account.training.entries == ()
    for name in ("laptop", "phone"):
        [entry] = account.device(name).history.entries
        assert (entry.at, entry.allowed) == (opted_out, False) and "switch" in entry.note
    assert {g.name: (g.id, g.mine) for g in load_gpts(store)} == {
        "gpt-other000-2": (OTHER, False), "gpt-mine0000": (MINE, True)}


def test_setup_plan_for_an_account_setting_and_for_not_remembering(isolated_env: Path) -> None:
    from gptpriv.errors import InvalidValue
    from gptpriv.profiles.accounts import load_account
    from gptpriv.run import setup as core

    later = datetime(2024, 9, 1, tzinfo=UTC)
    setting = core.Answers("me", None, None, later, True, "setting")
    assert core.summary(setting, existing=True)[0] == "Update account me, plan not given (its setting stays unknown)"
    assert core.summary(setting, existing=True)[1].startswith("Training off for the whole account from 2024-09-01")
    # The switch had gone by then; the setting did not exist in 2023-05.
    with pytest.raises(InvalidValue, match="existed from"):
        core.check_answers(setting._replace(how="switch", devices=("laptop",)))
    with pytest.raises(InvalidValue, match="existed from"):
        core.check_answers(setting._replace(opted_out=datetime(2023, 5, 1, tzinfo=UTC)))
    with pytest.raises(InvalidValue, match="--device"):
        core.check_answers(setting._replace(opted_out=datetime(2023, 5, 1, tzinfo=UTC), how="switch"))
    forgot = core.Answers("me", "me@example.com", "free", None, False, None)
    assert core.summary(forgot, existing=False)[1].startswith("Whether training was ever turned off: not remembered")
    store = Store(isolated_env)
    core.apply_setup(store, forgot, datetime(2025, 1, 1, tzinfo=UTC))
    account = load_account(store, "me")
    assert account.training.entries == () and account.training.default is None  # stays unknown
    core.apply_setup(store, setting._replace(email="me@example.com"), datetime(2025, 1, 2, tzinfo=UTC))
    [entry] = load_account(store, "me").training.entries
    assert (entry.at, entry.allowed) == (later, False)
