"""`gptpriv config ...`: where profiles live and where each setting came from."""

from __future__ import annotations

from typing import Any

import typer

from gptpriv.cli.common import JsonOpt, store

app = typer.Typer(help="Where gptpriv keeps its profiles, and the settings in force.",
                  no_args_is_help=True)

_HOME_SOURCES = {"flag": "--home option", "env": "GPTPRIV_HOME", "default": "platform default"}
_ACCOUNT_SOURCES = {"flag": "--account option", "env": "GPTPRIV_ACCOUNT",
                    "file": "config.toml", "default": "none recorded"}


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the profile directory."""
    from gptpriv.cli.output import say

    say(str(store(ctx).root))


@app.command("show")
def show(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Show each setting with where it came from: flag, environment, file or default."""
    from gptpriv.profiles import accounts
    from gptpriv.profiles.store import SCHEMA_VERSION, choose_home

    home = choose_home(ctx.find_root().obj.get("home"))
    st = store(ctx)
    current, current_source = accounts.current_account(st)
    settings: list[dict[str, Any]] = [
        {"key": "home", "value": str(home.path), "source": home.source,
         "origin": _HOME_SOURCES[home.source]},
        {"key": "config_file", "value": str(st.config_path), "source": "default",
         "origin": "inside home"},
        {"key": "current_account", "value": current, "source": current_source,
         "origin": _ACCOUNT_SOURCES[current_source]},
        {"key": "profile_schema_version", "value": SCHEMA_VERSION, "source": "default",
         "origin": "this version of gptpriv"},
    ]
    if json:
        from gptpriv.cli.output import emit_json

        emit_json({"settings": settings})
        return
    from gptpriv.cli.output import table

    table(["setting", "value", "from"],
          [[s["key"], "" if s["value"] is None else str(s["value"]), s["origin"]] for s in settings])
