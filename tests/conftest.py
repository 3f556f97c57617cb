"""Every test runs against a temporary home, in UTC, with colour and terminal tricks removed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gptpriv.cli import app

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_EXPORTS = SHARED / "fixtures" / "real-exports"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "gptpriv-home"
    monkeypatch.setenv("GPTPRIV_HOME", str(home))
    for var in ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                "GPTPRIV_ACCOUNT", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    return home


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    def json(self) -> dict:
        import json

        return json.loads(self.stdout)


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run a gptpriv command in-process; `ok=True` (default) asserts exit code 0."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, ok: bool = True) -> Result:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        out = Result(result.exit_code, result.stdout, result.stderr)
        if ok:
            assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return out

    return invoke


@pytest.fixture
def small_units(monkeypatch):
    """Units of a few conversations, so that a small file is read in many of them."""
    from gptpriv.export import parallel

    for name, value in (("UNIT", 8000), ("_BLOCK", 2500), ("_WINDOW", 1024)):
        monkeypatch.setattr(parallel, name, value)

    def use(processes: bool) -> None:
        for name in ("PARALLEL_MIN_BYTES", "STREAM_MIN_BYTES"):
            monkeypatch.setattr(parallel, name, 1 if processes else 10**12)

    return use
