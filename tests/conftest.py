import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@pytest.fixture
def loopback():
    from loopback import LoopbackServer

    with LoopbackServer() as server:
        yield server
