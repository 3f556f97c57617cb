"""Start-up time of gptpriv commands against `python -c pass`, measured in the same run.

    python benchmarks/startup.py [--runs 30]

Runs the installed `gptpriv` console script (next to this Python) against a temporary home with
one account, interleaving the commands so that machine noise hits all of them alike, and prints
the median and the ratio to the `python -c pass` baseline. Target (issue 3): a read-only command
with `--json` at most 8x the baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    script = Path(sys.executable).with_name("gptpriv")
    gptpriv = str(script) if script.exists() else shutil.which("gptpriv")
    if not gptpriv:
        sys.exit("gptpriv is not installed next to this Python: pip install . first")
    home = tempfile.mkdtemp(prefix="gptpriv-bench-")
    env = {**os.environ, "GPTPRIV_HOME": home, "NO_COLOR": "1"}
    subprocess.run([gptpriv, "account", "add", "work", "--plan", "plus"], env=env, check=True,
                   capture_output=True)
    subprocess.run([gptpriv, "account", "opt-out", "--at", "2024-05-01"], env=env, check=True,
                   capture_output=True)

    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "gptpriv account list --json": [gptpriv, "account", "list", "--json"],
        "gptpriv account show --json": [gptpriv, "account", "show", "--json"],
        "gptpriv account list (text)": [gptpriv, "account", "list"],
        "gptpriv --help": [gptpriv, "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(3):  # warm the page cache and .pyc files
        for command in cases.values():
            subprocess.run(command, env=env, capture_output=True, check=True)
    for _ in range(args.runs):
        for name, command in cases.items():
            start = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - start)
    shutil.rmtree(home)

    base = statistics.median(times["python -c pass"])
    print(f"{'command':<32} {'median ms':>10} {'ratio':>7}   ({args.runs} runs each, interleaved)")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<32} {median * 1000:>10.1f} {median / base:>6.1f}x")
    ratio = statistics.median(times["gptpriv account list --json"]) / base
    print(f"target: account list --json <= 8.0x python -c pass: {'met' if ratio <= 8 else 'NOT met'}"
          f" ({ratio:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
