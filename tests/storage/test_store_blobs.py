"""The blob store keeps each content once, under its sha256, and never shows half a file."""

from __future__ import annotations

import hashlib

import pytest

from storage.blobs import BlobStore

PDF = b"%PDF-1.4\n% Niederschrift \xc3\xbcber die Sitzung\n%%EOF\n"


def test_put_bytes_stores_under_the_content_hash(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    sha256, path = store.put_bytes(PDF)
    assert sha256 == hashlib.sha256(PDF).hexdigest()
    assert path == str(tmp_path / "blobs" / "sha256" / sha256[:2] / sha256[2:4] / f"{sha256}.pdf")
    assert store.path_for(sha256).read_bytes() == PDF
    assert store.exists(sha256)


def test_put_file_copies_and_leaves_the_source(tmp_path):
    src = tmp_path / "download"
    src.write_bytes(PDF)
    store = BlobStore(tmp_path / "blobs")
    sha256, path = store.put_file(src)
    assert src.read_bytes() == PDF
    assert (tmp_path / "blobs").joinpath(path).read_bytes() == PDF
    assert (sha256, path) == store.put_bytes(PDF)


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
    assert len([p for p in tmp_path.rglob("*.pdf")]) == 3


def test_unknown_and_malformed_hashes(tmp_path):
    store = BlobStore(tmp_path)
    assert not store.exists("0" * 64)
    with pytest.raises(ValueError, match="sha256"):
        store.path_for("../../etc/passwd")
