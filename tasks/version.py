"""Which ratsflow made a row: the package version and, in a checkout, the git commit."""

from __future__ import annotations

import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path


@cache
def ratsflow_version() -> str:
    try:
        return metadata.version("ratsflow")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@cache
def git_commit() -> str | None:
    """The checkout's commit, or None when installed without git (a wheel, a container)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None
