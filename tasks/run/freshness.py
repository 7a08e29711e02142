"""Freshness alarms: a run that technically completed but whose source looks wrong.

Council systems fail quietly: an expired API key yields an empty list, a stuck export stops
publishing, a changed scanner produces image-only PDFs. Each alarm is a warning on the run,
a Prefect event an automation can act on (notify, open a ticket), and the run's state name.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from schemas.clock import as_utc
from schemas.params import IngestParams, IngestSummary
from schemas.pipeline import SourceMeeting
from storage.selection import newest_stored_meeting_start, source_page_counts

log = logging.getLogger("ratsflow.freshness")

MIN_PAGES_FOR_SHARE = 5
EVENT_STALE = "ratsflow.source.stale"
EVENT_EMPTY = "ratsflow.source.empty"
EVENT_TEXT_MISSING = "ratsflow.source.text-missing"


class Alarm:
    def __init__(self, event: str, message: str, **payload: object) -> None:
        self.event, self.message, self.payload = event, message, payload




def newest_meeting_start(meetings: list[SourceMeeting]) -> datetime | None:
    starts = [as_utc(m.start) for m in meetings if m.start and not m.deleted]
    return max(starts) if starts else None


def freshness_alarms(
    meetings: list[SourceMeeting],
    summary: IngestSummary,
    params: IngestParams,
    *,
    usual_pages: tuple[int, int],
    newest_stored: datetime | None = None,
    listed_in_full: bool = True,
    now: datetime | None = None,
) -> list[Alarm]:
    """The alarms a finished run raises. Range-limited runs (backfill chunks) only check text.

    `usual_pages` is (pages, pages without text) of the source before this run. An
    incremental listing (`listed_in_full=False`) may rightly be empty; staleness then comes
    from `newest_stored`, the newest meeting the database already holds for the source.
    """
    now = now or datetime.now(UTC)
    alarms: list[Alarm] = []
    open_ended = params.start_to is None
    if open_ended and params.start_from is None and listed_in_full and not meetings:
        alarms.append(Alarm(EVENT_EMPTY, f"{params.system_url} listed no meetings at all"))
    newest = max((s for s in (newest_meeting_start(meetings), as_utc(newest_stored)) if s), default=None)
    if open_ended and newest is not None and params.stale_after_days:
        newest = as_utc(newest)
        age = (now - newest).days
        if age > params.stale_after_days:
            alarms.append(Alarm(
                EVENT_STALE,
                f"newest meeting of {params.system_url} is {age} days old ({newest.date()}), "
                f"more than {params.stale_after_days}",
                newest_meeting=newest.date().isoformat(), age_days=age,
            ))
    pages = sum(summary.pages_by_method.values())
    usual_total, usual_empty = usual_pages
    if pages >= MIN_PAGES_FOR_SHARE and usual_total >= MIN_PAGES_FOR_SHARE:
        share, usual = summary.pages_without_text / pages, usual_empty / usual_total
        if share - usual > params.empty_page_jump:
            alarms.append(Alarm(
                EVENT_TEXT_MISSING,
                f"{share:.0%} of this run's pages have no text, usually {usual:.0%}",
                share=round(share, 3), usual_share=round(usual, 3), pages=pages,
            ))
    return alarms


def check_freshness(
    engine: Engine, meetings: list[SourceMeeting], summary: IngestSummary, params: IngestParams, *,
    flow_run_id: str | None, subject: str, listed_in_full: bool = True,
) -> IngestSummary:
    """Raise the alarms: logged, emitted as events, added to the summary's warnings."""
    usual = source_page_counts(engine, params.system_url, exclude_flow_run_id=flow_run_id)
    stored = newest_stored_meeting_start(engine, params.system_url)
    newest = max((s for s in (newest_meeting_start(meetings), as_utc(stored)) if s), default=None)
    summary.newest_meeting = newest.date() if newest else None
    alarms = freshness_alarms(
        meetings, summary, params, usual_pages=usual, newest_stored=stored, listed_in_full=listed_in_full
    )
    for alarm in alarms:
        log.warning("freshness alarm: %s", alarm.message)
        summary.warnings.append(alarm.message)
        emit_alarm(alarm, params.system_url, subject, flow_run_id)
    return summary


def emit_alarm(alarm: Alarm, source: str, subject: str, flow_run_id: str | None) -> None:
    try:
        from prefect.events import emit_event

        related = (
            [{"prefect.resource.id": f"prefect.flow-run.{flow_run_id}", "prefect.resource.role": "flow-run"}]
            if flow_run_id else None
        )
        emit_event(
            event=alarm.event,
            resource={"prefect.resource.id": f"ratsflow.source.{subject}", "prefect.resource.name": source},
            related=related,
            payload={"message": alarm.message, "source": source, **alarm.payload},
        )
    except Exception as err:
        log.info("could not emit %s: %s", alarm.event, err)
