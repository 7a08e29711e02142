"""The small decisions behind the flows: chunks, alarms, names, days, data folders."""

from datetime import UTC, date, datetime

import pytest

from schemas.errors import ConfigurationError
from schemas.params import IngestParams, IngestSummary, StoreParams
from schemas.pipeline import SourceMeeting
from storage.selection import in_day_range, is_older_version
from tasks.run.chunks import date_chunks
from tasks.run.context import data_dir_path, open_blob_store, settings_for
from tasks.run.freshness import EVENT_EMPTY, EVENT_STALE, EVENT_TEXT_MISSING, freshness_alarms
from tasks.run.report import run_name, slug, source_slug


def test_chunks_follow_the_calendar_and_cover_the_range_exactly():
    chunks = date_chunks(date(2019, 2, 10), date(2020, 1, 5), "quarter")
    assert [(c.start_from.isoformat(), c.start_to.isoformat()) for c in chunks] == [
        ("2019-02-10", "2019-03-31"), ("2019-04-01", "2019-06-30"), ("2019-07-01", "2019-09-30"),
        ("2019-10-01", "2019-12-31"), ("2020-01-01", "2020-01-05")]
    months = date_chunks(date(2020, 12, 1), date(2021, 2, 28), "month")
    assert [c.start_to for c in months] == [date(2020, 12, 31), date(2021, 1, 31), date(2021, 2, 28)]
    assert len(date_chunks(date(2016, 1, 1), date(2023, 12, 31), "year")) == 8
    with pytest.raises(ValueError):
        date_chunks(date(2020, 1, 2), date(2020, 1, 1), "month")


def meeting(day: str) -> SourceMeeting:
    return SourceMeeting(external_id=day, source="s", start=datetime.fromisoformat(day).replace(tzinfo=UTC))


def test_freshness_alarms_fire_on_empty_stale_and_textless_runs_only():
    now = datetime(2026, 11, 22, tzinfo=UTC)
    params = IngestParams(system_url="https://ris.example.de/oparl", stale_after_days=30)
    ok = IngestSummary(pages_by_method={"text_layer": 10}, pages_without_text=0)
    assert freshness_alarms([meeting("2026-11-01")], ok, params, usual_pages=(100, 5), now=now) == []
    [empty] = freshness_alarms([], ok, params, usual_pages=(100, 5), now=now)
    assert empty.event == EVENT_EMPTY
    [stale] = freshness_alarms([meeting("2026-09-01")], ok, params, usual_pages=(100, 5), now=now)
    assert stale.event == EVENT_STALE and stale.payload["age_days"] == 82
    blank = IngestSummary(pages_by_method={"ocr": 10}, pages_without_text=6)
    [textless] = freshness_alarms([meeting("2026-11-01")], blank, params, usual_pages=(100, 5), now=now)
    assert textless.event == EVENT_TEXT_MISSING and textless.payload["share"] == 0.6
    # A backfill chunk is old by design and may be empty: only the text share counts there.
    chunk = IngestParams(system_url="x", start_from=date(2016, 1, 1), start_to=date(2016, 3, 31), stale_after_days=30)
    assert freshness_alarms([], ok, chunk, usual_pages=(100, 5), now=now) == []


def test_run_names_say_what_ran():
    assert slug("Städteregion Aachen") == "staedteregion-aachen"
    assert source_slug("https://sitzungsdienst.rhein-sieg-kreis.de/oparl/system") == "sitzungsdienst-rhein-sieg-kreis-de"
    assert source_slug("https://x.de/oparl", "Rhein-Sieg-Kreis") == "rhein-sieg-kreis"
    assert run_name("sync", "rhein-sieg-kreis", None) == f"sync-rhein-sieg-kreis-{date.today().isoformat()}"
    assert run_name("sync", "rsk", date(2019, 1, 1), date(2019, 3, 31)) == "sync-rsk-2019-01-01-2019-03-31"


def test_meeting_days_are_berlin_days_and_versions_compare_as_numbers():
    late = datetime(2019, 7, 3, 22, 30)  # stored UTC, naive (SQLite): 00:30 on 4 July in Berlin
    assert in_day_range(late, date(2019, 7, 4), date(2019, 7, 4))
    assert not in_day_range(late, date(2019, 7, 3), date(2019, 7, 3))
    assert in_day_range(None, None, None) and not in_day_range(None, date(2019, 1, 1), None)
    assert is_older_version("1.9.0", "1.10") and not is_older_version("1.10.0", "1.9")
    assert is_older_version(None, "0.1")


def test_data_dir_takes_paths_file_urls_and_fsspec_urls(tmp_path):
    assert data_dir_path(tmp_path) == tmp_path
    assert data_dir_path(tmp_path.as_uri()) == tmp_path
    assert data_dir_path("s3://bucket/ratsflow/") == "s3://bucket/ratsflow"
    memory = settings_for(StoreParams(data_dir="memory://ratsflow", database_url="sqlite://"))
    assert open_blob_store(memory).root == "memory://ratsflow/blobs"
    with pytest.raises(ConfigurationError, match="database_url"):
        settings_for(StoreParams(data_dir="s3://bucket/ratsflow"))
    with pytest.raises(ConfigurationError, match=r"s3:// needs the s3fs package: pip install 'ratsflow\[s3\]'"):
        open_blob_store(settings_for(StoreParams(data_dir="s3://bucket/ratsflow", database_url="sqlite://")))
