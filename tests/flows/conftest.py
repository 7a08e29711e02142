"""The Prefect engine, once per session, and the bundled sample council system on loopback."""

import os
import tempfile

import pytest


@pytest.fixture(scope="session")
def prefect_engine():
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="ratsflow-prefect-")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory):
    from demo.build import build_sample_corpus

    out = tmp_path_factory.mktemp("sample-corpus")
    build_sample_corpus(out)
    return out


@pytest.fixture(scope="session")
def born_digital_corpus(tmp_path_factory):
    """The four born-digital sample meetings (2016-06 ×2, 2017-09, 2023-03): flows without OCR, in seconds."""
    from demo.build import build_sample_corpus

    out = tmp_path_factory.mktemp("born-digital-corpus")
    build_sample_corpus(out, kinds={"born_digital"})
    return out


@pytest.fixture
def store(tmp_path):
    """Store parameters of a fresh, migrated SQLite database and data folder."""
    from storage.engine import upgrade_database

    db_url = f"sqlite:///{tmp_path / 'ratsflow.db'}"
    upgrade_database(db_url)
    return {"database_url": db_url, "data_dir": str(tmp_path / "data")}


@pytest.fixture(scope="module")
def server(born_digital_corpus):
    """The sample OParl system with the born-digital meetings, three per list page."""
    from demo.server import serve_in_thread

    with serve_in_thread(born_digital_corpus, page_size=3) as running:
        yield running
