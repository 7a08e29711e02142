"""`ratsflow backfill` as a user types it, killed with `kill -9` mid-document, and run twice at once.

The killed command leaves no half-written document (each document is one transaction, each blob a
renamed temporary file), no temporary Prefect server (its watchdog stops it), and run rows that
the next run closes as `abandoned`; the re-run completes with nothing twice and nothing lost.
Two backfills of the same range at once on PostgreSQL both end, with no duplicates and no deadlock.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from demo.server import serve_in_thread
from storage.engine import create_db_engine, upgrade_database
from tasks.run.processes import process_alive

pytestmark = pytest.mark.usefixtures("prefect_engine")
REPO = Path(__file__).resolve().parents[2]
RATSFLOW = Path(sys.executable).parent / "ratsflow"  # the console script a user types
POSTGRES = os.environ.get("RATSFLOW_TEST_POSTGRES_HOST", "postgres@127.0.0.1:5432")


def rows(db_url: str, sql: str) -> list[dict]:
    engine = create_db_engine(db_url)
    with engine.connect() as c:
        result = [dict(r._mapping) for r in c.execute(text(sql))]
    engine.dispose()
    return result


def children_of(pid: int) -> dict[int, str]:
    """Process id → command line of every process whose parent is `pid`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[-1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def backfill_command(url: str, db_url: str, tmp_path: Path, log: Path, *, temporary_server: bool,
                     chunk: str = "year", start_to: str = "2023-12-31") -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(RATSFLOW_DATA_DIR=str(tmp_path / "data"), COLUMNS="200", OMP_THREAD_LIMIT="1",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if temporary_server:
        env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # no PREFECT_API_URL: the CLI starts its own server
    else:
        from prefect.settings import PREFECT_API_URL

        env.update(PREFECT_HOME=os.environ["PREFECT_HOME"], PREFECT_API_URL=PREFECT_API_URL.value())
    args = [str(RATSFLOW), "backfill", url, "--from", "2016-01-01", "--to", start_to, "--chunk", chunk,
            "--database", db_url]
    return subprocess.Popen(args, cwd=tmp_path, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)


def half_written(db_url: str) -> list[dict]:
    """Versions whose pages or items are not all there, and `ok` documents without a complete current version."""
    return rows(db_url, """
        SELECT v.id, v.page_count, (SELECT COUNT(*) FROM page p WHERE p.version_id = v.id) AS pages
        FROM document_version v
        WHERE v.page_count != (SELECT COUNT(*) FROM page p WHERE p.version_id = v.id)
           OR NOT EXISTS (SELECT 1 FROM agenda_item a WHERE a.version_id = v.id)
        UNION ALL
        SELECT d.id, d.page_count, -1 FROM document d
        WHERE d.status = 'ok' AND (d.current_version_id IS NULL OR d.sha256 IS NULL)""")


def test_kill_9_mid_document_leaves_no_debris_and_the_rerun_completes_without_duplicates(born_digital_corpus, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'ratsflow.db'}"
    upgrade_database(db_url)
    with serve_in_thread(born_digital_corpus, page_size=3) as server:
        first = backfill_command(server.url, db_url, tmp_path, tmp_path / "first.log", temporary_server=True)
        try:
            # Midway: a document row is there (upserted before its download) but not yet stored `ok`.
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and first.poll() is None:
                counts = rows(db_url, "SELECT COUNT(*) AS n, SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS ok FROM document")[0]
                if counts["n"] >= 2 and counts["n"] > (counts["ok"] or 0):
                    break
                time.sleep(0.02)
            assert first.poll() is None, (tmp_path / "first.log").read_text()
            servers = {pid: cmd for pid, cmd in children_of(first.pid).items() if "uvicorn" in cmd}
            watchdogs = {pid: cmd for pid, cmd in children_of(first.pid).items() if "flows.temporary_server" in cmd}
            assert len(servers) == 1 and len(watchdogs) == 1, children_of(first.pid)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(30)
        finally:
            if first.poll() is None:
                first.kill()

        # The temporary Prefect server and its watchdog are gone within seconds of the kill.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(process_alive(pid) for pid in [*servers, *watchdogs]):
            time.sleep(0.1)
        assert not [pid for pid in [*servers, *watchdogs] if process_alive(pid)], (servers, watchdogs)

        # Nothing half-written; the killed runs are still `running`, naming their process.
        assert half_written(db_url) == []
        killed = rows(db_url, "SELECT id, status, owner_pid, owner_host FROM ingest_run ORDER BY id")
        assert killed and {r["status"] for r in killed if r["status"] != "completed"} == {"running"}
        assert {r["owner_pid"] for r in killed} == {first.pid}
        ok_before = rows(db_url, "SELECT COUNT(*) AS n FROM document WHERE status = 'ok'")[0]["n"]
        assert ok_before < 4

        second = backfill_command(server.url, db_url, tmp_path, tmp_path / "second.log", temporary_server=False)
        assert second.wait(300) == 0, (tmp_path / "second.log").read_text()

    counts = rows(db_url, "SELECT (SELECT COUNT(*) FROM meeting) m, (SELECT COUNT(*) FROM document) d, "
                          "(SELECT COUNT(*) FROM document_version) v, (SELECT COUNT(*) FROM page) p")[0]
    assert counts == {"m": 4, "d": 4, "v": 4, "p": 17}
    assert rows(db_url, "SELECT status, COUNT(*) AS n FROM document GROUP BY status") == [{"status": "ok", "n": 4}]
    assert half_written(db_url) == []
    blobs = [p for p in (tmp_path / "data" / "blobs").rglob("*") if p.is_file()]
    assert len([p for p in blobs if not p.name.startswith(".incoming-")]) == 4
    for blob in blobs:  # a blob under a hash holds exactly the bytes of that hash
        assert blob.name.startswith(".incoming-") or hashlib.sha256(blob.read_bytes()).hexdigest() == blob.stem
    runs = rows(db_url, "SELECT id, flow_name, status, error, counts FROM ingest_run ORDER BY id")
    was_running = [r["id"] for r in killed if r["status"] == "running"]
    abandoned = [r for r in runs if r["id"] in was_running]
    assert abandoned and {r["status"] for r in abandoned} == {"abandoned"}
    assert all(f"pid {first.pid} on " in r["error"] and "kill -9" in r["error"] for r in abandoned)
    assert not [r for r in runs if r["status"] == "running"]
    resumed = [r for r in runs if r["flow_name"] == "backfill" and r["status"] == "completed"]
    assert len(resumed) == 1
    documents = json.loads(resumed[0]["counts"])["documents"]
    assert documents.get("skipped", 0) == ok_before and sum(documents.values()) == 4


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database on 127.0.0.1 (dropped afterwards, open connections or not)."""
    name = f"ratsflow_overlap_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"postgresql+psycopg2://{POSTGRES}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://{POSTGRES}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(os.environ.get("RATSFLOW_SKIP_POSTGRES") == "1", reason="RATSFLOW_SKIP_POSTGRES=1")
def test_two_overlapping_backfills_on_postgresql_both_end_without_duplicates_or_deadlocks(born_digital_corpus, tmp_path,
                                                                                         postgres_url, monkeypatch):
    upgrade_database(postgres_url)
    with serve_in_thread(born_digital_corpus, page_size=3) as server:
        # The server holds every PDF back until both runs are open, so they overlap on a loaded machine too
        # (started one after the other, the first could otherwise finish before the second begins).
        both_running = threading.Event()
        handler = server.httpd.RequestHandlerClass
        send_pdf = handler._send_pdf

        def held_send_pdf(self, *args, **kwargs):
            both_running.wait(180)
            return send_pdf(self, *args, **kwargs)

        monkeypatch.setattr(handler, "_send_pdf", held_send_pdf)
        # Two processes, the same range and the same data folder, chunked differently so their chunks overlap.
        commands = [backfill_command(server.url, postgres_url, tmp_path, tmp_path / f"{chunk}.log",
                                     temporary_server=False, chunk=chunk, start_to="2016-12-31")
                    for chunk in ("year", "quarter")]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not both_running.is_set():
            open_runs = rows(postgres_url, "SELECT COUNT(*) AS n FROM ingest_run WHERE flow_name = 'backfill' AND status = 'running'")
            if open_runs[0]["n"] >= 2:
                both_running.set()
            time.sleep(0.2)
        both_running.set()  # never hold the server past the deadline; the overlap assertion below then fails
        codes = [command.wait(300) for command in commands]
    logs = {chunk: (tmp_path / f"{chunk}.log").read_text() for chunk in ("year", "quarter")}
    assert codes == [0, 0], logs
    assert not [chunk for chunk, log in logs.items() if "deadlock" in log.lower() or "failed:" in log], logs

    counts = rows(postgres_url, "SELECT (SELECT COUNT(*) FROM meeting) m, (SELECT COUNT(DISTINCT (source, external_id)) FROM meeting) um, "
                                "(SELECT COUNT(*) FROM document) d, (SELECT COUNT(*) FROM document_version) v, "
                                "(SELECT COUNT(*) FROM page) p, (SELECT COUNT(DISTINCT (version_id, number)) FROM page) up, "
                                "(SELECT SUM(page_count) FROM document_version) pc, "
                                "(SELECT COUNT(*) FROM agenda_item) a, (SELECT COUNT(DISTINCT (version_id, position)) FROM agenda_item) ua")[0]
    # 2016-06-20 and 2016-06-27 are in the range (one quarter, so both processes fetch both): each once.
    assert counts["m"] == counts["um"] == 2 and counts["d"] == counts["v"] == 2
    assert counts["p"] == counts["up"] == counts["pc"] > 0 and counts["a"] == counts["ua"] > 0
    assert rows(postgres_url, "SELECT status, COUNT(*) AS n FROM document GROUP BY status") == [{"status": "ok", "n": 2}]
    assert half_written(postgres_url) == []
    runs = rows(postgres_url, "SELECT flow_name, status, started_at, finished_at FROM ingest_run")
    assert {r["status"] for r in runs} == {"completed"}
    first, second = sorted((r for r in runs if r["flow_name"] == "backfill"), key=lambda r: r["started_at"])
    assert second["started_at"] < first["finished_at"]  # they really ran at the same time
