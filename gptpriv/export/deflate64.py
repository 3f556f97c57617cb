"""Deflate64 ZIP members (method 9), which Windows' "Send to > Compressed (zipped) folder"
writes for large files and zipfile cannot read, inflated with the `inflate64` package (the
library py7zr uses). Checked against the declared size and CRC-32 as zipfile checks members."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from gptpriv.export.sources import CheckedMember

DEFLATE64 = 9


class Deflate64Member(CheckedMember):
    """A Deflate64 member as a stream, checked as every member is (CheckedMember)."""

    # Compressed bytes fed at a time: Deflate64 inflates at most about 1000:1, so what one
    # feed can produce stays bounded (and the member already passed the ratio check).
    _INPUT = 64 * 1024

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        import inflate64

        super().__init__(path, info, zlib.crc32)
        self._inflater = inflate64.Inflater()
        self._buffer = bytearray()

    def _inflated(self, want: int) -> bytes:
        while len(self._buffer) < want and self._compressed_left > 0:
            data = self._compressed(self._INPUT)
            if not data:
                break
            try:
                self._buffer += self._inflater.inflate(data)
            except Exception as exc:  # inflate64 raises plain exceptions for corrupt data
                raise zipfile.BadZipFile(f"{self._name!r}: {exc}") from None
        out = bytes(self._buffer[:want])
        del self._buffer[:want]
        return out
