"""The 2026 layout's own files (EXPORT-FORMAT.md 10): `export_manifest.json`, which lists what
the archive should hold with sizes, so a missing shard or a member of the wrong size (an
interrupted download) is told before a count is trusted; and `library_files.json`, the files
kept in the Library. Neither is required: older exports have neither."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import msgspec

from gptpriv.export.facts import to_time
from gptpriv.export.sources import _SHARD, Part, read_small
from gptpriv.export.stream import DECODE_ERRORS, _error_text


class Problem(NamedTuple):
    """Something wrong with the export as a whole: `summary.errors` `{"file", "message"}`."""

    file: str
    message: str


class _Listed(msgspec.Struct, gc=False):
    path: str | None = None
    size_bytes: int | None = None


class _ManifestFile(msgspec.Struct, gc=False):
    export_files: list[_Listed] | None = None
    requested_at: str | None = None  # seen in the manifest under `sites/` only


class Manifest(NamedTuple):
    label: str
    files: dict[str, int | None]  # path as listed -> size_bytes as listed
    requested_at: datetime | None  # what a manifest says, for a later use as the export's date
    requested_at_source: str | None  # the file it came from


def _decode(part: Part, kind: Any) -> tuple[Any, Problem | None]:
    try:
        return msgspec.json.decode(read_small(part), type=kind), None
    except DECODE_ERRORS as error:
        return None, Problem(part.label, f"{_error_text(error, 1)}: not read")


def _time(value: str | None) -> datetime | None:
    return to_time(value) if value else None


def read_manifest(part: Part, sites: Part | None) -> tuple[Manifest | None, list[Problem]]:
    """The top-level manifest, and the `requested_at` of the one under `sites/` when the top
    one has none."""
    found, problem = _decode(part, _ManifestFile)
    if found is None or found.export_files is None:
        return None, [problem or Problem(part.label, "no `export_files` list: sizes not checked")]
    files = {f.path: f.size_bytes for f in found.export_files if f.path}
    requested, source = _time(found.requested_at), part.label if found.requested_at else None
    problems = []
    if requested is None and sites is not None:
        other, problem = _decode(sites, _ManifestFile)
        if problem:
            problems.append(problem)
        elif other is not None and _time(other.requested_at):
            requested, source = _time(other.requested_at), sites.label
    return Manifest(part.label, files, requested, source), problems


def check_shards(manifest: Manifest, shards: dict[str, Part], missing_label: Any) -> list[Problem]:
    """Every `conversations*.json` the manifest lists must be there with the listed size.
    `shards`: the export's shards by file name; `missing_label(path)`: how to name one that
    is not there."""
    problems = []
    for path, size in manifest.files.items():
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        if not _SHARD.fullmatch(name):
            continue
        part = shards.get(name)
        if part is None:
            problems.append(Problem(missing_label(path), "listed in export_manifest.json but not in "
                                    "the export (an interrupted download?): its conversations are "
                                    "not counted"))
        elif size is not None and part.size is not None and part.size != size:
            problems.append(Problem(part.label, f"{part.size} bytes, export_manifest.json lists "
                                    f"{size} (an interrupted download?): its conversations may be "
                                    "incomplete"))
    return problems


class _LibraryFile(msgspec.Struct, gc=False):
    trashed_at: Any = None
    deleted_at: Any = None


def library_count(part: Part) -> tuple[int | None, Problem | None]:
    """Files kept in the Library: entries neither trashed nor deleted."""
    entries, problem = _decode(part, list[_LibraryFile])
    if entries is None:
        return None, problem
    return sum(1 for e in entries if e.trashed_at is None and e.deleted_at is None), None
