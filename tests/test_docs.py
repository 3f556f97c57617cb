"""The README and docs/ held to what they promise: a README a newcomer can read (at most
15 KB, every page of docs/ linked from it), links that lead somewhere, the test command CI
runs, and outputs that are what the commands print (docs/outputs.py)."""

from __future__ import annotations

import importlib.util
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _outputs():
    spec = importlib.util.spec_from_file_location("docs_outputs", ROOT / "docs" / "outputs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGES = _outputs().PAGES  # README.md, then docs/*.md: the script's list, not a copy of it


def test_the_readme_is_at_most_15_kb() -> None:
    assert README.stat().st_size <= 15 * 1024


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = set(_LINK.findall(README.read_text(encoding="utf-8")))
    assert {f"docs/{page.name}" for page in PAGES[1:]} <= linked


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_to_a_file(page: Path) -> None:
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        assert (page.parent / target.split("#")[0]).exists(), f"{page.name}: {target}"


def test_the_readme_gives_the_test_command_ci_runs() -> None:
    command = "pip install '.[test]' && python -m pytest -q"
    assert f"    {command}\n" in README.read_text(encoding="utf-8")
    assert f"\n    {command}\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


# The pages show the commands as run on Linux and macOS: POSIX paths, TZ=UTC.
@pytest.mark.skipif(sys.platform == "win32", reason="the pages show POSIX paths")
def test_the_outputs_shown_are_what_the_commands_print() -> None:
    outputs = _outputs()
    pages = [page for page in outputs.PAGES if "<!-- output" in page.read_text(encoding="utf-8")]
    assert README in pages and len(pages) > 5
    with ThreadPoolExecutor(max_workers=4) as pool:
        regenerated = list(pool.map(outputs.regenerate, pages))
    drifted = [page.name for page, text in zip(pages, regenerated, strict=True)
               if text != page.read_text(encoding="utf-8")]
    assert drifted == [], "run `python docs/outputs.py` and review the change"


def test_a_block_that_drifted_is_found(tmp_path: Path) -> None:
    # The check above can fail: a block whose output is not what the command prints.
    page = tmp_path / "page.md"
    page.write_text("<!-- output -->\n    $ gptpriv --version\n    gptpriv 0.0.0\n<!-- /output -->\n",
                    encoding="utf-8")
    text = _outputs().regenerate(page)
    assert "gptpriv 0.0.0" not in text and "    $ gptpriv --version\n    gptpriv " in text
