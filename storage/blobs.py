"""Content-addressed blob store: every downloaded file is kept once, under its sha256.

Layout: `<root>/sha256/ab/cd/abcd….pdf`. Writes go to a temporary file in the target
folder and are renamed into place, so a reader never sees half a file and two processes
storing the same content both succeed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class BlobStore:
    """Files by content hash below `root`; the store never deletes or overwrites a blob."""

    def __init__(self, root: str | Path, *, suffix: str = ".pdf") -> None:
        self.root = Path(root)
        self.suffix = suffix

    def path_for(self, sha256: str) -> Path:
        """Where the blob with this hash lives (whether or not it is there yet)."""
        if not SHA256_HEX.match(sha256):
            raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
        return self.root / "sha256" / sha256[:2] / sha256[2:4] / f"{sha256}{self.suffix}"

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored; a fetch can then skip writing it."""
        return self.path_for(sha256).is_file()

    def put_file(self, src: Path) -> tuple[str, str]:
        """Store a copy of `src`; returns (sha256, stored path). `src` is left where it is."""
        src = Path(src)
        digest = hashlib.sha256()
        with src.open("rb") as stream:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                digest.update(chunk)
        sha256 = digest.hexdigest()
        target = self.path_for(sha256)
        if not target.is_file():
            self._write_atomically(target, lambda out: _copy_into(src, out))
        return sha256, str(target)

    def put_bytes(self, data: bytes) -> tuple[str, str]:
        """Store `data`; returns (sha256, stored path)."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path_for(sha256)
        if not target.is_file():
            self._write_atomically(target, lambda out: out.write(data))
        return sha256, str(target)

    def _write_atomically(self, target: Path, write) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=self.suffix)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            # os.replace is atomic on POSIX; a concurrent writer of the same hash wrote the same bytes.
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _copy_into(src: Path, out) -> None:
    with src.open("rb") as stream:
        shutil.copyfileobj(stream, out, CHUNK)
