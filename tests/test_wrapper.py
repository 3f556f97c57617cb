"""`{"conversations": [...]}` is streamed like the bare array it holds: the same facts and
the same byte offsets, through one process, the workers, a ZIP and standard input."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_check import parallel_sample, zipped_as_export

from gptpriv.export import ExportError, ExportReader, Facts, Skipped

from export_builder import ConversationBuilder, dumps

T0 = 1.7e9


def wrapped(path: Path, pretty: bool = False) -> Path:
    """The bare array of `path` as `{"conversations": [...]}`, beside it."""
    out = path.with_name("wrapped.json")
    array = path.read_bytes()
    out.write_bytes(b'{\n  "conversations": ' + array + b"\n}\n" if pretty else
                    b'{"conversations": ' + array + b"}")
    return out


def read(path: Path) -> list[Facts | Skipped]:
    return list(ExportReader(str(path)).conversations())


def comparable(items: list[Facts | Skipped], shift: int) -> list[object]:
    """Ids of good conversations; exact offsets (moved by the wrapper's prefix) of skipped ones."""
    return [x.id if isinstance(x, Facts) else x.offset - shift for x in items]


@pytest.mark.parametrize("pretty", [False, True])
@pytest.mark.parametrize("processes", [False, True])
def test_wrapper_reads_as_the_bare_array(tmp_path: Path, small_units, processes: bool, pretty: bool) -> None:
    bare = parallel_sample(tmp_path)
    small_units(False)
    expected = read(bare)
    assert sum(isinstance(x, Skipped) for x in expected) == 1
    wrapper = wrapped(bare, pretty)
    shift = wrapper.read_bytes().index(b"[")
    small_units(processes)
    for path in (wrapper, zipped_as_export(wrapper)):
        got = read(path)
        assert comparable(got, shift) == comparable(expected, 0), path
        assert [x.index for x in got] == list(range(len(expected)))
        facts = [x for x in got if isinstance(x, Facts)]
        assert sum(len(f.conversation.calls) for f in facts) == 30  # one per Action conversation
    with open(wrapper, "rb") as stdin:
        piped = list(ExportReader("-", stdin).conversations())
    assert comparable(piped, shift) == comparable(expected, 0)


def test_wrapper_is_streamed_not_read_whole(tmp_path: Path, small_units, monkeypatch) -> None:
    """Read in small blocks and cut short, it gives the conversations before the cut, then
    the error; the object is never decoded whole."""
    from gptpriv import export
    from gptpriv.export.facts import conversation_reader

    monkeypatch.setattr(export.ExportReader, "_object", lambda *a: pytest.fail("read whole"))
    monkeypatch.setattr(export, "conversation_reader",
                        lambda read, start=0, scan=False: conversation_reader(read, start, chunk=4096, scan=scan))
    bare = parallel_sample(tmp_path)
    small_units(False)
    data = wrapped(bare).read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[:len(data) * 2 // 3])
    got: list[object] = []
    with pytest.raises(ExportError, match="the file ends before the (array|object) is closed"):
        for item in ExportReader(str(cut)).conversations():
            got.append(type(item))
    assert len(got) > 20


def test_wrapper_without_its_closing_brace_is_an_error(tmp_path: Path) -> None:
    c = ConversationBuilder("c-1", "One", T0)
    c.turn("q", "a")
    path = tmp_path / "open.json"
    path.write_text('{"conversations": ' + dumps([c.build()]))
    with pytest.raises(ExportError, match="ends before the object is closed"):
        read(path)


def test_empty_wrapper_and_other_keys_first(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text('{"conversations": []}')
    assert read(empty) == []
    c = ConversationBuilder("c-1", "One", T0)
    c.turn("q", "a")
    later = tmp_path / "later.json"
    later.write_text(dumps({"version": 1, "conversations": [c.build()]}))
    assert [x.id for x in read(later)] == ["c-1"]  # read whole, as before
