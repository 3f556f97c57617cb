"""Where `report -o` may write: a regular file or a new path, never a device, FIFO or
directory, never inside the profile home (written only under its lock), and never over one of
the inputs (`report self.zip -o self.zip` would replace the export with its own report)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gptpriv.errors import InvalidValue, show

# A report is written in one go at the end; a temp file beside the target this old is from a
# report that was killed, never from one still running.
STALE_SECONDS = 3600.0


def check_target(output: str, inputs: list[str], home: Path) -> Path:
    """The file to write (a symlink's target, so the link stays a link), or InvalidValue."""
    target = Path(os.path.realpath(output))
    try:
        found = os.stat(target)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise InvalidValue(f"{output}: {os.strerror(exc.errno or 0).lower() or exc}") from None
    if found is not None and not stat.S_ISREG(found.st_mode):
        what = "a directory" if stat.S_ISDIR(found.st_mode) else "a device, FIFO or socket"
        raise InvalidValue(f"-o {show(output)} is {what}, not a regular file: give a file name "
                           "for the report (or - for standard output)")
    home_path = Path(os.path.realpath(home))
    if target == home_path or home_path in target.parents:
        raise InvalidValue(f"-o {show(output)} is inside the profile home {show(home_path)}: "
                           "write the report somewhere else")
    if found is not None:
        for given in inputs:
            if given != "-" and _same(target, given):
                raise InvalidValue(f"-o {show(output)} is the input {show(given)}: writing the "
                                   "report there would replace it; choose another file name")
    return target


def _same(target: Path, given: str) -> bool:
    try:
        return os.path.samefile(target, given)
    except OSError:
        return False
