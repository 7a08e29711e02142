"""Whether a process still runs: how a run tells a dead owner's row, and a watchdog its parent, from a live one.

Standard library only, so the temporary server's watchdog starts in a blink.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): signal 0 is all we can know
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
