"""The CLI's temporary Prefect API server ends with the CLI, even when the CLI is killed with kill -9.

Without PREFECT_API_URL, Prefect starts a temporary API server (uvicorn) as a child process and
stops it from an exit handler. A process killed with SIGKILL runs no exit handler: the server
lived on, holding its port and its database. So every such server gets a watchdog, a tiny
process (standard library only) that is a child of the CLI too: when the CLI is gone, it stops
the server (SIGTERM, then SIGKILL after a grace period) and ends.

`python -m flows.temporary_server CLI_PID SERVER_PID` is that watchdog.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tasks.run.processes import process_alive

POLL_SECONDS = 0.2
GRACE_SECONDS = 5.0


def watch_temporary_server() -> None:
    """Give every temporary API server Prefect starts in this process a watchdog (once; idempotent).

    Hooks `SubprocessASGIServer._run_uvicorn_command` of the pinned Prefect: Prefect keeps its own
    start, port retry and stop; the hook only adds the watchdog beside the process it started.
    """
    from prefect.server.api.server import SubprocessASGIServer

    start = SubprocessASGIServer._run_uvicorn_command
    if getattr(start, "ratsflow_watched", False):
        return

    def start_watched(server):
        process = start(server)
        start_watchdog(process.pid)
        return process

    start_watched.ratsflow_watched = True
    SubprocessASGIServer._run_uvicorn_command = start_watched


def start_watchdog(server_pid: int) -> subprocess.Popen:
    """The watchdog of `server_pid`, a child of this process."""
    return subprocess.Popen(
        [sys.executable, "-m", "flows.temporary_server", str(os.getpid()), str(server_pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )


def watch(parent_pid: int, server_pid: int) -> None:
    """Wait while the parent lives (an orphan is adopted by another: its parent id changes), then stop the server."""
    while os.getppid() == parent_pid:
        if not process_alive(server_pid):
            return  # stopped by the CLI itself, as on every normal exit
        time.sleep(POLL_SECONDS)
    stop(server_pid)


def stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return
        time.sleep(POLL_SECONDS / 2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main(argv: list[str]) -> None:
    # Ctrl-C reaches the whole foreground group; the CLI stops the server itself then.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent_pid, server_pid = (int(arg) for arg in argv)
    watch(parent_pid, server_pid)


if __name__ == "__main__":
    main(sys.argv[1:])
