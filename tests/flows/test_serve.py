"""`make serve` for real (`python -m deploy.serve`): the sample council system comes up with the server,
the worker has a stable name, the ready automations exist, the output has no "start a worker" hint,
and SIGTERM (systemd, docker stop) stops everything as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prefect_server import free_port

from deploy.automations import READY_AUTOMATIONS

REPO = Path(__file__).resolve().parents[2]


def processes_mentioning(text: str) -> list[str]:
    """Command lines of running processes that contain `text` (our unique PREFECT_HOME)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in cmdline or text in environ:
            found.append(cmdline)
    return found


def test_serve_starts_everything_and_sigterm_stops_it(tmp_path, sample_corpus):
    home = tmp_path / "prefect-home"
    port, sample_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["OMP_THREAD_LIMIT"] = "1"
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        [sys.executable, "-m", "deploy.serve", "--port", str(port), "--home", str(home), "--sample-port",
         str(sample_port), "--sample-data", str(sample_corpus)],
        cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 240
        while "ratsflow is ready" not in log.read_text(errors="replace"):
            assert serve.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        output = log.read_text(errors="replace")
        assert "start a worker" not in output.lower(), output

        # The sample council system answers, so the scheduled sample deployment works on the first click.
        system = httpx.get(f"http://127.0.0.1:{sample_port}/oparl/v1/system", timeout=10).json()
        assert system["type"].endswith("/System")

        for _ in range(60):  # the worker registers with its first heartbeat
            workers = httpx.post(f"{api}/work_pools/ratsflow/workers/filter", json={}, timeout=10).json()
            if workers:
                break
            time.sleep(0.5)
        assert [w["name"] for w in workers] == [f"ratsflow-{os.uname().nodename}-1"]

        names = {a["name"] for a in httpx.post(f"{api}/automations/filter", json={}, timeout=10).json()}
        assert {a.name for a in READY_AUTOMATIONS} <= names
    finally:
        if serve.poll() is None:
            os.kill(serve.pid, signal.SIGTERM)
    assert serve.wait(60) == 0, log.read_text(errors="replace")[-3000:]
    for _ in range(40):
        left = processes_mentioning(str(home))
        if not left:
            break
        time.sleep(0.5)
    assert left == []
    with httpx.Client() as client:
        try:
            client.get(f"{api}/health", timeout=2)
            answered = True
        except httpx.HTTPError:
            answered = False
    assert not answered
