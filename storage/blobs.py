"""Content-addressed blob store: every downloaded file is kept once, under its sha256.

Layout: `<root>/sha256/ab/cd/abcd….pdf`, where root is a local folder (a path or `file://` URL)
or any fsspec URL (`s3://bucket/prefix` with s3fs installed, `memory://` in tests).

Local folders: writes go to a temporary file in the target folder, fsynced, renamed into place
and the folder fsynced, so neither a reader nor a crash (kill -9, power cut) ever leaves half a
file under a hash; a crash mid-write leaves at most a `.incoming-*` file beside it. Object
stores (s3, gs, az, memory) show an object only once its upload is complete, so blobs are
uploaded to their final key; other remote file systems (sftp, …) get a temporary key that is
renamed. Either way the key is the content hash: two
processes storing the same content write the same bytes, and a race between them is harmless.

Extraction needs a file on this machine: `local_path` gives the blob itself for local folders
and, for remote stores, a copy in a local cache that was checked against its sha256.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from schemas.errors import ConfigurationError

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024
# Schemes whose uploads become visible all at once: no temporary key, no (copying) rename.
OBJECT_STORES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "memory"}
# Backends that fsspec only names when they are missing; the message says how to get them.
EXTRAS = {"s3": "s3", "s3a": "s3"}
PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs", "abfss": "adlfs"}


class BlobMissing(FileNotFoundError):
    """The store has no blob with this hash (deleted by hand, or a different store was configured)."""


class BlobCorrupted(ValueError):
    """The bytes under a hash's key do not have that hash (a truncated upload, or tampering)."""


def remote_scheme(root: str | Path) -> str | None:
    """The fsspec scheme of a remote root (`s3`, `memory`, …); None for paths and `file://` URLs."""
    if isinstance(root, Path):
        return None
    scheme = urlsplit(str(root)).scheme.lower()
    # A one-letter scheme is a Windows drive (C:\\…), not a URL.
    return scheme if len(scheme) > 1 and scheme != "file" else None


def default_cache_dir() -> Path:
    """Where copies of remote blobs go when nothing else is configured: the OS temp folder."""
    return Path(tempfile.gettempdir()) / "ratsflow-blob-cache"


class BlobStore:
    """Files by content hash below `root`; the store never deletes or overwrites a blob.

    `root` is a path, a `file://` URL or an fsspec URL. `cache_dir` holds local copies of
    remote blobs (default: `ratsflow-blob-cache` in the OS temp folder); it is content
    addressed too, so several stores and processes can share it.
    """

    def __init__(self, root: str | Path, *, suffix: str = ".pdf", cache_dir: str | Path | None = None) -> None:
        self.suffix = suffix
        self.scheme = remote_scheme(root)
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        if self.scheme is None:
            text = str(root)
            self.root: Path | str = Path(unquote(urlsplit(text).path)) if text.lower().startswith("file://") else Path(root)
            self.fs = None
            self._key_root = ""
        else:
            self.root = str(root).rstrip("/")
            self.fs, self._key_root = remote_filesystem(self.root, self.scheme)
            self._key_root = self._key_root.rstrip("/")

    @property
    def is_local(self) -> bool:
        return self.fs is None

    def path_for(self, sha256: str) -> Path:
        """Where the blob with this hash lives in a local store (whether or not it is there yet).

        Remote stores have no such path: use `local_path` (a verified local copy) or `location_for`.
        """
        if not self.is_local:
            raise ValueError(f"blob store {self.root} is not a local folder: use local_path() for a file to read")
        return self.root / self._relative(sha256)

    def location_for(self, sha256: str) -> str:
        """Where the blob lives, as stored in the database: a path for local stores, else a URL."""
        if self.is_local:
            return str(self.path_for(sha256))
        return f"{self.root}/{self._relative(sha256)}"

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored; a fetch can then skip writing it."""
        if self.is_local:
            return self.path_for(sha256).is_file()
        return bool(self.fs.exists(self._key(sha256)))

    def put_file(self, src: Path) -> tuple[str, str]:
        """Store a copy of `src`; returns (sha256, location). `src` is left where it is."""
        src = Path(src)
        sha256 = file_sha256(src)
        if self.is_local:
            target = self.path_for(sha256)
            if not target.is_file():
                write_atomically(target, lambda out: copy_into(src, out), self.suffix)
        else:
            if not self.exists(sha256):
                self._upload(src, sha256)
            self._remember(sha256, src)
        return sha256, self.location_for(sha256)

    def put_bytes(self, data: bytes) -> tuple[str, str]:
        """Store `data`; returns (sha256, location)."""
        sha256 = hashlib.sha256(data).hexdigest()
        if self.is_local:
            target = self.path_for(sha256)
            if not target.is_file():
                write_atomically(target, lambda out: out.write(data), self.suffix)
            return sha256, self.location_for(sha256)
        with tempfile.TemporaryDirectory(prefix="ratsflow-blob-") as tmp:
            src = Path(tmp) / f"blob{self.suffix}"
            src.write_bytes(data)
            return self.put_file(src)

    def local_path(self, sha256: str) -> Path:
        """A file on this machine with the blob's bytes, for extraction; raises BlobMissing or BlobCorrupted.

        Local stores: the blob itself. Remote stores: a copy in `cache_dir`, downloaded once and
        renamed into place only after its sha256 matched, so a cached copy can be trusted.
        """
        if self.is_local:
            path = self.path_for(sha256)
            if not path.is_file():
                raise BlobMissing(f"blob {sha256} is not in {self.root}")
            return path
        cached = self._cached(sha256)
        if cached.is_file():
            return cached
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".incoming-", suffix=self.suffix)
        os.close(fd)
        try:
            try:
                self.fs.get_file(self._key(sha256), tmp)
            except FileNotFoundError as err:
                raise BlobMissing(f"blob {sha256} is not in {self.root}") from err
            found = file_sha256(Path(tmp))
            if found != sha256:
                raise BlobCorrupted(f"{self.location_for(sha256)} holds bytes with sha256 {found}, not {sha256}")
            os.chmod(tmp, 0o644)
            with open(tmp, "rb") as copy:  # a copy trusted by its name must survive a power cut whole
                os.fsync(copy.fileno())
            os.replace(tmp, cached)
        finally:
            Path(tmp).unlink(missing_ok=True)
        fsync_folder(cached.parent)
        return cached

    # ── remote stores ──────────────────────────────────────────────────────────────────────────

    def _upload(self, src: Path, sha256: str) -> None:
        key = self._key(sha256)
        if self.scheme in OBJECT_STORES:
            self.fs.put_file(str(src), key)
            return
        parent = key.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        incoming = f"{parent}/.incoming-{uuid.uuid4().hex}{self.suffix}"
        try:
            self.fs.put_file(str(src), incoming)
            self.fs.mv(incoming, key)
        finally:
            if self.fs.exists(incoming):
                self.fs.rm_file(incoming)

    def _remember(self, sha256: str, src: Path) -> None:
        """Seed the local cache with a file just stored, so extracting it next downloads nothing."""
        cached = self._cached(sha256)
        if not cached.is_file():
            write_atomically(cached, lambda out: copy_into(src, out), self.suffix)

    def _cached(self, sha256: str) -> Path:
        return self.cache_dir / self._relative(sha256)

    def _key(self, sha256: str) -> str:
        return f"{self._key_root}/{self._relative(sha256)}"

    def _relative(self, sha256: str) -> str:
        if not SHA256_HEX.match(sha256):
            raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
        return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}{self.suffix}"


def remote_filesystem(url: str, scheme: str):
    """The fsspec file system and key prefix for a URL; a missing backend is a ConfigurationError."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as err:
        package = PACKAGES.get(scheme, "an fsspec backend")
        extra = EXTRAS.get(scheme)
        how = f"pip install 'ratsflow[{extra}]'" if extra else f"pip install {package}"
        raise ConfigurationError(f"{scheme}:// needs the {package} package: {how}") from err
    except ValueError as err:
        raise ConfigurationError(f"blob store {url!r}: {err} (fsspec knows no such file system)") from err


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomically(target: Path, write, suffix: str) -> None:
    """Write through a temporary file in the target's folder, then rename: never half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=suffix)
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
    fsync_folder(target.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename into `folder` durable: after a power cut the blob is there, or not, never empty."""
    if os.name != "posix":
        return  # Windows cannot open a folder for fsync; its renames are journaled by NTFS
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_into(src: Path, out) -> None:
    with src.open("rb") as stream:
        shutil.copyfileobj(stream, out, CHUNK)
