"""The run's own bookkeeping: meetings seen, and the `ingest_run` row every flow opens and closes.

`recorded_run` is the one skeleton of every flow (open the row → the flow's work → close it
with the summary → publish the summary artifact): written once, so that no flow can leave its row
`running` for ever when it raises or is cancelled. A process killed outright (kill -9) cannot close
its row; the row names its process (pid and host), and the next run on that host closes it
`abandoned`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from schemas.params import DocumentOutcome, IngestSummary
from schemas.pipeline import SourceMeeting, UpsertOutcome
from storage.repository import (
    abandon_ingest_run,
    finish_ingest_run,
    mark_documents_withdrawn,
    running_runs_on,
    start_ingest_run,
    upsert_meeting,
)
from tasks.run.processes import process_alive
from tasks.run.report import publish_summary

log = logging.getLogger("ratsflow.ingest")


def record_meeting(engine: Engine, meeting: SourceMeeting) -> UpsertOutcome:
    """The meeting row, and the withdrawal of files the source no longer lists for it.

    Called by the flows as a plain function, not a Prefect task: two quick queries that need no
    retries of their own, while a task run each cost ≈ 80 ms of Prefect's bookkeeping, a quarter
    of an unchanged re-run (docs/BENCHMARKS.md, end to end).
    """
    recorded = upsert_meeting(engine, meeting)
    if meeting.documents_complete:
        mark_documents_withdrawn(engine, recorded.id, [ref.external_id for ref in meeting.documents])
    return recorded


def open_run(engine: Engine, *, flow_run_id: str | None, flow_name: str, source: str | None, params: dict) -> int:
    """Open the run's row with this process as its owner, after closing the rows of dead runs here."""
    host = socket.gethostname()
    close_abandoned_runs(engine, host)
    return start_ingest_run(
        engine, flow_run_id=flow_run_id, flow_name=flow_name, source=source, params=params,
        owner_pid=os.getpid(), owner_host=host,
    )


def close_abandoned_runs(engine: Engine, host: str) -> list[int]:
    """Close as `abandoned` the `running` rows of this host whose process is gone; returns their ids.

    A process killed with SIGKILL (kill -9, the OOM killer) cannot close its row. Only rows of
    this host can be judged: a process id means nothing on another machine.
    """
    closed = []
    for run_id, pid in running_runs_on(engine, host):
        if process_alive(pid):
            continue
        error = (
            f"abandoned: its process (pid {pid} on {host}) ended without closing the run "
            "(killed with kill -9, out of memory, or the machine stopped); run it again to finish the work"
        )
        if abandon_ingest_run(engine, run_id, error):
            log.warning("ingest run %s: %s", run_id, error)
            closed.append(run_id)
    return closed


def close_run(engine: Engine, run_id: int, summary: IngestSummary, error: str | None = None) -> None:
    counts = summary.model_dump(mode="json", exclude={"run_id", "status", "failures"})
    counts["failed_documents"] = [f.model_dump(mode="json") for f in summary.failures]
    finish_ingest_run(engine, run_id, status=summary.status, counts=counts, error=error)


@dataclass
class RunRecord:
    """What a flow did so far; `summary`, when the flow sets it, replaces the one built from outcomes."""

    run_id: int
    artifact_key: str  # a flow may rename it once it knows the body's name
    meeting_actions: list[str] = field(default_factory=list)
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    summary: IngestSummary | None = None

    def final_summary(self) -> IngestSummary:
        summary = self.summary or IngestSummary.from_outcomes(self.meeting_actions, self.outcomes)
        summary.run_id = self.run_id
        return summary


def _cancelled(err: BaseException) -> bool:
    from prefect.exceptions import TerminationSignal

    return isinstance(err, (KeyboardInterrupt, asyncio.CancelledError, TerminationSignal))


@contextmanager
def recorded_run(
    engine: Engine, *, flow_run_id: str | None, flow_name: str, source: str | None, params: dict, artifact_key: str
) -> Iterator[RunRecord]:
    """Open the run's row; close it on every way out, with the summary or the error.

    An exception (or a cancellation: Ctrl-C, SIGTERM, Prefect's cancel) closes the row `failed`
    (`cancelled`) with what was done until then and the error, then propagates. A normal exit closes
    it with the final summary and publishes that as the run's artifact.
    """
    run_id = open_run(engine, flow_run_id=flow_run_id, flow_name=flow_name, source=source, params=params)
    record = RunRecord(run_id=run_id, artifact_key=artifact_key)
    try:
        yield record
    except BaseException as err:
        summary = record.final_summary()
        summary.status = "cancelled" if _cancelled(err) else "failed"
        close_run(engine, record.run_id, summary, error=str(err) or err.__class__.__name__)
        raise
    summary = record.final_summary()
    close_run(engine, record.run_id, summary)
    publish_summary(summary, record.artifact_key)
    record.summary = summary

