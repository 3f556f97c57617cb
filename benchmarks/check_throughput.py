"""Throughput and memory of `gptpriv check` on synthetic exports, against baselines measured
in the same run.

    python benchmarks/check_throughput.py [--sizes 100 300 1000] [--dir /tmp/gptpriv-bench]

For each size (MB) it writes a `conversations.json` of realistic shape (long message trees,
branches, unicode and escapes, tool calls, GPT conversations with Action calls and approval
nodes), then runs, each in its own process so peak RSS is its own:
  - raw read of the file in 8 MiB blocks (the floor),
  - stdlib `json.load` (the baseline the target is stated against),
  - `gptpriv check --json` (output to /dev/null),
and for the largest size the same export as a ZIP: `gptpriv check` on it against only inflating
its members, with the standard zipfile module and with zlib-ng (which gptpriv uses).
`--text` picks the message text: English-like (as in the real samples) or escape-heavy.
`--shape wrapper` also writes the same conversations as `{"conversations": [...]}` and runs
`gptpriv check` on it (and on its ZIP) in the same rounds, beside the bare array.
Targets (issue 6): >= 400 MB/s, >= 10x json.load, peak RSS <= 100 MB, zip <= 1.5x inflate.
Peak RSS is the largest of the gptpriv process and each of its workers.

    python benchmarks/check_throughput.py --dedup [EXPORT] [--repeat 3]

measures deduplication (issue 20): `check --json` on the export given twice against given once,
in the same rounds, and the memory the index takes per conversation for 100,000 conversations.
Without EXPORT it uses the largest size written; with one, it measures only that.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from export_builder import ConversationBuilder, dumps  # noqa: E402

# Message text, written as real exports write it (non-ASCII as \u escapes). Escapes cost every
# JSON reader: skipping a string with many of them is several times slower than a plain one.
ENGLISH = ("the of and to a in is that for it as with was on be by this are or an from at which "
           "privacy training data settings model conversation account export you your can will "
           "should would about more use when there their not also have has one").split()
TEXTS = {
    # English prose with markdown, code, quotes and some non-ASCII: about 1.4% of the file's
    # bytes are backslashes, as in the real samples in tests/fixtures/real-exports (0-1.5%).
    "realistic": ENGLISH * 4 + ["line\nbreak", "list:\n- item", "\n\n**Note**", "\"quoted\"",
                                "don’t", "—", "café", "данные", "C:\\Users", "}, {", "[1, 2]",
                                "```python\nprint(x)\n```", "emoji 🎉"],
    # Mixed-language text in which most words need an escape: about 10% backslashes, as in an
    # export of mostly non-Latin conversations. The worst case for skipping message text.
    "heavy": ["privacy", "naïve", "café", "данные", "数据", "emoji 🎉", "quote \"x\"", "tab\tsep",
              "back\\slash", "line\nbreak", "}, {", "[1, 2]", "ok"],
}
GPTS = [f"g-{i:032x}" for i in range(1, 6)]


def text(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


def templates(rng: random.Random, words: list[str], count: int = 150) -> list[str]:
    """Distinct conversations, serialised, with `@@ID@@` where the id goes."""
    out = []
    for i in range(count):
        gizmo = rng.choice(GPTS) if i % 3 == 0 else None
        c = ConversationBuilder("@@ID@@", text(rng, words, 4), 1.69e9 + i * 3600, gizmo_id=gizmo,
                                gizmo_type="gpt" if gizmo else None)
        for _ in range(rng.randint(4, 40)):
            c.turn(text(rng, words, rng.randint(20, 400)), text(rng, words, rng.randint(50, 900)),
                   gizmo_id=gizmo)
            if rng.random() < 0.15:
                c.tool("python", text(rng, words, 30), text(rng, words, 60))
            if gizmo and rng.random() < 0.2:
                c.action("api.example-travel.com", "search", gizmo, params=dumps({"q": text(rng, words, 10)}),
                         approval=rng.choice([None, "allow", "always_allow"]),
                         privacy_policy="https://example-travel.com/privacy")
        out.append(dumps(c.build()))
    return out


def write_export(path: Path, megabytes: int, rng: random.Random, words: list[str]) -> int:
    pieces = templates(rng, words)
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


def wrap(path: Path) -> Path:
    """The same conversations as `{"conversations": [...]}`, beside `path`."""
    out = path.with_name(path.stem + "-wrapper.json")
    with open(path, "rb") as source, open(out, "wb") as handle:
        handle.write(b'{"conversations": ')
        shutil.copyfileobj(source, handle, 8 << 20)
        handle.write(b"}")
    return out


def backslashes(path: Path) -> float:
    """The share of a file's bytes that are backslashes: how escape-heavy its strings are."""
    count = total = 0
    with open(path, "rb") as handle:
        while block := handle.read(8 << 20):
            count, total = count + block.count(b"\\"), total + len(block)
    return count / max(total, 1)


def tree_pss(pid: int) -> int:
    """Proportional set size (kB) of a process and its descendants: shared pages (what the
    workers inherit through fork) are counted once across the tree, not once per process."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending += [int(child) for child in children.read().split()]
        except (OSError, StopIteration):
            continue  # it ended meanwhile
    return total


class Run(NamedTuple):
    seconds: float
    rss: float  # MB: the peak of the largest single process (its workers included)
    pss: float  # MB: the peak of the whole process tree, sampled every 50 ms (Linux only)
    # user + system seconds of the process and the workers it waited for: steadier than wall
    # time when other processes share the cores
    cpu: float = float("nan")


def measure(command: list[str], tree: bool = False) -> Run:
    """Wall time and peak memory of one child process; with `tree`, also the peak PSS of its
    process tree. Sampling reads the page tables: it would slow down a process of many GB."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_pss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    if tree and os.path.exists("/proc/self/smaps_rollup"):
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}: {proc.stderr.read().decode()[:500]}")
    return Run(elapsed, usage.ru_maxrss / 1024, peak[0] / 1024 or float("nan"),
               usage.ru_utime + usage.ru_stime)


NAN = Run(float("nan"), float("nan"), float("nan"))


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else float("nan")


def interleaved(commands: list[list[str] | None], repeat: int) -> list[list[Run]]:
    """Runs of each command in rounds, one run of each per round, so that a slow spell of a
    shared machine falls on all of them alike. None is skipped; the last command (gptpriv)
    is sampled for its process tree's memory."""
    runs: list[list[Run]] = [[] for _ in commands]
    for _ in range(repeat):
        for k, command in enumerate(commands):
            if command is not None:
                runs[k].append(measure(command, tree=k == len(commands) - 1))
    return runs


def typical(runs: list[Run]) -> Run:
    """The median run by time."""
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2] if runs else NAN


def ratios(slower: list[Run], faster: list[Run], digits: int = 1) -> str:
    """Round by round `slower / faster`: the median, and the range when there are several."""
    each = sorted(s.seconds / f.seconds for s, f in zip(slower, faster, strict=True))
    if not each:
        return "nan"
    return f"{median(each):.{digits}f}x" + (
        f" ({each[0]:.{digits}f}-{each[-1]:.{digits}f})" if len(each) > 1 else "")


def dedup(gptpriv: str, path: Path, repeat: int) -> None:
    """The cost of reading an export twice to count each conversation once."""
    once, twice = interleaved([[gptpriv, "check", "--json", str(path)],
                               [gptpriv, "check", "--json", str(path), str(path)]], repeat)
    one, two = typical(once), typical(twice)
    cpu = sorted(t.cpu / o.cpu for t, o in zip(twice, once, strict=True))
    print(f"dedup: {path} ({path.stat().st_size / 1e6:.0f} MB) given once: {one.seconds:.2f} s "
          f"(CPU {median([r.cpu for r in once]):.2f} s), peak RSS {one.rss:.0f} MB; given twice: "
          f"{two.seconds:.2f} s (CPU {median([r.cpu for r in twice]):.2f} s), peak RSS {two.rss:.0f} MB, "
          f"all PSS {two.pss:.0f} MB;\n  per round, twice is {ratios(twice, once)} the time of once, "
          f"{median(cpu):.2f}x ({cpu[0]:.2f}-{cpu[-1]:.2f}) its CPU time")
    for label, inputs in (("one input (ids seen so far)", 1), ("two inputs, both passes", 2)):
        per, total = index_bytes(100_000, inputs)
        print(f"dedup index, 100,000 conversations, {label}: {per:.0f} bytes per conversation copy, "
              f"{total / 1e6:.1f} MB at its peak")


def index_bytes(count: int, inputs: int) -> tuple[float, int]:
    """Peak bytes the deduplication index allocates for `count` conversations in each of
    `inputs` inputs (the same ids in each), measured with tracemalloc in this process. Two
    inputs include the first pass's 1 MB write buffer; the facts themselves go to a file."""
    import tracemalloc
    import uuid
    from datetime import datetime, timezone
    from types import SimpleNamespace
    from typing import Any, cast

    from gptpriv.export import Facts
    from gptpriv.policy.facts import Conversation
    from gptpriv.run.inputs import AccountChoice, Input
    from gptpriv.run.passes import Passes
    from gptpriv.run.summary import Summary

    when = datetime(2025, 1, 1, tzinfo=timezone.utc)
    items = [Facts(i, 0, None, when, Conversation(id=str(uuid.UUID(int=i + 1))), {}, 0, 0)
             for i in range(count)]
    reader = SimpleNamespace(label="x", parts=SimpleNamespace(mixed=False), user=None,
                             conversations=lambda: iter(items))
    fake = [Input(cast(Any, reader), AccountChoice(None, "")) for _ in range(inputs)]
    for item in items:
        hash(item.id)  # str hashes are cached in the string: computed before measuring
    tracemalloc.start()
    run = Passes(fake, by_account_flag=False)
    if run.two_pass:
        for k in range(inputs):
            run.scan(k, items, Summary())
        run.settle()
    else:
        for _ in run.keep(0):
            pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / (count * inputs), peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000], help="MB")
    parser.add_argument("--dir", default=None)
    parser.add_argument("--no-json-load", action="store_true", help="skip the json.load baseline")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command; the median is shown")
    parser.add_argument("--text", choices=sorted(TEXTS), default="realistic",
                        help="message text: English-like (default) or escape-heavy")
    parser.add_argument("--shape", choices=("array", "wrapper"), default="array",
                        help="wrapper: also the {\"conversations\": [...]} form, beside the array")
    parser.add_argument("--dedup", nargs="?", const="", metavar="EXPORT",
                        help="measure deduplication: the export given twice against once "
                             "(the largest size written, or only EXPORT)")
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="gptpriv-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    gptpriv = str(Path(sys.executable).with_name("gptpriv"))
    env_home = workdir / "home"
    os.environ["GPTPRIV_HOME"] = str(env_home)
    if args.dedup:
        dedup(gptpriv, Path(args.dedup), args.repeat)
        if not args.dir:
            shutil.rmtree(workdir)
        return 0
    py = sys.executable
    raw_read = [py, "-c", "import sys\nf=open(sys.argv[1],'rb')\nwhile f.read(8<<20): pass", ]
    json_load = [py, "-c", "import json,sys; json.load(open(sys.argv[1],'rb'))"]

    print(f"message text: {args.text}")
    print(f"{'size MB':>8} {'convs':>6} {'raw read s':>10} {'json.load s':>11} {'RSS MB':>7} "
          f"{'check s':>8} {'MB/s':>6} {'RSS MB':>7} {'all PSS':>8}  vs json.load, per round")
    rng = random.Random(7)
    last = None
    for size in args.sizes:
        path = workdir / f"conversations-{args.text}-{size}mb.json"
        count = write_export(path, size, rng, TEXTS[args.text])
        os.sync()  # written-back pages would otherwise be flushed while we measure
        mb = path.stat().st_size / 1e6
        if last is None:
            print(f"{backslashes(path):.1%} of the bytes are backslashes (escapes)")
        measure(raw_read + [str(path)])  # warm the page cache
        wrapper = wrap(path) if args.shape == "wrapper" else None
        if wrapper is not None:
            os.sync()
            measure(raw_read + [str(wrapper)])
        # The wrapper's check runs before the array's in each round: the last command is the
        # one whose process tree is sampled for PSS, and the array's figures are the baseline.
        raws, loads, wrapped, checks = interleaved([
            raw_read + [str(path)], None if args.no_json_load else json_load + [str(path)],
            None if wrapper is None else [gptpriv, "check", "--json", str(wrapper)],
            [gptpriv, "check", "--json", str(path)]], args.repeat)
        raw, load, check = typical(raws), typical(loads), typical(checks)
        print(f"{mb:>8.0f} {count:>6} {raw.seconds:>10.2f} {load.seconds:>11.2f} {load.rss:>7.0f} "
              f"{check.seconds:>8.2f} {mb / check.seconds:>6.0f} {check.rss:>7.0f} {check.pss:>8.0f}  "
              f"{ratios(loads, checks)}")
        if wrapper is not None:
            w = typical(wrapped)
            print(f"{'wrapper':>8} {count:>6} {'':>10} {'':>11} {'':>7} {w.seconds:>8.2f} "
                  f"{wrapper.stat().st_size / 1e6 / w.seconds:>6.0f} {w.rss:>7.0f} {'':>8}  "
                  f"time vs the array, per round: {ratios(wrapped, checks, 2)}")
            wrapper.unlink()
        last = path

    assert last is not None
    archive = workdir / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.write(last, "conversations.json")
    inflate = [py, "-c", "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\n"
               "for n in z.namelist():\n f=z.open(n)\n while f.read(8<<20): pass"]
    inflate_ng = [py, "-c", "import sys,zipfile\nfrom pathlib import Path\n"
                  "from gptpriv.export.sources import ZipMember\nz=zipfile.ZipFile(sys.argv[1])\n"
                  "for i in z.infolist():\n f=ZipMember(Path(sys.argv[1]),i)\n while f.read(8<<20): pass"]
    wrapped_archive = None
    if args.shape == "wrapper":
        wrapped_archive = workdir / "export-wrapper.zip"
        wrapper = wrap(last)
        with zipfile.ZipFile(wrapped_archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            z.write(wrapper, "conversations.json")
        wrapper.unlink()
    os.sync()
    inflated, inflated_ng, wrapped_zip, zipped = interleaved([
        inflate + [str(archive)], inflate_ng + [str(archive)],
        None if wrapped_archive is None else [gptpriv, "check", "--json", str(wrapped_archive)],
        [gptpriv, "check", "--json", str(archive)]], args.repeat)
    check = typical(zipped)
    print(f"zip ({archive.stat().st_size / 1e6:.0f} MB compressed): gptpriv check {check.seconds:.2f} s, "
          f"peak RSS {check.rss:.0f} MB, all PSS {check.pss:.0f} MB; per round, check is\n"
          f"  {ratios(zipped, inflated)} the time of only inflating with zipfile "
          f"({typical(inflated).seconds:.2f} s),\n"
          f"  {ratios(zipped, inflated_ng)} the time of only inflating with zlib-ng, as gptpriv does "
          f"({typical(inflated_ng).seconds:.2f} s)")
    if wrapped_archive is not None:
        w = typical(wrapped_zip)
        print(f"zip of the wrapper: gptpriv check {w.seconds:.2f} s, peak RSS {w.rss:.0f} MB; "
              f"time vs the array's zip, per round: {ratios(wrapped_zip, zipped, 2)}")
    if args.dedup is not None:
        dedup(gptpriv, last, args.repeat)
    if not args.dir:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
