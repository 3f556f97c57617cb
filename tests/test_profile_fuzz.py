"""Hand-edited profiles (they travel in dotfile repositories) through every writing command:
local dates, the ends of the date range, deep nesting, huge arrays, wrong types, BOMs. Each
command either works or says one line and exits 2; a refused command leaves the file as it
was, and a working one leaves a file that reads back."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

ACCOUNT = 'schema_version = 1\nname = "me"\nplan = "plus"\nemail = "me@example.com"\n'
GPT = 'schema_version = 1\nname = "g"\nid = "g-abc"\nmine = false\n'

# Snippets a person might write, each a complete top-level key (or table) of its own.
ACCOUNT_SNIPPETS = [
    "training = [{ at = 2024-06-01, allowed = false }]",
    "training = [{ at = 2024-05-01T09:30:00, allowed = false }, { at = 2024-01-01T00:00:00Z, allowed = true }]",
    "training = [{ at = 0001-01-01T00:00:00+01:00, allowed = false }]",
    "training = [{ at = 9999-12-31T23:59:59-12:00, allowed = true }]",
    "training = [{ at = 0001-01-01, allowed = true }]",
    'training = [{ at = "yesterday", allowed = false }]',
    'training = [{ at = 2024-01-01T00:00:00Z, allowed = "no" }]',
    "training = [{ at = 2024-01-01T00:00:00Z }]",
    "training = 5",
    "training = [1, 2]",
    "training = {}",
    "devices = [{ name = \"laptop\", history = [{ at = 2024-03-01, allowed = false }] }]",
    "devices = [{ name = \"laptop\", history = [{ at = 12:30:00, allowed = false }] }]",
    'devices = "laptop"',
    "devices = [{ history = [] }]",
    'consents = [{ gpt = "g", domain = "api.x.example", decision = "allow", at = 2024-02-01 }]',
    'consents = [{ gpt = "g", domain = "api.x.example", decision = "maybe", at = 2024-02-01T00:00:00Z }]',
    "consents = [{ gpt = 1 }]",
    "deep = " + "[" * 40 + "1" + "]" * 40,
    "deep = " + "[" * 600 + "1" + "]" * 600,
    "deeptable = " + "{ a = " * 40 + "1" + " }" * 40,
    "huge = [" + ", ".join(str(i) for i in range(20_000)) + "]",
    "training = [" + ", ".join(f"{{ at = 2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z, "
                               f"allowed = {str(i % 2 == 0).lower()} }}" for i in range(2_000)) + "]",
    'extra = "kept"\n[future]\nx = 1',
]
GPT_SNIPPETS = [
    "training = [{ at = 2024-06-01, allowed = false }]",
    "training = [{ at = 2024-10-27T02:30:00, allowed = false }]",
    "training = [{ at = 9999-12-31T23:59:59-12:00, allowed = false }]",
    'actions = [{ domain = "api.x.example", operations = [{ id = "book", consequential = true }] }]',
    "actions = [{ domain = 1 }]",
    'actions = [{ domain = "api.x.example", operations = "book" }]',
    'reports = [{ at = 2024-01-01, reason = "r" }]',
    "reports = [{ at = 1 }]",
    'visibility = "everyone"',
]
TOP_LEVEL_BREAKERS = ["name = 3", 'plan = "gold"', "email = 5", 'schema_version = "1"', "schema_version = 9",
                      "broken = = 1", "plan = \"plus\"", "\x00"]

COMMANDS = [
    ["account", "add", "other", "--plan", "free"], ["account", "set", "me", "--email", "new@example.com"],
    ["account", "set", "me", "--plan", "pro"], ["account", "opt-out", "me", "--at", "2024-02-01"],
    ["account", "opt-in", "me"], ["account", "use", "me"], ["device", "add", "phone", "-a", "me"],
    ["device", "history-off", "phone", "-a", "me", "--at", "2024-03-01T10:00:00"],
    ["gpt", "set", "g", "--title", "G"], ["gpt", "opt-out", "g", "--at", "2024-04-01"],
    ["gpt", "action", "add", "g", "api.y.example", "--operation", "go:consequential"],
    ["consent", "allow", "g", "api.y.example", "-a", "me"], ["gpt", "report", "g", "--reason", "r"],
    ["account", "show", "me", "--json"], ["doctor", "--json"], ["status", "--json"],
]


def _profiles(home: Path, rng: random.Random) -> tuple[Path, Path]:
    (home / "accounts").mkdir(parents=True, mode=0o700, exist_ok=True)
    (home / "gpts").mkdir(mode=0o700, exist_ok=True)
    account, gpt = home / "accounts" / "me.toml", home / "gpts" / "g.toml"
    chosen = rng.sample(ACCOUNT_SNIPPETS, rng.randint(0, 3))
    body = ACCOUNT
    if rng.random() < 0.15:
        body = body.replace('plan = "plus"\n', "") + rng.choice(TOP_LEVEL_BREAKERS) + "\n"
    # Tables go last: a key after a [table] header would belong to it.
    account.write_bytes((b"\xef\xbb\xbf" if rng.random() < 0.2 else b"")
                        + (body + "\n".join(sorted(chosen, key=lambda s: "[" in s)) + "\n").encode())
    gpt.write_text(GPT + "\n".join(rng.sample(GPT_SNIPPETS, rng.randint(0, 2))) + "\n")
    (home / "config.toml").write_text('schema_version = 1\ncurrent_account = "me"\n')
    return account, gpt


def fuzz_profiles(run, home: Path, cases: int, seed: int) -> dict[str, int]:
    import shutil
    import tomllib

    rng = random.Random(seed)
    outcomes = {"worked": 0, "refused": 0}
    for _ in range(cases):
        shutil.rmtree(home, ignore_errors=True)
        files = _profiles(home, rng)
        for command in rng.sample(COMMANDS, 5):
            before = {p: p.read_bytes() for p in files}
            result = run(*command, ok=False)  # a traceback fails the test (catch_exceptions=False)
            assert result.exit_code in (0, 2), (command, result.stderr)
            if result.exit_code == 2:
                outcomes["refused"] += 1
                assert result.stderr.startswith("gptpriv: error: "), (command, result.stderr)
                assert result.stderr.count("\n") == 1, (command, result.stderr)
                assert {p: p.read_bytes() for p in files} == before, command
            else:
                outcomes["worked"] += 1
                for path in files:  # what gptpriv rewrote reads back; the rest is as written
                    if path.read_bytes() != before[path]:
                        tomllib.loads(path.read_text(encoding="utf-8"))
    return outcomes


def test_hand_edited_profiles_through_every_writing_command(run, isolated_env: Path) -> None:
    outcomes = fuzz_profiles(run, isolated_env, 30, seed=21)
    assert outcomes["worked"] and outcomes["refused"]


@pytest.mark.slow
def test_hand_edited_profiles_long(run, isolated_env: Path) -> None:
    started = time.perf_counter()
    outcomes = fuzz_profiles(run, isolated_env, 500, seed=2126)
    print(f"\nprofile fuzz: 500 hand-edited homes, 2500 commands in {time.perf_counter() - started:.0f} s, "
          f"0 tracebacks: {outcomes['worked']} worked, {outcomes['refused']} refused in one line")
