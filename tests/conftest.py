"""Every test runs against a temporary home, in UTC, with colour and terminal tricks removed."""

from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gptpriv.cli import app

# Inside the repository, so that a bare clone runs the whole suite (origins and licences in
# its SOURCES.md).
REAL_EXPORTS = Path(__file__).resolve().parent / "fixtures" / "real-exports"


# `error` (.ci/run sets it) makes every warning raised by the standard library's
# multiprocessing fail the run, such as Python 3.12+'s DeprecationWarning from
# multiprocessing.popen_fork when a pool forks while another thread runs (the child can
# deadlock). A warnings filter with action "error" cannot do it: CPython drops that warning
# when it would raise, as the fork has already happened (`python3.13 -W error` forking beside
# a thread exits 0, silently). So they are all shown and recorded, and the run fails at the end.
MULTIPROCESSING_WARNINGS = os.environ.get("GPTPRIV_MULTIPROCESSING_WARNINGS", "default")
_MULTIPROCESSING = Path(multiprocessing.__file__).parent
_multiprocessing_warnings: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    if MULTIPROCESSING_WARNINGS == "error":
        # A regex in the ini option (unlike -W), so that it covers every multiprocessing.* module.
        config.addinivalue_line("filterwarnings", "always:::multiprocessing(\\.|$)")


def pytest_warning_recorded(warning_message: warnings.WarningMessage, when: str, nodeid: str) -> None:
    # A ResourceWarning names the line where the garbage collector happened to run, not where
    # the file was left open: one that fires inside multiprocessing says nothing about it.
    if issubclass(warning_message.category, ResourceWarning):
        return
    if MULTIPROCESSING_WARNINGS == "error" and Path(warning_message.filename).is_relative_to(_MULTIPROCESSING):
        _multiprocessing_warnings.append(
            f"{nodeid or when}: {warning_message.category.__name__}: {warning_message.message}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _multiprocessing_warnings:
        terminalreporter.section("warnings from multiprocessing fail the run "
                                 "(GPTPRIV_MULTIPROCESSING_WARNINGS=error)")
        for line in _multiprocessing_warnings:
            terminalreporter.line(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _multiprocessing_warnings:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
    from gptpriv.export import boundaries, parallel

    for name, value in (("UNIT", 8000), ("_BLOCK", 2500)):
        monkeypatch.setattr(parallel, name, value)
    monkeypatch.setattr(boundaries, "WINDOW", 1024)

    def use(processes: bool) -> None:
        for name in ("PARALLEL_MIN_BYTES", "STREAM_MIN_BYTES"):
            monkeypatch.setattr(parallel, name, 1 if processes else 10**12)

    return use
