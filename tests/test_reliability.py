"""No profile lost or corrupted, no input that breaks gptpriv, nothing private printed.

Each test has a short variant in the normal suite and a long one marked `slow`
(`python benchmarks/stress.py` runs those and prints their figures).
"""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from gptpriv.errors import GptprivError
from gptpriv.export import ExportReader, Facts, Skipped

from conftest import REAL_EXPORTS
from export_builder import ConversationBuilder, dumps, write_export
from hostile import TERMINAL, plant, raw_controls

GPTPRIV = [sys.executable, "-m", "gptpriv"]


def env_for(home: Path) -> dict[str, str]:
    return {**os.environ, "GPTPRIV_HOME": str(home), "NO_COLOR": "1"}


# -- concurrency ----------------------------------------------------------------------------


def concurrent_writers(home: Path, processes: int) -> dict[str, float]:
    env = env_for(home)
    subprocess.run(GPTPRIV + ["account", "add", "me", "--plan", "plus"], env=env, check=True,
                   capture_output=True)
    subprocess.run(GPTPRIV + ["gpt", "create", "g", "--id", "g-many"], env=env, check=True,
                   capture_output=True)
    script = ("import sys\nfrom gptpriv.cli import main\n"
              "sys.argv = ['gptpriv'] + sys.argv[1:]\nmain()\n")
    started = time.perf_counter()
    procs = []
    for i in range(processes):
        # Each process records one consent decision and one timeline entry.
        command = (f"{sys.executable} -c \"{script}\" consent allow g d{i}.example --at 2025-01-01T00:00:{i % 60:02d} "
                   f"&& {sys.executable} -c \"{script}\" account opt-out --at 2024-01-01T00:{i // 60:02d}:{i % 60:02d} "
                   f"--note p{i}")
        procs.append(subprocess.Popen(command, shell=True, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    errors = [p.communicate()[1] for p in procs]
    elapsed = time.perf_counter() - started
    assert all(p.returncode == 0 for p in procs), [e for e in errors if e][:3]
    data = tomllib.loads((home / "accounts" / "me.toml").read_text())
    assert sorted(c["domain"] for c in data["consents"]) == sorted(f"d{i}.example" for i in range(processes))
    assert sorted(e["note"] for e in data["training"]) == sorted(f"p{i}" for i in range(processes))
    return {"processes": processes, "entries": len(data["consents"]) + len(data["training"]),
            "seconds": elapsed}


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    figures = concurrent_writers(tmp_path / "home", 6)
    assert figures["entries"] == 12


@pytest.mark.slow
def test_concurrent_writers_lose_nothing_long(tmp_path: Path) -> None:
    figures = concurrent_writers(tmp_path / "home", 50)
    print(f"\nconcurrency: {figures['processes']} processes, {figures['entries']} entries all kept, "
          f"{figures['seconds']:.1f} s")


# -- crash safety ---------------------------------------------------------------------------

_WRITER = """
import sys
from datetime import datetime, timedelta, timezone
from gptpriv.profiles.accounts import record_training
from gptpriv.profiles.store import Store
store = Store(__import__("pathlib").Path(sys.argv[1]))
start = datetime(2020, 1, 1, tzinfo=timezone.utc)
i = int(sys.argv[2])
while True:
    record_training(store, "me", allowed=i % 2 == 0, at=start + timedelta(minutes=i), note=f"n{i}" * 50)
    i += 1
"""


def kill_writers(home: Path, kills: int, seed: int = 1) -> dict[str, int]:
    env = env_for(home)
    subprocess.run(GPTPRIV + ["account", "add", "me", "--plan", "plus"], env=env, check=True,
                   capture_output=True)
    path = home / "accounts" / "me.toml"
    rng = random.Random(seed)
    seen_counts = []
    for k in range(kills):
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(home), str(k * 1000)], env=env)
        time.sleep(rng.uniform(0.05, 0.25))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        data = tomllib.loads(path.read_text())  # old or new, never partial: it must parse
        entries = data.get("training", [])
        assert all(e["note"].startswith("n") and isinstance(e["allowed"], bool) for e in entries)
        assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        seen_counts.append(len(entries))
    assert seen_counts == sorted(seen_counts)  # a kill never takes entries away
    leftovers = list((home / "accounts").glob(".*.tmp"))
    subprocess.run(GPTPRIV + ["account", "opt-in", "me"], env=env, check=True, capture_output=True)
    assert not list((home / "accounts").glob(".*.tmp"))  # cleaned by the next writer
    return {"kills": kills, "entries": seen_counts[-1], "stale_temp_files_cleaned": len(leftovers)}


def test_killed_writer_leaves_old_or_new(tmp_path: Path) -> None:
    kill_writers(tmp_path / "home", 6)


@pytest.mark.slow
def test_killed_writer_leaves_old_or_new_long(tmp_path: Path) -> None:
    figures = kill_writers(tmp_path / "home", 200)
    print(f"\ncrash safety: {figures['kills']} SIGKILLs during saves, profile parsed every time, "
          f"{figures['entries']} entries at the end, {figures['stale_temp_files_cleaned']} stale "
          "temp files left by the last kill were cleaned by the next command")


# -- hostile exports -------------------------------------------------------------------------

SEEDS = [json.loads(p.read_text()) for p in sorted(REAL_EXPORTS.glob("*.json"))]


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:5]):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def _set(doc, path, value):
    """Set a value at a path; a path an earlier mutation made invalid is left alone."""
    try:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value
    except (TypeError, KeyError, IndexError):
        pass


def mutate(rng: random.Random) -> bytes:
    seed = json.loads(json.dumps(rng.choice(SEEDS)))
    doc = seed if isinstance(seed, list) else [seed]
    kind = rng.randrange(13)
    if kind < 4:  # a wrong type at a field the reader uses (or any field)
        paths = list(_paths(doc))
        for _ in range(rng.randint(1, 4)):
            _set(doc, rng.choice(paths), rng.choice([None, 1, -1e308, "x", [], {}, True, "g-p-1",
                                                     [None], {"mapping": 1}]))
        data = dumps(doc).encode()
    elif kind == 4:  # huge string
        doc[0]["title"] = "ä" * rng.randint(1, 3_000_000)
        data = dumps(doc).encode()
    elif kind == 5:  # deep nesting
        depth = rng.choice([100, 5000, 200_000])
        data = dumps(doc).encode()[:-1] + b", " + b"[" * depth + b"]" * depth + b"]"
    elif kind == 6:  # NaN, duplicate keys
        data = dumps(doc).encode().replace(b'"create_time": ', b'"create_time": NaN, "create_time": ', 1)
    elif kind == 7:  # nulls everywhere
        for path in list(_paths(doc))[::3]:
            _set(doc, path, None)
        data = dumps(doc).encode()
    elif kind == 8:  # BOM, empty arrays, whitespace
        data = rng.choice([b"\xef\xbb\xbf" + dumps(doc).encode(), b"[]", b" [ ] ", b"[{}]", b"{}", b"null"])
    elif kind == 12:  # terminal escapes, bidi overrides and markup in every string the reader extracts
        data = dumps(plant(doc, rng)).encode()
    else:
        data = bytearray(dumps(doc).encode())
        if kind == 9:  # truncation
            data = data[:rng.randrange(len(data))]
        elif kind == 10:  # bit flips
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(len(data))
                data[at] ^= 1 << rng.randrange(8)
        else:  # invalid UTF-8
            at = rng.randrange(len(data))
            data[at:at] = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"])
        data = bytes(data)
    return data


def fuzz(tmp_path: Path, cases: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    outcomes = {"read": 0, "skipped_conversations": 0, "input_errors": 0}
    path = tmp_path / "conversations.json"
    for _ in range(cases):
        path.write_bytes(mutate(rng))
        try:
            items = list(ExportReader(str(path)).conversations())
        except GptprivError:
            outcomes["input_errors"] += 1
            continue
        assert all(isinstance(i, (Facts, Skipped)) for i in items)
        outcomes["read"] += 1
        outcomes["skipped_conversations"] += sum(isinstance(i, Skipped) for i in items)
    return outcomes


def test_fuzzed_exports_never_crash(tmp_path: Path) -> None:
    outcomes = fuzz(tmp_path, 300, seed=11)
    assert outcomes["read"] and outcomes["input_errors"] and outcomes["skipped_conversations"]


def test_fuzzed_exports_through_the_cli(run, tmp_path: Path) -> None:
    rng = random.Random(5)
    path = tmp_path / "conversations.json"
    for _ in range(40):
        path.write_bytes(mutate(rng))
        result = run("check", str(path), "--json", ok=False)
        assert result.exit_code in (0, 2), result.stderr
        if result.exit_code == 2:
            assert result.stderr.count("\n") == 1 and result.stdout == ""
        else:
            json.loads(result.stdout)
            # Whatever the input, no output form writes a raw control or bidi character.
            text = run("check", str(path), "--explain")
            assert raw_controls((text.stdout + text.stderr).encode()) == []
        assert raw_controls((result.stdout + result.stderr).encode()) == []


@pytest.mark.slow
def test_fuzzed_exports_never_crash_long(tmp_path: Path) -> None:
    started = time.perf_counter()
    outcomes = fuzz(tmp_path, 10_000, seed=2024)
    print(f"\nfuzz: 10000 mutated exports in {time.perf_counter() - started:.0f} s, 0 tracebacks: "
          f"{outcomes['read']} read ({outcomes['skipped_conversations']} malformed conversations "
          f"skipped), {outcomes['input_errors']} refused as bad input")


# -- ZIP ------------------------------------------------------------------------------------


def test_nested_zip_is_ignored_and_nothing_is_written(tmp_path: Path) -> None:
    inner = write_export(tmp_path / "inner", [ConversationBuilder("c1", "t", 1.7e9).build()],
                         zip_name="inner.zip")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(inner, "nested/export.zip")
        archive.writestr("conversations.json", "[]")
        archive.writestr("../../evil/conversations-001.json", "[]")
    before = sorted(p for p in tmp_path.rglob("*"))
    assert list(ExportReader(str(outer)).conversations()) == []
    assert sorted(p for p in tmp_path.rglob("*")) == before


# -- names and paths ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["wоrk", "ｗork", "../x", "a/b", "a\\b", "a\x00b", "x" * 300, "aux", "lpt1", "."])
def test_hostile_names_are_refused(run, name: str, isolated_env: Path) -> None:
    for command in (["account", "add", "--", name], ["gpt", "create", "--", name]):
        result = run(*command, ok=False)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert not isolated_env.exists() or not any(isolated_env.rglob("*.toml"))


def test_home_that_cannot_be_created_is_one_line(run) -> None:
    result = run("--home", "/proc/version/gptpriv", "account", "add", "me", ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "/proc/version" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_home_is_one_line(run, tmp_path: Path) -> None:
    home = tmp_path / "ro"
    home.mkdir(mode=0o500)
    result = run("--home", str(home), "account", "add", "me", ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "permission" in result.stderr


# -- permissions after every writing command -------------------------------------------------


def test_permissions_after_every_command(run, isolated_env: Path) -> None:
    commands = [
        ["account", "add", "me", "--plan", "plus"], ["account", "set", "me", "--email", "a@b.example"],
        ["account", "opt-out"], ["account", "opt-in"], ["device", "add", "laptop"],
        ["device", "history-off", "laptop"], ["gpt", "create", "g", "--id", "g-abc"],
        ["gpt", "set", "g", "--title", "G"], ["gpt", "opt-out", "g"],
        ["gpt", "action", "add", "g", "api.x.example"], ["consent", "allow", "g", "api.x.example"],
        ["gpt", "report", "g", "--reason", "r"], ["account", "use", "me"],
    ]
    for command in commands:
        before = {}
        for path in isolated_env.rglob("*.toml"):
            path.chmod(0o644)  # as a user's editor might leave it
            before[path] = path.stat().st_ino
        if isolated_env.exists():
            isolated_env.chmod(0o750)  # the user's choice for a folder that exists: kept
        run(*command)
        assert stat.S_IMODE(isolated_env.stat().st_mode) == (0o700 if command is commands[0] else 0o750)
        # An atomic rewrite replaces the file: a new inode.
        rewritten = [p for p in isolated_env.rglob("*.toml") if before.get(p) != p.stat().st_ino]
        assert rewritten, command
        for path in rewritten:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, (command, path)
        for path in isolated_env.rglob("*"):
            if path.is_dir():  # created by gptpriv
                assert stat.S_IMODE(path.stat().st_mode) == 0o700, (command, path)


# -- privacy of the tool itself --------------------------------------------------------------

MARKER = "PRIVATE-7c1e9"


def _plant(value):
    """The marker in every message text field: parts, text, results, quotes."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("parts", "text", "result", "summary", "content") and not isinstance(item, dict):
                out[key] = [MARKER] if isinstance(item, list) else MARKER
            else:
                out[key] = _plant(item)
        return out
    if isinstance(value, list):
        return [_plant(v) for v in value]
    return value


def test_no_command_prints_message_text(run, tmp_path: Path) -> None:
    run("account", "add", "me", "--plan", "plus")
    paths = []
    rng = random.Random(19)
    for i, seed in enumerate(SEEDS):
        path = tmp_path / f"e{i}.json"
        # Terminal escapes and bidi overrides in every other field the reader extracts.
        doc = plant(_plant(seed), rng)
        if isinstance(doc, list):
            for conv in doc:
                conv["title"] = f"{MARKER}-title{TERMINAL}"
        else:
            doc["title"] = f"{MARKER}-title{TERMINAL}"
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(_plant(SEEDS[0]))[:-300])
    outputs = []
    for args in (["--redact"], ["--redact", "--json"], ["--redact", "--jsonl"], ["--redact", "--explain"]):
        result = run("check", *paths, *args)
        outputs.append(result.stdout + result.stderr)
    report = run("report", *paths, "--redact", "-o", "-")
    outputs.append(report.stdout + report.stderr)
    error = run("check", str(broken), ok=False)
    assert error.exit_code == 2
    outputs.append(error.stdout + error.stderr)
    assert not [o for o in outputs if MARKER in o]
    assert not [o for o in outputs if raw_controls(o.encode())]
    shown = run("check", *paths, "--explain")
    assert MARKER in shown.stdout  # without --redact, titles are shown, and safely
    assert "\\x1b[2J" in shown.stdout and not raw_controls((shown.stdout + shown.stderr).encode())


def test_no_memory_text_and_no_share_url_under_redact(run, tmp_path: Path) -> None:
    """Memory writes are counted, never quoted; a share URL (it grants read access) is hidden
    with --redact like a title, in every output."""
    from export_builder import ConversationBuilder, write_export

    run("account", "add", "me", "--plan", "plus", "--email", "me@example.com")
    convs = []
    for i in range(3):
        c = ConversationBuilder(f"conv-{i}", f"{MARKER}-title", 1.72e9 + i * 86400)
        c.turn(f"{MARKER}-question", f"{MARKER}-answer")
        c.memory(f"{MARKER}-memory: user lives in a secret place")
        c.tool("browser", f'search("{MARKER}-query")', f"{MARKER}-result")
        convs.append(c.build())
    shared = [{"id": f"{MARKER}-share-{i}", "conversation_id": f"conv-{i}" if i < 2 else "gone",
               "title": f"{MARKER}-shared-title", "is_anonymous": i == 0} for i in range(3)]
    export = write_export(tmp_path / "e", convs, email="me@example.com", shared=shared)
    outputs = []
    for args in ([], ["--json"], ["--jsonl"], ["--explain"]):
        result = run("check", str(export), "--redact", *args)
        outputs.append(result.stdout + result.stderr)
    report = run("report", str(export), "--redact", "-o", "-")
    outputs.append(report.stdout + report.stderr)
    assert not [o for o in outputs if MARKER in o]
    # Without --redact: titles and share URLs are shown, memory and message text never.
    plain = [run("check", str(export), *args).stdout for args in ([], ["--json"], ["--explain"])]
    plain.append(run("report", str(export), "-o", "-").stdout)
    for output in plain:
        assert f"{MARKER}-share-" in output
        for never in ("-memory", "-question", "-answer", "-query", "-result"):
            assert f"{MARKER}{never}" not in output
    assert json.loads(plain[1])["summary"]["shared_links"] == 3
