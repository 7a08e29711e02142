"""Beyond one machine, for real: one Prefect server on PostgreSQL, two process workers, one ratsflow
database on PostgreSQL and one blob folder shared through a file:// URL.

What docs/OPERATING.md ("Beyond one machine") promises: each worker takes flow runs from the same
pool, the runs write the same meetings at the same time without duplicates, and every blob lands
in the shared folder. The workers differ only in their PREFECT_HOME, as two machines would.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psycopg2
import pytest
from prefect_server import free_port, running_prefect_server
from sqlalchemy import text

from demo.build import load_sample_corpus
from demo.server import serve_in_thread
from deploy.serve import create_pool, deploy_all, prefect_env, start_worker, stop
from storage.engine import create_db_engine, upgrade_database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(os.environ.get("RATSFLOW_SKIP_POSTGRES") == "1", reason="RATSFLOW_SKIP_POSTGRES=1"),
]

POSTGRES = os.environ.get("RATSFLOW_TEST_POSTGRES_HOST", "postgres@127.0.0.1:5432")
WORKERS = ("scale-out-a", "scale-out-b")
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty database (its name), dropped afterwards even if connections are still open."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(f"postgresql://{POSTGRES}/test")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def online_workers(api: str) -> set[str]:
    answer = httpx.post(f"{api}/work_pools/ratsflow/workers/filter", json={}, timeout=10)
    answer.raise_for_status()
    return {w["name"] for w in answer.json() if w["status"] == "ONLINE"}


def wait_for_workers(api: str, names: set[str], workers: list, timeout: float = 90.0) -> None:
    """Until every worker has sent its first heartbeat, so both are polling when runs appear."""
    deadline = time.monotonic() + timeout
    while not names <= online_workers(api):
        if any(w.poll() is not None for w in workers) or time.monotonic() > deadline:
            raise RuntimeError(f"workers online: {sorted(online_workers(api))}, wanted {sorted(names)}")
        time.sleep(0.5)


def create_run(api: str, deployment: str, params: dict) -> str:
    """A flow run of a deployment through the API (what the UI's Run button does); returns its id."""
    found = httpx.get(f"{api}/deployments/name/{deployment}", timeout=10)
    found.raise_for_status()
    created = httpx.post(f"{api}/deployments/{found.json()['id']}/create_flow_run",
                         json={"parameters": {"params": params}}, timeout=10)
    created.raise_for_status()
    return created.json()["id"]


def wait_for_runs(api: str, run_ids: list[str], timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        runs = [httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json() for run_id in run_ids]
        if all(r["state"]["type"] in TERMINAL for r in runs) or time.monotonic() > deadline:
            return runs
        time.sleep(1.0)


def test_two_workers_share_the_pool_the_postgres_databases_and_the_blob_folder(born_digital_corpus, tmp_path):
    shared = tmp_path / "shared-data"  # what every worker mounts at the same place (NFS, …)
    corpus = load_sample_corpus(born_digital_corpus)
    corpus_blobs = {hashlib.sha256(corpus.pdf_path(m.id).read_bytes()).hexdigest() for m in corpus.meetings}
    started = time.monotonic()
    with ExitStack() as stack:
        prefect_db = stack.enter_context(fresh_postgres_database("prefect_scale"))
        ratsflow_db = stack.enter_context(fresh_postgres_database("ratsflow_scale"))
        db_url = f"postgresql://{POSTGRES}/{ratsflow_db}"
        upgrade_database(db_url)

        port = free_port()
        server_env = prefect_env(tmp_path / "server-home", port)
        server_env["PREFECT_API_DATABASE_CONNECTION_URL"] = f"postgresql+asyncpg://{POSTGRES}/{prefect_db}"
        stack.enter_context(running_prefect_server(server_env, tmp_path / "server.log"))
        api = server_env["PREFECT_API_URL"]
        create_pool(server_env)
        deploy_all(server_env)
        sample = stack.enter_context(serve_in_thread(born_digital_corpus, page_size=3))

        workers = []
        for name in WORKERS:
            env = prefect_env(tmp_path / f"{name}-home", port)
            env.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)  # workers talk to the API, not the database
            env.update(RATSFLOW_DATABASE_URL=db_url, RATSFLOW_DATA_DIR=shared.as_uri(), PREFECT_WORKER_QUERY_SECONDS="1")
            worker = start_worker(env, limit=1, name=name, log=tmp_path / f"{name}.log")
            stack.callback(stop, worker)
            workers.append(worker)
        wait_for_workers(api, set(WORKERS), workers)

        # Two runs on different deployments at once: with one run per worker (--limit 1) each worker
        # takes one, and both write the same three meetings of 2016/2017 concurrently.
        source = {"system_url": sample.url, "label": "Rhein-Sieg-Kreis"}
        run_ids = [
            create_run(api, "sync/sample", {**source, "stale_after_days": None}),
            create_run(api, "backfill/backfill", {**source, "start_from": "2016-01-01", "start_to": "2017-12-31",
                                                  "chunk": "quarter"}),
        ]
        runs = wait_for_runs(api, run_ids, timeout=240)
        logs = "\n".join((tmp_path / f"{name}.log").read_text(errors="replace")[-2000:] for name in WORKERS)
        assert [r["state"]["type"] for r in runs] == ["COMPLETED", "COMPLETED"], logs
        assert {r["labels"].get("prefect.worker.name") for r in runs} == set(WORKERS), [r["labels"] for r in runs]

        engine = create_db_engine(db_url)
        try:
            with engine.connect() as c:
                meetings = c.execute(text("SELECT source, external_id FROM meeting")).all()
                documents = c.execute(text("SELECT meeting_id, external_id, status, sha256 FROM document")).all()
                versions = c.execute(text("SELECT sha256, blob_path FROM document_version")).all()
                ingest_runs = c.execute(text("SELECT flow_run_id, flow_name, status FROM ingest_run")).all()
        finally:
            engine.dispose()

    assert len(meetings) == len(set(meetings)) == len(corpus.meetings)
    assert len(documents) == len({(d.meeting_id, d.external_id) for d in documents}) == len(corpus.meetings)
    assert {d.status for d in documents} == {"ok"} and {d.sha256 for d in documents} == corpus_blobs
    # One version per content: the two workers stored the same files, not copies of them.
    assert sorted(v.sha256 for v in versions) == sorted(corpus_blobs)
    blob_root = shared / "blobs"
    assert all(Path(v.blob_path).is_relative_to(blob_root) for v in versions)
    assert {p.stem for p in blob_root.rglob("*.pdf")} == corpus_blobs
    assert not list(blob_root.rglob(".incoming-*"))
    # The backfill's eight quarters ran as child syncs inside its worker's process.
    assert sorted(r.flow_name for r in ingest_runs) == ["backfill"] + ["sync"] * 9
    assert {r.status for r in ingest_runs} == {"completed"}, ingest_runs
    print(f"scale-out: {time.monotonic() - started:.1f} s")
