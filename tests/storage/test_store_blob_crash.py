"""A blob write killed with SIGKILL leaves nothing under the hash, and a finished write is fsynced before and after its rename."""

import hashlib
import os
import signal
import subprocess
import sys
import time

from storage import blobs as blob_module
from storage.blobs import BlobStore

HALF_WRITER = """
import sys, time
from pathlib import Path
from storage.blobs import write_atomically

def write_half_then_hang(out):
    out.write(b"%PDF-1.4 half of a file")
    out.flush()
    Path(sys.argv[2]).write_text("written")
    time.sleep(60)

write_atomically(Path(sys.argv[1]), write_half_then_hang, ".pdf")
"""


def test_a_writer_killed_mid_blob_leaves_no_blob_under_the_hash(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    data = b"%PDF-1.4 the whole file\n%%EOF\n"
    sha256 = hashlib.sha256(data).hexdigest()
    target, signal_file = store.path_for(sha256), tmp_path / "half-written"
    writer = subprocess.Popen([sys.executable, "-c", HALF_WRITER, str(target), str(signal_file)])
    try:
        deadline = time.monotonic() + 30
        while not signal_file.exists() and time.monotonic() < deadline and writer.poll() is None:
            time.sleep(0.02)
        assert signal_file.exists()
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(10)
    finally:
        writer.kill()
        writer.wait()
    assert not target.exists() and not store.exists(sha256)
    assert [p.name.startswith(".incoming-") for p in target.parent.iterdir()] == [True]
    # The next run stores the content whole, beside the debris.
    assert store.put_bytes(data)[0] == sha256 and target.read_bytes() == data


def test_a_blob_is_fsynced_then_renamed_then_its_folder_fsynced(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))))
        real_fsync(fd)

    def replace(src, dst):
        calls.append(("replace", os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(blob_module.os, "fsync", fsync)
    monkeypatch.setattr(blob_module.os, "replace", replace)
    sha256, _ = BlobStore(tmp_path / "blobs").put_bytes(b"%PDF-1.4 x")
    assert [c[0] for c in calls] == ["fsync", "replace", "fsync"]
    assert calls[0][1].startswith(".incoming-") and calls[1][1] == f"{sha256}.pdf" and calls[2][1] == sha256[2:4]
