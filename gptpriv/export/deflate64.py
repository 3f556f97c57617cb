"""Deflate64 ZIP members (method 9), which Windows' "Send to > Compressed (zipped) folder"
writes for large files and zipfile cannot read, inflated with the `inflate64` package (the
library py7zr uses). Checked against the declared size and CRC-32 as zipfile checks members."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Self

DEFLATE64 = 9


class Deflate64Member:
    """A Deflate64 member as a stream; never more than its declared size comes out."""

    # Compressed bytes fed at a time: Deflate64 inflates at most about 1000:1, so what one
    # feed can produce stays bounded (and the member already passed the ratio check).
    _INPUT = 64 * 1024

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        import inflate64

        from gptpriv.export.sources import member_data

        self._name = info.filename
        self._inflater = inflate64.Inflater()
        self._file = member_data(path, info)
        self._compressed_left, self._left = info.compress_size, info.file_size
        self._crc, self._expected_crc = 0, info.CRC
        self._buffer = bytearray()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        want = min(size, self._left)
        while len(self._buffer) < want and self._compressed_left > 0:
            data = self._file.read(min(self._INPUT, self._compressed_left))
            if not data:
                break
            self._compressed_left -= len(data)
            try:
                self._buffer += self._inflater.inflate(data)
            except Exception as exc:  # inflate64 raises plain exceptions for corrupt data
                raise zipfile.BadZipFile(f"{self._name!r}: {exc}") from None
        if want == 0:
            return b""
        out = bytes(self._buffer[:want])
        del self._buffer[:want]
        if not out:
            raise EOFError(f"{self._name!r} ends {self._left} bytes early")
        self._left -= len(out)
        self._crc = zlib.crc32(out, self._crc)
        if self._left == 0 and self._crc != self._expected_crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._name!r}")
        return out

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
