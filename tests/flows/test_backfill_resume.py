"""A backfill killed with SIGKILL mid-range is resumed by running it again: nothing twice, nothing lost."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from demo.server import serve_in_thread
from storage.engine import upgrade_database

pytestmark = pytest.mark.usefixtures("prefect_engine")
REPO = Path(__file__).resolve().parents[2]


def rows(db_url: str, sql: str) -> list[dict]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        result = [dict(r._mapping) for r in c.execute(text(sql))]
    engine.dispose()
    return result


def backfill_cli(url: str, db_url: str, data_dir: Path, log: Path) -> subprocess.Popen:
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),  # the session's test server
        "RATSFLOW_DATA_DIR": str(data_dir),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "COLUMNS": "200",
    }
    args = [sys.executable, "-m", "flows.cli", "backfill", url, "--from", "2016-01-01", "--to", "2023-12-31",
            "--chunk", "year", "--database", db_url]
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def test_a_killed_backfill_resumes_without_duplicates(born_digital_corpus, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'ratsflow.db'}"
    upgrade_database(db_url)
    with serve_in_thread(born_digital_corpus, page_size=3) as server:
        first = backfill_cli(server.url, db_url, tmp_path / "data", tmp_path / "first.log")
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and first.poll() is None:
                done = rows(db_url, "SELECT id FROM ingest_run WHERE flow_name = 'sync' AND status = 'completed'")
                if done:
                    break
                time.sleep(0.05)
            assert first.poll() is None, (tmp_path / "first.log").read_text()
            os.kill(first.pid, signal.SIGKILL)
            first.wait(30)
        finally:
            if first.poll() is None:
                first.kill()
        killed = rows(db_url, "SELECT flow_name, status, params FROM ingest_run ORDER BY id")
        # The parent never got to finish: the kill really happened mid-range.
        assert killed[0]["flow_name"] == "backfill" and killed[0]["status"] == "running"
        chunks_done = [json.loads(r["params"])["start_from"] for r in killed if r["status"] == "completed"]
        assert chunks_done and chunks_done[0] == "2016-01-01" and len(chunks_done) < 8
        ok_before = rows(db_url, "SELECT COUNT(*) AS n FROM document WHERE status = 'ok'")[0]["n"]
        assert 2 <= ok_before < 4

        second = backfill_cli(server.url, db_url, tmp_path / "data", tmp_path / "second.log")
        assert second.wait(300) == 0, (tmp_path / "second.log").read_text()
        output = (tmp_path / "second.log").read_text()

    counts = rows(db_url, "SELECT (SELECT COUNT(*) FROM meeting) m, (SELECT COUNT(*) FROM document) d, "
                          "(SELECT COUNT(*) FROM document_version) v, (SELECT COUNT(*) FROM page) p")[0]
    assert counts == {"m": 4, "d": 4, "v": 4, "p": 17}
    assert rows(db_url, "SELECT status, COUNT(*) AS n FROM document GROUP BY status") == [{"status": "ok", "n": 4}]
    runs = rows(db_url, "SELECT status, error, counts FROM ingest_run WHERE flow_name = 'backfill' ORDER BY id")
    # The re-run closed the killed run's row: its process is gone.
    assert [r["status"] for r in runs] == ["abandoned", "completed"]
    assert f"pid {first.pid} on " in runs[0]["error"]
    resumed = json.loads(runs[1]["counts"])["documents"]
    # What the killed run finished is skipped without a download; the rest is new.
    assert resumed == {"skipped": ok_before, "inserted": 4 - ok_before}
    # The command line ended with the summary table and showed progress.
    assert "ratsflow run" in output and "skipped" in output and "chunks" in output
