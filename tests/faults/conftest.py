"""The fault council, once per session: its bombs take a few seconds to build."""

import pytest
from council import FaultCouncil


@pytest.fixture(scope="session")
def council():
    with FaultCouncil(seed=15, endless_pages=10_000) as running:
        assert running.files  # built before any test starts, so none waits on a bomb being made
        yield running
