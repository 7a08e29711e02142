"""Watermarks of incremental sync: stored per (source, list), and never moved backwards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select

from schemas.tables import SourceWatermark
from storage.watermarks import advance_watermark, get_watermark
from tasks.sources.watermarks import since_for

SOURCE = "https://ris.example.de/oparl/system"
LIST = "https://ris.example.de/oparl/body/1/meeting"
JUNE = datetime(2024, 6, 3, 10, 30, tzinfo=UTC)


def test_a_list_without_a_run_has_no_watermark(engine):
    assert get_watermark(engine, SOURCE, LIST) is None


def test_the_first_run_stores_the_newest_modified_and_the_run_time(engine):
    ran = datetime(2024, 6, 4, 8, 0, tzinfo=UTC)
    stored = advance_watermark(engine, SOURCE, LIST, JUNE, False, now=ran)
    again = get_watermark(engine, SOURCE, LIST)
    assert (stored.watermark, stored.last_run_at, stored.placeholder_detected) == (JUNE, ran, False)
    assert (again.watermark, again.last_run_at) == (JUNE, ran)


def test_the_watermark_moves_forward_but_never_back(engine):
    advance_watermark(engine, SOURCE, LIST, JUNE, False)
    later = JUNE + timedelta(days=2)
    assert advance_watermark(engine, SOURCE, LIST, later, False).watermark == later
    assert advance_watermark(engine, SOURCE, LIST, JUNE, False).watermark == later
    assert advance_watermark(engine, SOURCE, LIST, None, False).watermark == later
    assert get_watermark(engine, SOURCE, LIST).watermark == later


def test_offsets_are_compared_as_instants_not_as_text(engine):
    # 12:00+02:00 is 10:00 UTC: earlier than 10:30 UTC although its digits are larger.
    advance_watermark(engine, SOURCE, LIST, JUNE, False)
    berlin = datetime(2024, 6, 3, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert advance_watermark(engine, SOURCE, LIST, berlin, False).watermark == JUNE


def test_the_placeholder_flag_follows_the_latest_run_and_forces_a_full_listing(engine):
    advance_watermark(engine, SOURCE, LIST, JUNE, True)
    assert since_for(get_watermark(engine, SOURCE, LIST)) is None
    advance_watermark(engine, SOURCE, LIST, None, False)
    assert since_for(get_watermark(engine, SOURCE, LIST), timedelta(hours=6)) == JUNE - timedelta(hours=6)


def test_lists_and_sources_are_kept_apart(engine):
    other_list = LIST.replace("body/1", "body/2")
    advance_watermark(engine, SOURCE, LIST, JUNE, False)
    advance_watermark(engine, SOURCE, other_list, JUNE + timedelta(days=1), False)
    advance_watermark(engine, "https://other.example.de/oparl", LIST, JUNE - timedelta(days=9), True)
    assert get_watermark(engine, SOURCE, LIST).watermark == JUNE
    assert get_watermark(engine, SOURCE, other_list).watermark == JUNE + timedelta(days=1)
    assert get_watermark(engine, "https://other.example.de/oparl", LIST).placeholder_detected is True


def test_concurrent_runs_leave_one_row_at_the_newest_watermark(engine):
    stamps = [JUNE + timedelta(hours=h) for h in (5, 1, 9, 3, 7, 2)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda s: advance_watermark(engine, SOURCE, LIST, s, False), stamps))
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(SourceWatermark.__table__)).scalar_one()
    assert rows == 1
    assert get_watermark(engine, SOURCE, LIST).watermark == max(stamps)
