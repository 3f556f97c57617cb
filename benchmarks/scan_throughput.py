"""What scanning for sensitive data costs (issue 25): `gptpriv check --json` with scanning,
against `--no-scan` and stdlib `json.load`, in the same rounds.

    python benchmarks/scan_throughput.py [--size 1000] [--repeat 3] [--export FILE]
                                         [--baseline PYTHON]

It writes a conversations.json of the shape check_throughput.py writes (or reads FILE), its
text English-like with real kinds and look-alikes planted among the words (one word in about
1,000, so one user message in five holds one): an email address, a phone or card number, an
IBAN, a key or a token, or a decoy (a UUID, a hash, a date, a Luhn-failing number) that the
automaton finds and validation drops.
Each command runs in its own process; peak RSS is the largest of gptpriv and its workers.
`--baseline PYTHON` also runs `PYTHON -m gptpriv check --json` (an older install, without
scanning) to hold `--no-scan` against it.
Targets: with scanning >= 300 MB/s and >= 6x json.load, peak RSS <= 100 MB; with --no-scan
within 10% of the release before scanning.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_throughput import ENGLISH, interleaved, ratios, typical, write_export  # noqa: E402

# Kinds and look-alikes, as they would sit in a sentence. None is a real credential: the keys
# are the vendors' documented examples or random strings of the right shape.
PLANTED = [
    "alice@example.com", "bob.smith+news@mail.example.org", "+1 415 555 2671", "(415) 555-2671",
    "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "219-09-9998", "AKIAIOSFODNN7EXAMPLE",
    "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "password=hunter22x",
    # Look-alikes: found by the automaton, dropped by validation.
    "123e4567-e89b-12d3-a456-426614174000", "d41d8cd98f00b204e9800998ecf8427e", "2023-05-16",
    "4111 1111 1111 1112", "order 1234567812345678", "DE89 3704 0044 0532 0130 01", "logo@2x.png",
    "000-12-3456", "sk-learn",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000, help="MB of conversations to write")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is shown")
    parser.add_argument("--export", type=Path, help="measure this conversations.json instead")
    parser.add_argument("--baseline", help="a Python with an older gptpriv, to hold --no-scan against")
    args = parser.parse_args()

    py = sys.executable
    gptpriv = [py, "-m", "gptpriv"]
    with tempfile.TemporaryDirectory(prefix="gptpriv-scan-") as work:
        # Out of the checkout: `-m gptpriv` then imports each Python's installed gptpriv,
        # not the checkout's (which --baseline's Python could not even load).
        path = args.export.resolve() if args.export else None
        os.chdir(work)
        if path is None:
            path = Path(work) / "conversations.json"
            # One planted word in about 1,000 (48 words x 400, and 19 planted).
            count = write_export(path, args.size, random.Random(7), ENGLISH * 400 + PLANTED)
            print(f"wrote {path.stat().st_size / 1e6:.0f} MB, {count} conversations")
        mb = path.stat().st_size / 1e6
        commands = [
            [py, "-c", "import json,sys; json.load(open(sys.argv[1],'rb'))", str(path)],
            [*gptpriv, "check", "--json", "--no-scan", str(path)],
            [*gptpriv, "check", "--json", str(path)],
            [args.baseline, "-m", "gptpriv", "check", "--json", str(path)] if args.baseline else None,
        ]
        loads, plain, scanned, before = interleaved(commands, args.repeat)
        for label, runs in (("json.load", loads), ("check --no-scan", plain), ("check (scanning)", scanned),
                            ("baseline check", before)):
            if runs:
                r = typical(runs)
                print(f"{label:>17}: {r.seconds:6.2f} s {mb / r.seconds:6.0f} MB/s, peak RSS {r.rss:4.0f} MB")
        print(f"per round: scanning is {ratios(loads, scanned)} faster than json.load; "
              f"{ratios(scanned, plain, 2)} the time of --no-scan")
        if before:
            print(f"  --no-scan is {ratios(plain, before, 2)} the time of the baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
