"""prefect.yaml for real: a Prefect server on loopback, the work pool, `prefect deploy --all`, and a
deployment run picked up by a process worker, which fills the database from the sample system."""

import json
import re

import httpx
import pytest
from prefect_server import free_port, running_prefect_server
from sqlalchemy import create_engine, text

from demo.server import serve_in_thread
from deploy.serve import create_pool, deploy_all, prefect_cli, prefect_env, start_worker, stop
from storage.engine import upgrade_database


@pytest.fixture
def prefect_server(tmp_path):
    with running_prefect_server(prefect_env(tmp_path / "prefect-home", free_port()), tmp_path / "server.log") as env:
        yield env


def test_prefect_yaml_deploys_and_a_worker_runs_the_sync_deployment(prefect_server, born_digital_corpus, tmp_path):
    env = prefect_server
    api = env["PREFECT_API_URL"]
    create_pool(env)
    report = deploy_all(env)
    assert "sync/sample" in report and "backfill/backfill" in report

    deployment = httpx.get(f"{api}/deployments/name/sync/sample").json()
    assert deployment["enforce_parameter_schema"] is True
    assert deployment["work_pool_name"] == "ratsflow" and "sync" in deployment["tags"]
    assert deployment["global_concurrency_limit"]["limit"] == 1
    schedules = {s["slug"]: s for s in deployment["schedules"]}
    assert schedules["sample-every-morning"]["schedule"]["timezone"] == "Europe/Berlin"
    assert schedules["sample-every-morning"]["active"] and not schedules["sample-workday-evening"]["active"]
    # The typed parameters reach the UI's form with their descriptions.
    form = deployment["parameter_openapi_schema"]["definitions"]["IngestParams"]["properties"]
    assert "Entry URL" in form["system_url"]["description"]

    # enforce_parameter_schema: a backfill without its range is refused before any worker sees it.
    with pytest.raises(RuntimeError, match="start_from|Validation|validation"):
        prefect_cli(env, "deployment", "run", "backfill/backfill", "--params", json.dumps({"params": {"system_url": "x"}}))

    db_url = f"sqlite:///{tmp_path / 'ratsflow.db'}"
    upgrade_database(db_url)
    with serve_in_thread(born_digital_corpus, page_size=3) as sample:
        params = {"params": {"system_url": sample.url, "label": "Rhein-Sieg-Kreis", "database_url": db_url,
                             "data_dir": str(tmp_path / "data")}}
        started = prefect_cli(env, "deployment", "run", "sync/sample", "--params", json.dumps(params)).stdout
        flow_run_id = re.search(r"UUID:\s*([0-9a-f-]{36})", started).group(1)
        worker = start_worker(env, run_once=True, log=tmp_path / "worker.log")
        try:
            worker.wait(300)
        finally:
            stop(worker)
    flow_run = httpx.get(f"{api}/flow_runs/{flow_run_id}").json()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert flow_run["state"]["type"] == "COMPLETED", log[-3000:]
    assert re.fullmatch(r"sync-rhein-sieg-kreis-\d{4}-\d{2}-\d{2}", flow_run["name"])
    engine = create_engine(db_url)
    with engine.connect() as c:
        statuses = c.execute(text("SELECT status FROM document")).scalars().all()
        run = c.execute(text("SELECT flow_run_id, status FROM ingest_run")).one()
    engine.dispose()
    assert statuses == ["ok"] * 4
    assert run.flow_run_id == flow_run_id and run.status == "completed"
