"""The whole fault matrix in one backfill, typed as an operator types it: every row holds, memory stays bounded.

One `ratsflow backfill` over the fault council (four quarterly chunks, each walking the whole
system again): every good document is ingested, every bad one is recorded `failed` with its
reason, transient faults heal, broken lists end with a warning, forbidden addresses are never
asked for, the 50 MB object is fetched once, and the run ends with its summary and exit 3.
Rows and reasons are `FILE_FAULTS` / `LIST_FAULTS` (tests/faults/council.py), the same as the
table in docs/RELIABILITY.md.
"""

import re

import pytest
from council import FILE_FAULTS, LIST_FAULTS, FaultCouncil
from matrix_run import backfill_in_a_process
from sqlalchemy import create_engine, text

from schemas.errors import ExitCode

pytestmark = pytest.mark.slow
MEMORY_BUDGET = 1 << 30  # 1 GiB: issue 15's bound for a run over the whole matrix


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """The backfill's result, the database it wrote and the council's record of what was asked for."""
    tmp = tmp_path_factory.mktemp("fault-matrix")
    db_url = f"sqlite:///{tmp / 'matrix.db'}"
    with FaultCouncil(seed=15) as council:
        assert council.files
        run = backfill_in_a_process(council.system_url, db_url, tmp)
    engine = create_engine(db_url)
    with engine.connect() as c:
        documents = {r.external_id.rsplit("/", 1)[1]: r for r in c.execute(text(
            "SELECT external_id, status, error, error_kind, attempts FROM document"))}
        meetings = [r.external_id for r in c.execute(text("SELECT external_id FROM meeting"))]
    engine.dispose()
    print(f"\nfault matrix: peak RSS {run.peak_rss_bytes / 2**20:.0f} MiB, exit {run.returncode}")
    return run, documents, meetings, council


def test_the_run_ends_with_its_summary_and_exit_documents_failed(matrix):
    run, _, _, _ = matrix
    assert run.returncode == ExitCode.documents_failed, run.stderr[-3000:]
    assert "completed_with_failures" in run.stdout
    ok = sum(f.status == "ok" for f in FILE_FAULTS)
    failed = len(FILE_FAULTS) - ok
    assert re.search(rf"failed {failed}, inserted {ok}", run.stdout), run.stdout


@pytest.mark.parametrize("fault", FILE_FAULTS, ids=[f.name for f in FILE_FAULTS])
def test_each_file_fault_is_stored_or_recorded_failed_with_its_reason(matrix, fault):
    _, documents, _, _ = matrix
    row = documents[fault.name]
    assert row.status == fault.status, (row.status, row.error)
    if fault.status == "failed":
        assert re.search(fault.reason, row.error), row.error
        assert row.attempts == 1  # recorded once, not retried into the ground
    else:
        assert row.error is None


@pytest.mark.parametrize("fault", LIST_FAULTS, ids=[f.name for f in LIST_FAULTS])
def test_each_list_fault_ends_in_a_warning_and_the_walk_goes_on(matrix, fault):
    run, _, _, _ = matrix
    assert re.search(fault.warning, run.stderr), fault.warning


def test_broken_lists_still_yield_their_readable_meetings(matrix):
    _, _, meetings, _ = matrix
    names = [m.split("/", 3)[3] for m in meetings]
    assert sorted(n for n in names if n.startswith("cycle/")) == ["cycle/meeting/1", "cycle/meeting/2", "cycle/meeting/3"]
    assert len([n for n in names if n.startswith("endless/")]) == 25  # RATSFLOW_OPARL_MAX_PAGES
    assert "refs/meeting/control-characters" in names and "refs/meeting/with-missing-file" in names
    assert "refs/meeting/huge" not in names and "refs/meeting/invalid-json" not in names


def test_what_must_not_be_asked_for_is_never_asked_for_and_the_huge_object_only_once(matrix):
    _, _, _, council = matrix
    assert [h for h in council.hosts if not h[0].startswith("127.0.0.1:")] == []  # localhost, 169.254… never reached
    assert council.hits["/refs/meeting/huge"] == 1  # four chunks walked the system, one asked for it
    assert council.hits["/files/endless-600mb.pdf"] == 1 and council.hits["/files/pages-2000.pdf"] == 1
    assert council.hits["/files/burst-500.pdf"] == council.burst + 1  # healed by the client's own retries
    assert council.hits["/files/reset-mid-body.pdf"] == 2 and council.hits["/files/retry-429.pdf"] == 2
    assert council.hits["/endless/meetings"] == 4 * 25  # each chunk stopped at the page limit


def test_peak_memory_of_the_whole_matrix_stays_under_one_gib(matrix):
    run, _, _, _ = matrix
    assert 0 < run.peak_rss_bytes <= MEMORY_BUDGET, f"peak RSS {run.peak_rss_bytes / 2**20:.0f} MiB"
