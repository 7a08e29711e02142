"""A real Prefect server for the deployment tests: a free loopback port, its own PREFECT_HOME, stopped after."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deploy.serve import start_server, stop, wait_until_healthy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_prefect_server(env: dict[str, str], log: Path) -> Iterator[dict[str, str]]:
    """`prefect server start` with `env` (see deploy.serve.prefect_env) until the block ends, even on failure."""
    server = start_server(env, log=log)
    try:
        try:
            wait_until_healthy(env, server)
        except RuntimeError as err:
            raise RuntimeError(f"{err}\n{log.read_text(errors='replace')[-3000:]}") from err
        yield env
    finally:
        stop(server)
