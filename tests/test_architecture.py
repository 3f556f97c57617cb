"""The layout ARCHITECTURE.md describes, held against the code: which package may import which,
and files small enough to hold in one's head."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gptpriv"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path, module: str) -> set[str]:
    """Every module `path` imports, at the top or inside a function, relative ones resolved."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: -node.level] if path.name != "__init__.py" else \
                    module.split(".")[: len(module.split(".")) - node.level + 1]
                base = ".".join([*package, base]) if base else ".".join(package)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _is(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_core_imports_neither_typer_nor_rich() -> None:
    offenders = {
        module: sorted(n for n in _imports(path, module) if _is(n, "typer", "rich", "click", "gptpriv.cli"))
        for module, path in _modules().items() if not _is(module, "gptpriv.cli", "gptpriv.__main__", "gptpriv.entry")
    }
    assert {m: found for m, found in offenders.items() if found} == {}


def test_the_core_loads_without_typer_or_rich() -> None:
    core = [m for m in _modules() if not _is(m, "gptpriv.cli") and m != "gptpriv.__main__"]
    code = ("import importlib, sys\n"
            f"for name in {core!r}:\n    importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_export_reader_depends_only_on_the_facts_it_produces() -> None:
    forbidden = ("gptpriv.policy.resolver", "gptpriv.policy.rules", "gptpriv.policy.lints",
                 "gptpriv.run", "gptpriv.report", "gptpriv.cli", "gptpriv.profiles")
    offenders = {
        module: sorted(n for n in _imports(path, module) if _is(n, *forbidden))
        for module, path in _modules().items() if _is(module, "gptpriv.export")
    }
    assert {m: found for m, found in offenders.items() if found} == {}


def test_profiles_and_policy_never_reach_up_to_the_commands() -> None:
    upward = ("gptpriv.run", "gptpriv.report", "gptpriv.cli", "gptpriv.export")
    offenders = {
        module: sorted(n for n in _imports(path, module) if _is(n, *upward))
        for module, path in _modules().items() if _is(module, "gptpriv.profiles", "gptpriv.policy")
    }
    assert {m: found for m, found in offenders.items() if found} == {}


def test_the_run_is_below_its_views() -> None:
    """The run's typed result is what the terminal, JSON and the report read: the run never
    reaches up to any of them."""
    offenders = {
        module: sorted(n for n in _imports(path, module) if _is(n, "gptpriv.report", "gptpriv.cli"))
        for module, path in _modules().items() if _is(module, "gptpriv.run")
    }
    assert {m: found for m, found in offenders.items() if found} == {}


def test_every_module_is_named_in_the_architecture_page() -> None:
    """ARCHITECTURE.md names every module of the package (a new one is placed there too)."""
    page = (Path(__file__).resolve().parents[1] / "ARCHITECTURE.md").read_text(encoding="utf-8")
    words = set(re.findall(r"[A-Za-z_0-9]+(?:\.py)?", page))
    missing = sorted(module for module, path in _modules().items()
                     if path.name != "__init__.py" and path.stem not in words and path.name not in words)
    assert missing == []


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_report_assets_ship_as_package_data() -> None:
    from importlib import resources

    assets = resources.files("gptpriv.report")
    assert "function key(cell)" in assets.joinpath("report.js").read_text(encoding="utf-8")
    assert "border-collapse" in assets.joinpath("report.css").read_text(encoding="utf-8")
