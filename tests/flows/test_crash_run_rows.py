"""A run row whose process died without closing it is closed `abandoned` by the next run on that host."""

import os
import signal
import socket
import subprocess
import sys
import time

from sqlalchemy import text

from storage.engine import create_db_engine, upgrade_database
from storage.repository import start_ingest_run
from tasks.run.processes import process_alive
from tasks.run.record import close_abandoned_runs, open_run


def dead_pid() -> int:
    """The id of a process that ran here and is gone (started, killed, reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child.kill()
    child.wait()
    return child.pid


def statuses(engine) -> dict[int, tuple]:
    with engine.connect() as c:
        return {r.id: (r.status, r.error) for r in c.execute(text("SELECT id, status, error FROM ingest_run"))}


def test_only_rows_of_dead_processes_on_this_host_are_closed_and_the_new_row_names_its_process(tmp_path):
    url = f"sqlite:///{tmp_path / 'ratsflow.db'}"
    upgrade_database(url)
    engine = create_db_engine(url)
    host = socket.gethostname()
    gone = dead_pid()
    run = lambda pid, on: start_ingest_run(engine, flow_run_id=None, flow_name="sync", source="s", params={},  # noqa: E731
                                           owner_pid=pid, owner_host=on)
    killed, alive, elsewhere, unowned = run(gone, host), run(os.getpid(), host), run(gone, "other-host"), run(None, None)

    new = open_run(engine, flow_run_id=None, flow_name="sync", source="s", params={})

    found = statuses(engine)
    assert found[killed][0] == "abandoned"
    assert found[killed][1].startswith(f"abandoned: its process (pid {gone} on {host}) ended without closing the run")
    assert {found[i][0] for i in (alive, elsewhere, unowned, new)} == {"running"}
    with engine.connect() as c:
        owner = c.execute(text("SELECT owner_pid, owner_host, finished_at FROM ingest_run WHERE id = :i"), {"i": new}).one()
    assert (owner.owner_pid, owner.owner_host, owner.finished_at) == (os.getpid(), host, None)
    assert close_abandoned_runs(engine, host) == []  # closed once; a second look changes nothing
    engine.dispose()


def test_a_killed_process_not_yet_reaped_counts_as_gone():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert process_alive(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while process_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not process_alive(child.pid)  # a zombie until wait(): its run is over all the same
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid)
