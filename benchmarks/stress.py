"""Run the long reliability variants (marked `slow`) and print their figures.

    python benchmarks/stress.py

50 concurrent writers on one account, 200 SIGKILLs of a writer in the middle of saves, and
10,000 mutated exports through the reader. The short variants of the same tests run in the
normal suite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    raise SystemExit(subprocess.call(
        [sys.executable, "-m", "pytest", "-m", "slow", "-s", "-q", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "test_reliability.py")], cwd=ROOT))
