"""Throughput and memory of `gptpriv check` on synthetic exports, against baselines measured
in the same run.

    python benchmarks/check_throughput.py [--sizes 100 300 1000] [--dir /tmp/gptpriv-bench]

For each size (MB) it writes a `conversations.json` of realistic shape (long message trees,
branches, unicode and escapes, tool calls, GPT conversations with Action calls and approval
nodes), then runs, each in its own process so peak RSS is its own:
  - raw read of the file in 8 MiB blocks (the floor),
  - stdlib `json.load` (the baseline the target is stated against),
  - `gptpriv check --json` (output to /dev/null),
and for the largest size the same export as a ZIP: inflating its members vs `gptpriv check` on it.
Targets (issue 6): >= 400 MB/s, >= 10x json.load, peak RSS <= 100 MB, zip <= 1.5x inflate.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from export_builder import ConversationBuilder, dumps  # noqa: E402

WORDS = ["privacy", "naïve", "café", "данные", "数据", "emoji 🎉", "quote \"x\"", "tab\tsep",
         "back\\slash", "line\nbreak", "}, {", "[1, 2]", "ok"]
GPTS = [f"g-{i:032x}" for i in range(1, 6)]


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def templates(rng: random.Random, count: int = 150) -> list[str]:
    """Distinct conversations, serialised, with `@@ID@@` where the id goes."""
    out = []
    for i in range(count):
        gizmo = rng.choice(GPTS) if i % 3 == 0 else None
        c = ConversationBuilder("@@ID@@", text(rng, 4), 1.69e9 + i * 3600, gizmo_id=gizmo,
                                gizmo_type="gpt" if gizmo else None)
        for _ in range(rng.randint(4, 40)):
            c.turn(text(rng, rng.randint(20, 400)), text(rng, rng.randint(50, 900)), gizmo_id=gizmo)
            if rng.random() < 0.15:
                c.tool("python", text(rng, 30), text(rng, 60))
            if gizmo and rng.random() < 0.2:
                c.action("api.example-travel.com", "search", gizmo, params=dumps({"q": text(rng, 10)}),
                         approval=rng.choice([None, "allow", "always_allow"]),
                         privacy_policy="https://example-travel.com/privacy")
        out.append(dumps(c.build()))
    return out


def write_export(path: Path, megabytes: int, rng: random.Random) -> int:
    pieces = templates(rng)
    target, written, n = megabytes * 1_000_000, 0, 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[")
        while written < target:
            piece = pieces[n % len(pieces)].replace("@@ID@@", f"{n:08d}-0000-4000-8000-000000000000")
            handle.write((", " if n else "") + piece)
            written += len(piece) + 2
            n += 1
        handle.write("]")
    return n


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}: {proc.stderr.read().decode()[:500]}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000], help="MB")
    parser.add_argument("--dir", default=None)
    parser.add_argument("--no-json-load", action="store_true", help="skip the json.load baseline")
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="gptpriv-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    gptpriv = str(Path(sys.executable).with_name("gptpriv"))
    env_home = workdir / "home"
    os.environ["GPTPRIV_HOME"] = str(env_home)
    py = sys.executable
    raw_read = [py, "-c", "import sys\nf=open(sys.argv[1],'rb')\nwhile f.read(8<<20): pass", ]
    json_load = [py, "-c", "import json,sys; json.load(open(sys.argv[1],'rb'))"]

    print(f"{'size MB':>8} {'convs':>7} {'raw read s':>10} {'json.load s':>11} {'RSS MB':>7} "
          f"{'check s':>8} {'MB/s':>7} {'vs json':>8} {'RSS MB':>7}")
    rng = random.Random(7)
    last = None
    for size in args.sizes:
        path = workdir / f"conversations-{size}mb.json"
        count = write_export(path, size, rng)
        mb = path.stat().st_size / 1e6
        measure(raw_read + [str(path)])  # warm the page cache
        raw, _ = measure(raw_read + [str(path)])
        load, load_rss = (float("nan"), float("nan")) if args.no_json_load else measure(json_load + [str(path)])
        check, check_rss = measure([gptpriv, "check", "--json", str(path)])
        print(f"{mb:>8.0f} {count:>7} {raw:>10.2f} {load:>11.2f} {load_rss:>7.0f} {check:>8.2f} "
              f"{mb / check:>7.0f} {load / check:>7.1f}x {check_rss:>7.0f}")
        last = path

    assert last is not None
    archive = workdir / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.write(last, "conversations.json")
    inflate = [py, "-c", "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\n"
               "for n in z.namelist():\n f=z.open(n)\n while f.read(8<<20): pass"]
    inflate_s, _ = measure(inflate + [str(archive)])
    zip_s, zip_rss = measure([gptpriv, "check", "--json", str(archive)])
    print(f"zip ({archive.stat().st_size / 1e6:.0f} MB compressed): inflate only {inflate_s:.2f} s, "
          f"gptpriv check {zip_s:.2f} s = {zip_s / inflate_s:.2f}x inflate, peak RSS {zip_rss:.0f} MB")
    if not args.dir:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
