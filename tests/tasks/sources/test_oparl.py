import json
from datetime import UTC, datetime, timedelta

import pytest
from loopback import Reply

from schemas.errors import SourceInvalid
from schemas.pipeline import SourceMeeting
from schemas.settings import Settings
from schemas.tables import SourceWatermark
from storage.engine import create_db_engine, upgrade_database
from storage.watermarks import get_watermark
from tasks.http import HttpClient
from tasks.sources.oparl import discover_oparl, format_since, parse_datetime
from tasks.sources.watermarks import detect_placeholder_timestamps, save_watermarks, since_for, stored_since


def j(obj, status: int = 200) -> Reply:
    return Reply(status, json.dumps(obj).encode(), {"Content-Type": "application/json"})


def oparl_system(server, meetings_pages: list[list[dict]], loop_back: bool = False):
    """A minimal OParl system whose meeting list has the given pages."""
    base = server.base
    server.route("/system", j({"id": f"{base}/system", "type": "https://schema.oparl.org/1.1/System", "body": f"{base}/bodies"}))
    server.route("/bodies", j({"data": [{"id": f"{base}/body/1", "name": "Rhein-Sieg-Kreis", "meeting": f"{base}/meetings", "organization": f"{base}/orgs"}], "links": {}}))
    server.route("/orgs", j({"data": [{"id": f"{base}/org/1", "name": "Sozialausschuss"}], "links": {}}))
    for i, page in enumerate(meetings_pages):
        path = "/meetings" if i == 0 else f"/meetings?page={i + 1}"
        nxt = f"{base}/meetings?page={i + 2}" if i + 1 < len(meetings_pages) else (f"{base}/meetings" if loop_back else None)
        server.route(path, j({"data": page, "links": {"next": nxt} if nxt else {}}))
    return f"{base}/system"


def meeting(n: int, **extra) -> dict:
    return {
        "id": f"http://x/meeting/{n}",
        "type": "https://schema.oparl.org/1.1/Meeting",
        "name": f"Sitzung {n}",
        "start": "2019-07-04T15:00:00+02:00",
        "organization": ["http://unused/org/1"],
        "agendaItem": [{"id": f"http://x/ai/{n}/1", "number": "1", "name": "Eröffnung", "public": True, "order": 1}],
        "resultsProtocol": {"id": f"http://x/file/{n}", "accessUrl": f"http://x/file/{n}.pdf", "name": "Niederschrift"},
        **extra,
    }


def test_paging_yields_every_meeting_once(loopback):
    url = oparl_system(loopback, [[meeting(1), meeting(2)], [meeting(3)], [meeting(4)]])
    with HttpClient(Settings(), retries=0) as c:
        found = discover_oparl(url, c).meetings
    assert [m.name for m in found] == ["Sitzung 1", "Sitzung 2", "Sitzung 3", "Sitzung 4"]
    assert found[0].body == "Rhein-Sieg-Kreis"
    assert found[0].agenda[0].name == "Eröffnung"
    assert found[0].documents[0].role == "results_protocol"
    assert found[0].documents[0].url == "http://x/file/1.pdf"


def test_a_list_that_links_back_ends_with_a_warning(loopback, caplog):
    url = oparl_system(loopback, [[meeting(1)], [meeting(2)]], loop_back=True)
    with HttpClient(Settings(), retries=0) as c:
        found = discover_oparl(url, c).meetings
    assert len(found) == 2
    assert "links back" in caplog.text


def test_control_characters_in_json_are_tolerated(loopback):
    base = loopback.base
    loopback.route("/system", j({"body": f"{base}/bodies"}))
    loopback.route("/bodies", j({"data": [{"id": "b", "meeting": f"{base}/meetings"}]}))
    raw = json.dumps({"data": [meeting(1)]}).replace("Sitzung 1", "Sitzung\t\x01eins").encode()
    loopback.route("/meetings", Reply(200, raw))
    with HttpClient(Settings(), retries=0) as c:
        [found] = discover_oparl(f"{base}/system", c).meetings
    assert found.name.startswith("Sitzung")


def test_oparl_disabled_error_object_is_a_clear_error(loopback):
    loopback.route("/system", j({"error": 'Webservice "OParl" ist nicht aktiviert!'}))
    with HttpClient(Settings(), retries=0) as c, pytest.raises(SourceInvalid, match="nicht aktiviert"):
        discover_oparl(f"{loopback.base}/system", c)


def test_auxiliary_minutes_are_found_by_name_and_others_ignored(loopback):
    m = meeting(1, resultsProtocol=None, auxiliaryFile=[
        {"id": "f1", "accessUrl": "http://x/f1.pdf", "name": "Einladung"},
        {"id": "f2", "accessUrl": "http://x/f2.pdf", "name": "Niederschrift öffentlich"},
    ])
    url = oparl_system(loopback, [[m]])
    with HttpClient(Settings(), retries=0) as c:
        [found] = discover_oparl(url, c).meetings
    assert [(d.external_id, d.role) for d in found.documents] == [("f2", "auxiliary_file")]


def test_deleted_stub_without_type_is_kept_as_deleted(loopback):
    url = oparl_system(loopback, [[{"id": "http://x/meeting/9", "deleted": True}]])
    with HttpClient(Settings(), retries=0) as c:
        [found] = discover_oparl(url, c).meetings
    assert found.deleted and found.documents == []


@pytest.mark.parametrize("raw, expected", [
    ("2019-07-04T15:00:00+02:00", "2019-07-04T15:00:00+02:00"),
    ("2019-07-04T15:00:00+01::00", "2019-07-04T15:00:00+01:00"),
    ("2019-07-04T15:00:00Z", "2019-07-04T15:00:00+00:00"),
    ("N/A", None),
    ("", None),
    (None, None),
])
def test_dates_as_servers_really_send_them(raw, expected):
    parsed = parse_datetime(raw)
    assert (parsed.isoformat() if parsed else None) == expected


# ── Incremental sync: watermarks over a real (SQLite) database ────────────────────────────────



@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'ratsflow.db'}"
    upgrade_database(url)
    engine = create_db_engine(url)
    yield engine
    engine.dispose()


def dated(base: str, n: int, modified: str) -> dict:
    return {"id": f"{base}/meeting/{n}", "type": "https://schema.oparl.org/1.1/Meeting", "name": f"Sitzung {n}",
            "modified": modified, "resultsProtocol": {"id": f"{base}/file/{n}", "accessUrl": f"{base}/file/{n}.pdf"}}


def council(server, meetings: list[dict]) -> str:
    base = server.base
    server.route("/system", j({"id": f"{base}/system", "body": f"{base}/bodies"}))
    server.route("/bodies", j({"data": [{"id": f"{base}/body/1", "meeting": f"{base}/meetings"}]}))
    server.route("/meetings", j({"data": meetings, "links": {}}))
    return f"{base}/system"


def incremental_run(engine, source: str):
    """What the sync flow does: ask with the stored watermarks, record, then advance them."""
    with HttpClient(Settings(http_min_interval=0.0), retries=0) as c:
        found = discover_oparl(source, c, since=stored_since(engine, source))
    save_watermarks(engine, source, found)
    return found


def test_a_second_run_asks_only_for_what_changed_since_the_watermark(loopback, db):
    base = loopback.base
    source = council(loopback, [dated(base, n, f"2024-06-0{n + 1}T20:00:00+02:00") for n in (1, 2, 3)])
    first = incremental_run(db, source)
    assert len(first.meetings) == 3
    assert get_watermark(db, source, f"{base}/meetings").watermark == datetime(2024, 6, 4, 18, tzinfo=UTC)

    # watermark minus one day of overlap: meeting 3 comes again, meeting 4 is new
    loopback.route("/meetings?modified_since=2024-06-03T18:00:00Z", j({"data": [
        dated(base, 3, "2024-06-04T20:00:00+02:00"), dated(base, 4, "2024-06-05T09:00:00+02:00"),
    ]}))
    second = incremental_run(db, source)
    assert [m.name for m in second.meetings] == ["Sitzung 3", "Sitzung 4"]
    assert not second.filter_ignored and not second.placeholder
    assert get_watermark(db, source, f"{base}/meetings").watermark == datetime(2024, 6, 5, 7, tzinfo=UTC)

    # nothing changed since: the server says 404, the watermark stays
    loopback.route("/meetings?modified_since=2024-06-04T07:00:00Z", j({"error": "Keine Daten"}, 404))
    third = incremental_run(db, source)
    assert third.meetings == [] and third.warnings == []
    assert get_watermark(db, source, f"{base}/meetings").watermark == datetime(2024, 6, 5, 7, tzinfo=UTC)


def test_a_server_that_ignores_the_filter_still_yields_everything(loopback, db):
    base = loopback.base
    source = council(loopback, [dated(base, n, f"2024-06-0{n + 1}T20:00:00+02:00") for n in (1, 2, 3)])
    incremental_run(db, source)
    second = incremental_run(db, source)  # /meetings?modified_since=… answers the full list
    assert [m.name for m in second.meetings] == ["Sitzung 1", "Sitzung 2", "Sitzung 3"]
    assert second.filter_ignored
    assert any("modified_since" in entry[1] for entry in loopback.log)


def test_placeholder_timestamps_make_every_run_a_full_listing(loopback, db):
    base = loopback.base
    source = council(loopback, [dated(base, n, "2000-01-01T00:00:00+01:00") for n in (1, 2, 3)])
    first = incremental_run(db, source)
    assert first.placeholder
    assert get_watermark(db, source, f"{base}/meetings").placeholder_detected is True
    second = incremental_run(db, source)
    assert [m.name for m in second.meetings] == ["Sitzung 1", "Sitzung 2", "Sitzung 3"]
    assert second.placeholder
    assert not any("modified_since" in entry[1] for entry in loopback.log)


def stamped(*stamps: str | None) -> list[SourceMeeting]:
    return [
        SourceMeeting(external_id=f"m{i}", source="s", modified=datetime.fromisoformat(s) if s else None)
        for i, s in enumerate(stamps)
    ]


@pytest.mark.parametrize("stamps, expected", [
    (["2000-01-01T00:00:00+01:00"] * 3, True),
    (["2024-05-01T10:00:00+02:00", "1970-01-01T00:00:00+00:00"], True),
    (["2019-03-01T12:00:00+01:00"] * 8 + ["2024-05-01T10:00:00+02:00"], True),
    (["2024-05-01T10:00:00+02:00"] * 3, False),  # a few objects edited in one batch
    ([f"2024-05-0{d}T10:00:00+02:00" for d in range(1, 8)], False),
    ([None, None], False),
])
def test_placeholder_detection(stamps, expected):
    assert detect_placeholder_timestamps(stamped(*stamps)) is expected


def test_since_is_the_watermark_minus_the_overlap_or_none():
    mark = datetime(2024, 6, 5, 7, tzinfo=UTC)
    assert since_for(None) is None
    assert since_for(SourceWatermark(source="s", list_url="l", watermark=None)) is None
    assert since_for(SourceWatermark(source="s", list_url="l", watermark=mark)) == mark - timedelta(days=1)
    assert since_for(SourceWatermark(source="s", list_url="l", watermark=mark), timedelta(hours=2)) == mark - timedelta(hours=2)
    assert since_for(SourceWatermark(source="s", list_url="l", watermark=mark, placeholder_detected=True)) is None


def test_modified_since_is_sent_in_utc_whole_seconds():
    local = datetime.fromisoformat("2024-06-05T09:00:00.123456+02:00")
    assert format_since(local) == "2024-06-05T07:00:00Z"


def test_minutes_published_on_an_agenda_item_are_found_but_not_the_previous_meetings_up_for_approval(loopback):
    m = meeting(1, resultsProtocol=None, agendaItem=[
        {"id": "ai1", "number": "1", "name": "Genehmigung der Niederschrift der 11. Sitzung",
         "auxiliaryFile": [{"id": "old", "accessUrl": "http://x/old.pdf", "name": "Niederschrift 11. Sitzung"}]},
        {"id": "ai2", "number": "2", "name": "Integrationskonzept",
         "resolutionFile": {"id": "res", "accessUrl": "http://x/res.pdf", "name": "Beschlussvorlage"},
         "auxiliaryFile": [{"id": "own", "accessUrl": "http://x/own.pdf", "name": "Protokollauszug TOP 2"}]},
    ])
    url = oparl_system(loopback, [[m]])
    with HttpClient(Settings(), retries=0) as c:
        [found] = discover_oparl(url, c).meetings
    assert [(d.external_id, d.role) for d in found.documents] == [("own", "agenda_item_file")]


def test_a_meeting_whose_files_were_all_read_says_so_and_one_with_a_missing_part_does_not(loopback):
    complete = meeting(1)
    partial = meeting(2, auxiliaryFile=f"{loopback.base}/file-list-down")
    loopback.route("/file-list-down", Reply(503))
    url = oparl_system(loopback, [[complete, partial]])
    with HttpClient(Settings(http_min_interval=0.0), retries=0) as c:
        found = {m.name: m for m in discover_oparl(url, c).meetings}
    assert found["Sitzung 1"].documents_complete
    assert not found["Sitzung 2"].documents_complete  # its files cannot be known to be gone


def test_committee_urls_become_names_fetched_once_per_run_and_the_url_is_kept(loopback):
    base = loopback.base
    loopback.route("/org/2", j({"id": f"{base}/org/2", "type": "https://schema.oparl.org/1.1/Organization", "name": "Bauausschuss"}))
    meetings = [
        meeting(1, organization=[f"{base}/org/1"]),  # named by the body's organization list
        meeting(2, organization=[f"{base}/org/2"]),  # not in the list: asked for itself
        meeting(3, organization=f"{base}/org/2"),  # a plain string, and asked for no second time
        meeting(4, organization=[f"{base}/org/404"]),  # cannot be read: no name, never the URL as one
    ]
    url = oparl_system(loopback, [meetings])
    with HttpClient(Settings(), retries=0) as c:
        found = discover_oparl(url, c)
    assert [(m.organization, m.organization_url) for m in found.meetings] == [
        ("Sozialausschuss", f"{base}/org/1"),
        ("Bauausschuss", f"{base}/org/2"),
        ("Bauausschuss", f"{base}/org/2"),
        (None, f"{base}/org/404"),
    ]
    assert loopback.hits["/org/2"] == 1 and loopback.hits["/org/1"] == 0
    assert any("org/404" in w for w in found.warnings)


def test_the_body_name_comes_from_the_body_object_never_its_url(loopback):
    url = oparl_system(loopback, [[meeting(1)]])
    with HttpClient(Settings(), retries=0) as c:
        (found,) = discover_oparl(url, c).meetings
    assert found.body == "Rhein-Sieg-Kreis"


def test_a_system_whose_every_meeting_list_is_gone_fails_instead_of_finding_nothing(loopback):
    url = oparl_system(loopback, [[]])
    loopback.route("/meetings", j({"error": "not found"}, status=404))
    with HttpClient(Settings(), retries=0) as c, pytest.raises(SourceInvalid, match="no meeting list of .* could be read"):
        discover_oparl(url, c)


def test_an_empty_meeting_list_that_was_read_is_no_error(loopback):
    url = oparl_system(loopback, [[]])
    with HttpClient(Settings(), retries=0) as c:
        assert discover_oparl(url, c).meetings == []
