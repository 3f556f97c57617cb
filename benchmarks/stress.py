"""Run the long reliability variants (marked `slow`) and print their figures, then time
`doctor` and `status` on an account with 50,000 timeline entries.

    python benchmarks/stress.py            # both
    python benchmarks/stress.py doctor     # only the doctor timing

50 concurrent writers on one account, 200 SIGKILLs of a writer in the middle of saves, and
10,000 mutated exports through the reader, 500 hand-edited homes through the writing
commands. The short variants of the same tests run in the
normal suite. `doctor` compares devices along the timeline and must stay linear in entries:
the target is under a second for 50,000 entries (it took 73 s when it compared every pair of
states at every moment).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = 50_000


def write_big_home(home: Path, entries: int = ENTRIES) -> None:
    """One account: a third of the entries on the account, a third on each of two devices,
    flipping often so that the devices disagree at many moments."""
    import tomli_w

    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    per = entries // 3

    def timeline(offset: int, every: int) -> list[dict[str, object]]:
        return [{"at": start + timedelta(minutes=7 * i + offset), "allowed": (i // every) % 2 == 0}
                for i in range(per)]

    account = {"schema_version": 1, "name": "big", "plan": "plus", "training": timeline(0, 5),
               "devices": [{"name": "laptop", "history": timeline(3, 7)},
                           {"name": "phone", "history": timeline(5, 11)}]}
    (home / "accounts").mkdir(parents=True, mode=0o700)
    (home / "accounts" / "big.toml").write_text(tomli_w.dumps(account))
    (home / "config.toml").write_text('schema_version = 1\ncurrent_account = "big"\n')


def time_command(home: Path, *args: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run. On a shared machine the CPU time
    is the steadier figure: it does not count time spent waiting for a core."""
    import resource

    env = {**os.environ, "GPTPRIV_HOME": str(home)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gptpriv", *args], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def doctor_timing() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        write_big_home(home)
        for args in (("doctor", "--json"), ("status", "--json")):
            runs = [time_command(home, *args) for _ in range(3)]
            print(f"{' '.join(args)} on {ENTRIES} timeline entries: {min(w for w, _ in runs):.2f} s "
                  f"wall, {min(c for _, c in runs):.2f} s CPU (best of 3)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["doctor"]:
        raise SystemExit(doctor_timing())
    code = subprocess.call(
        [sys.executable, "-m", "pytest", "-m", "slow", "-s", "-q", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "test_reliability.py"), str(ROOT / "tests" / "test_profile_fuzz.py")], cwd=ROOT)
    raise SystemExit(code or doctor_timing())
