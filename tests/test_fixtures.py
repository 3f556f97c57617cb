"""The real-export samples travel with the repository, each with its origin and licence.

Several tests are parametrised over these files: if they went missing, those tests would
silently collect nothing, so their presence is a test of its own.
"""

from __future__ import annotations

import re

from conftest import REAL_EXPORTS

ROW = re.compile(r"^\| `([^`]+\.json)` \|.*\| ([\w.-]+)/([\w.-]+), `[^`]+`, [0-9a-f]{40} \|", re.MULTILINE)


def test_every_sample_is_listed_with_its_origin_and_licence() -> None:
    sources = (REAL_EXPORTS / "SOURCES.md").read_text()
    listed = {name: (owner, repo) for name, owner, repo in ROW.findall(sources)}
    present = {path.name for path in REAL_EXPORTS.glob("*.json")}
    assert len(present) >= 5
    assert present == set(listed)
    for owner, repo in listed.values():
        licence = (REAL_EXPORTS / "licenses" / f"{owner}-{repo}.txt").read_text()
        assert licence.startswith("MIT License") and "Permission is hereby granted" in licence
