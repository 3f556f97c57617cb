"""The command tree as a whole: version, help on every command, import hygiene."""

from __future__ import annotations

import subprocess
import sys

import typer.main
from typer import _click as click

from gptpriv import __version__
from gptpriv.cli import app


def all_commands():
    root = typer.main.get_command(app)
    ctx = click.Context(root)

    def walk(group, path):
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            yield [*path, name], command
            if hasattr(command, "list_commands"):
                yield from walk(command, [*path, name])

    return list(walk(root, []))


def test_version(run) -> None:
    assert run("--version").stdout == f"gptpriv {__version__}\n"


def test_every_command_has_help_text(run) -> None:
    commands = all_commands()
    assert len(commands) > 10
    for path, command in commands:
        assert command.help and command.help.strip(), path
        result = run(*path, "--help")
        assert "Usage:" in result.stdout, path


def test_python_dash_m(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-m", "gptpriv", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout == f"gptpriv {__version__}\n"


def test_json_read_command_imports_nothing_it_does_not_use(tmp_path) -> None:
    code = (
        "import sys; sys.argv = ['gptpriv', 'account', 'list', '--json']\n"
        "from gptpriv.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad = {'rich', 'rich.console', 'tomli_w', 'pydantic', 'platformdirs', 'gptpriv.export', 'msgspec'}"
        " & set(sys.modules)\n"
        "print(sorted(bad), file=sys.stderr)\n"
    )
    env = {"GPTPRIV_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stderr.strip() == "[]", out.stderr


def test_usage_error_exits_2(run) -> None:
    assert run("account", "add", ok=False).exit_code == 2
    assert run("no-such-command", ok=False).exit_code == 2


def test_help_lists_commands_in_the_order_a_person_uses_them(run, monkeypatch) -> None:
    # setup, check, report and status first; the record-keeping groups; then the upkeep.
    monkeypatch.setenv("COLUMNS", "120")
    lines = run("--help").stdout.splitlines()
    panels, listed = [], []
    for line in lines:
        if line.startswith("╭─"):
            panels.append(line.strip("╭─╮ "))
        elif line.startswith("│ ") and panels and panels[-1] != "Options":
            word = line[2:].split(" ", 1)[0]
            if word and word.isalpha():
                listed.append((panels[-1], word))
    assert listed == [
        ("Commands", "setup"), ("Commands", "check"), ("Commands", "report"), ("Commands", "status"),
        ("Your records", "account"), ("Your records", "device"), ("Your records", "gpt"),
        ("Your records", "consent"),
        ("Upkeep", "doctor"), ("Upkeep", "rules"), ("Upkeep", "config"),
    ]
