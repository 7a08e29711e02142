"""Run ratsflow from the Prefect UI on this machine: server, work pool, deployments, worker.

    python -m deploy.serve [--port 4200] [--home data/prefect] [--workers 1] [--no-sample]

Starts a Prefect server on 127.0.0.1 (SQLite in --home, or PostgreSQL when
PREFECT_API_DATABASE_CONNECTION_URL is set) and the bundled sample council system (which
the scheduled `sync/sample` deployment reads), creates the process work pool `ratsflow`,
deploys every entry of prefect.yaml, creates the ready automations for ratsflow's alarms,
starts the workers (named `ratsflow-<host>-<n>`) and prints the UI address. Ctrl-C or SIGTERM
stops everything it started. The same steps, one by one, are what the deployment test runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
POOL = "ratsflow"


def prefect_executable() -> str:
    """The `prefect` command of this interpreter's environment (the venv's, not whatever is on PATH)."""
    candidate = Path(sys.executable).with_name("prefect")
    return str(candidate) if candidate.exists() else "prefect"


def prefect_env(home: Path, port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for every Prefect process: own home, loopback API, no analytics, this checkout."""
    env = dict(os.environ if base is None else base)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT="false",
        RATSFLOW_HOME=str(REPO),
        OMP_THREAD_LIMIT=env.get("OMP_THREAD_LIMIT", "1"),
    )
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def start_server(env: dict[str, str], *, log: Path | None = None) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1 in the background; wait for it with `wait_until_healthy`."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [prefect_executable(), "server", "start", "--host", "127.0.0.1", "--port", env["PREFECT_SERVER_API_PORT"]],
        env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_until_healthy(env: dict[str, str], server: subprocess.Popen, timeout: float = 180.0) -> None:
    """Block until the API answers /health; raise if the server died or took too long."""
    url = env["PREFECT_API_URL"] + "/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {server.returncode}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"prefect server did not answer {url} within {timeout:g} s")


def prefect_cli(env: dict[str, str], *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
    """Run one `prefect …` command against the server; raises with its output when it fails."""
    done = subprocess.run([prefect_executable(), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def create_pool(env: dict[str, str]) -> None:
    prefect_cli(env, "work-pool", "create", POOL, "--type", "process", "--overwrite")


def deploy_all(env: dict[str, str]) -> str:
    """Every deployment of prefect.yaml; returns the CLI's report."""
    return prefect_cli(env, "--no-prompt", "deploy", "--all", "--prefect-file", str(REPO / "prefect.yaml")).stdout


def start_worker(
    env: dict[str, str], *, limit: int = 2, run_once: bool = False, log: Path | None = None, name: str | None = None
) -> subprocess.Popen:
    """A process worker on the `ratsflow` pool; `run_once` picks up what is due and exits.

    `name` shows in the UI (Work Pools → ratsflow → Workers) and in the label
    `prefect.worker.name` of every flow run the worker starts.
    """
    out = open(log, "ab") if log else None
    args = [prefect_executable(), "worker", "start", "--pool", POOL, "--type", "process", "--limit", str(limit)]
    if name:
        args += ["--name", name]
    if run_once:
        args.append("--run-once")
    return subprocess.Popen(args, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT if out else None,
                            start_new_session=True)


def stop(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM the process group, SIGKILL after `grace` seconds (the server has uvicorn children)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def worker_name(index: int) -> str:
    """`ratsflow-<host>-1`: the same name on every start, so the UI keeps one worker row, not one per restart."""
    return f"ratsflow-{socket.gethostname()}-{index}"


def deploy_report(report: str, *, workers_started: bool) -> str:
    """`prefect deploy`'s report without its advice to start a worker when this command starts them."""
    if not workers_started:
        return report
    kept = [line for line in report.splitlines() if "worker" not in line.lower()]
    return "\n".join(kept).strip()


def install_automations(env: dict[str, str]) -> str:
    """The ready automations for ratsflow's alarms (deploy/automations.py), against this server."""
    done = subprocess.run([sys.executable, "-m", "deploy.automations"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"creating the automations failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def stop_on_sigterm() -> None:
    """SIGTERM (systemd, docker stop) stops everything as Ctrl-C does."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4200, help="Port of the Prefect server and UI on 127.0.0.1.")
    parser.add_argument("--home", type=Path, default=REPO / "data" / "prefect", help="PREFECT_HOME (SQLite database, logs).")
    parser.add_argument("--workers", type=int, default=1, help="Process workers to start (0: none, e.g. when they run elsewhere).")
    parser.add_argument("--limit", type=int, default=2, help="Flow runs each worker runs at once (mind the cores: OCR is CPU-bound).")
    parser.add_argument("--no-sample", dest="sample", action="store_false",
                        help="Do not serve the bundled sample council system (the sync/sample deployment reads it).")
    parser.add_argument("--sample-port", type=int, default=8765, help="Port of the sample council system on 127.0.0.1.")
    parser.add_argument("--sample-data", type=Path, default=REPO / "demo" / "out", help="Folder of the sample corpus (built if missing).")
    args = parser.parse_args(argv)

    stop_on_sigterm()
    args.home.mkdir(parents=True, exist_ok=True)
    env = prefect_env(args.home.resolve(), args.port)
    children: list[subprocess.Popen] = []
    try:
        print(f"starting Prefect server on 127.0.0.1:{args.port} (home {args.home}) …", flush=True)
        server = start_server(env, log=args.home / "server.log")
        children.append(server)
        if args.sample:
            children.append(subprocess.Popen(
                [sys.executable, "-m", "demo.server", "--port", str(args.sample_port), "--data", str(args.sample_data)],
                env=env, cwd=REPO, start_new_session=True,
            ))
        wait_until_healthy(env, server)
        create_pool(env)
        print(deploy_report(deploy_all(env), workers_started=args.workers > 0), flush=True)
        print(install_automations(env), flush=True)
        for index in range(1, args.workers + 1):
            children.append(start_worker(env, limit=args.limit, name=worker_name(index)))
        sample = f"; sample council system at http://127.0.0.1:{args.sample_port}/oparl/v1/system" if args.sample else ""
        print(f"\nratsflow is ready: open http://127.0.0.1:{args.port} (Deployments → run one{sample}; "
              f"Ctrl-C or SIGTERM stops all)\n", flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(1.0)
        print("a child process ended; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for child in reversed(children):
            stop(child)


if __name__ == "__main__":
    raise SystemExit(main())
