"""The blob store keeps each content once, under its sha256, and never shows half a file.

The behaviour every store shares runs three times: on a plain path, on a `file://` URL and on
fsspec's `memory://` file system, which stands in for object storage (s3://) in the tests:
a non-local file system whose blobs reach extraction only through `local_path`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import uuid

import fsspec
import pytest

from schemas.errors import ConfigurationError
from storage.blobs import BlobCorrupted, BlobMissing, BlobStore

PDF = b"%PDF-1.4\n% Niederschrift \xc3\xbcber die Sitzung\n%%EOF\n"
LAYOUT = "sha256/{a}/{b}/{sha}.pdf"


def layout(sha256: str) -> str:
    return LAYOUT.format(a=sha256[:2], b=sha256[2:4], sha=sha256)


@pytest.fixture(params=["path", "file-url", "memory"])
def store(request, tmp_path):
    """A blob store on a local path, a file:// URL or memory:// (a remote file system)."""
    cache = tmp_path / "cache"
    if request.param == "path":
        yield BlobStore(tmp_path / "blobs", cache_dir=cache)
    elif request.param == "file-url":
        yield BlobStore((tmp_path / "blobs").as_uri(), cache_dir=cache)
    else:
        root = f"memory://ratsflow-test-{uuid.uuid4().hex}/blobs"
        yield BlobStore(root, cache_dir=cache)
        forget(root)


def forget(memory_url: str) -> None:
    """memory:// lives as long as the process: drop a test's top folder."""
    fs, key = fsspec.core.url_to_fs(memory_url)
    top = "/" + key.strip("/").split("/")[0]
    if fs.exists(top):
        fs.rm(top, recursive=True)


# ── every store ────────────────────────────────────────────────────────────────────────────────


def test_put_bytes_stores_under_the_content_hash(store):
    sha256, location = store.put_bytes(PDF)
    assert sha256 == hashlib.sha256(PDF).hexdigest()
    assert location.endswith(layout(sha256)) and location.startswith(str(store.root))
    assert store.exists(sha256)
    assert store.local_path(sha256).read_bytes() == PDF


def test_put_file_copies_leaves_the_source_and_is_idempotent(store, tmp_path):
    src = tmp_path / "download"
    src.write_bytes(PDF)
    sha256, location = store.put_file(src)
    assert src.read_bytes() == PDF
    assert (sha256, location) == store.put_bytes(PDF) == store.put_file(src)
    assert store.local_path(sha256).read_bytes() == PDF


def test_the_stored_bytes_are_the_content_whatever_the_file_system(store):
    sha256, location = store.put_bytes(PDF)
    with fsspec.open(location if "://" in location else f"file://{location}", "rb") as stream:
        assert stream.read() == PDF


def test_unknown_and_malformed_hashes(store):
    assert not store.exists("0" * 64)
    with pytest.raises(BlobMissing, match="0" * 64):
        store.local_path("0" * 64)
    with pytest.raises(ValueError, match="sha256"):
        store.location_for("../../etc/passwd")


# ── local folders ──────────────────────────────────────────────────────────────────────────────


def test_a_local_store_gives_the_blob_itself_as_its_path(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    sha256, path = store.put_bytes(PDF)
    assert path == str(tmp_path / "blobs" / layout(sha256))
    assert store.path_for(sha256) == store.local_path(sha256) == tmp_path / "blobs" / layout(sha256)
    assert BlobStore((tmp_path / "blobs").as_uri()).path_for(sha256) == store.path_for(sha256)


def test_storing_the_same_content_again_keeps_the_first_file(tmp_path):
    store = BlobStore(tmp_path)
    sha256, path = store.put_bytes(PDF)
    before = store.path_for(sha256).stat()
    assert store.put_bytes(PDF) == (sha256, path)
    after = store.path_for(sha256).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_no_temporary_files_are_left_behind(tmp_path):
    store = BlobStore(tmp_path)
    for n in range(3):
        store.put_bytes(PDF + bytes([n]))
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(".incoming-")]
    assert leftovers == []
    assert len(list(tmp_path.rglob("*.pdf"))) == 3


def test_malformed_hashes_never_become_paths(tmp_path):
    with pytest.raises(ValueError, match="sha256"):
        BlobStore(tmp_path).path_for("../../etc/passwd")


# ── remote file systems ────────────────────────────────────────────────────────────────────────


@pytest.fixture
def memory_root():
    root = f"memory://ratsflow-test-{uuid.uuid4().hex}/blobs"
    yield root
    forget(root)


def test_a_remote_blob_reaches_another_machine_through_its_verified_cache(memory_root, tmp_path):
    writer = BlobStore(memory_root, cache_dir=tmp_path / "writer-cache")
    sha256, location = writer.put_bytes(PDF)
    assert location == f"{memory_root}/{layout(sha256)}"
    reader = BlobStore(memory_root, cache_dir=tmp_path / "reader-cache")  # another worker: empty cache
    local = reader.local_path(sha256)
    assert local == tmp_path / "reader-cache" / layout(sha256) and local.read_bytes() == PDF
    with pytest.raises(ValueError, match="not a local folder"):
        reader.path_for(sha256)


def test_a_remote_blob_whose_bytes_do_not_match_its_hash_is_refused(memory_root, tmp_path):
    sha256 = hashlib.sha256(PDF).hexdigest()
    fs, key = fsspec.core.url_to_fs(f"{memory_root}/{layout(sha256)}")
    fs.pipe_file(key, PDF[:-5])  # a truncated upload under the real hash's key
    store = BlobStore(memory_root, cache_dir=tmp_path / "cache")
    with pytest.raises(BlobCorrupted, match=sha256):
        store.local_path(sha256)
    assert not (tmp_path / "cache" / layout(sha256)).exists()
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []


def test_storing_remotely_again_does_not_upload_again(memory_root, tmp_path):
    store = BlobStore(memory_root, cache_dir=tmp_path / "cache")
    sha256, location = store.put_bytes(PDF)
    fs, key = fsspec.core.url_to_fs(location)
    created = fs.info(key)["created"]
    assert store.put_bytes(PDF) == (sha256, location)
    assert fs.info(key)["created"] == created


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None, reason="s3fs is installed")
def test_s3_without_s3fs_says_what_to_install():
    with pytest.raises(ConfigurationError, match=r"s3:// needs the s3fs package: pip install 'ratsflow\[s3\]'"):
        BlobStore("s3://ratsflow-blobs/prod")


def test_an_unknown_file_system_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="nosuchfs"):
        BlobStore("nosuchfs://somewhere/blobs")
