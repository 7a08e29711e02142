import json

import pytest

from loopback import Reply
from schemas.settings import Settings
from tasks.discover import discover_meetings, parse_datetime
from tasks.errors import SourceInvalid
from tasks.http import HttpClient


def j(obj) -> Reply:
    return Reply(200, json.dumps(obj).encode(), {"Content-Type": "application/json"})


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
        found = list(discover_meetings(url, c))
    assert [m.name for m in found] == ["Sitzung 1", "Sitzung 2", "Sitzung 3", "Sitzung 4"]
    assert found[0].body == "Rhein-Sieg-Kreis"
    assert found[0].agenda[0].name == "Eröffnung"
    assert found[0].documents[0].role == "results_protocol"
    assert found[0].documents[0].url == "http://x/file/1.pdf"


def test_a_list_that_links_back_ends_with_a_warning(loopback, caplog):
    url = oparl_system(loopback, [[meeting(1)], [meeting(2)]], loop_back=True)
    with HttpClient(Settings(), retries=0) as c:
        found = list(discover_meetings(url, c))
    assert len(found) == 2
    assert "links back" in caplog.text


def test_control_characters_in_json_are_tolerated(loopback):
    base = loopback.base
    loopback.route("/system", j({"body": f"{base}/bodies"}))
    loopback.route("/bodies", j({"data": [{"id": "b", "meeting": f"{base}/meetings"}]}))
    raw = json.dumps({"data": [meeting(1)]}).replace("Sitzung 1", "Sitzung\t\x01eins").encode()
    loopback.route("/meetings", Reply(200, raw))
    with HttpClient(Settings(), retries=0) as c:
        [found] = list(discover_meetings(f"{base}/system", c))
    assert found.name.startswith("Sitzung")


def test_oparl_disabled_error_object_is_a_clear_error(loopback):
    loopback.route("/system", j({"error": 'Webservice "OParl" ist nicht aktiviert!'}))
    with HttpClient(Settings(), retries=0) as c, pytest.raises(SourceInvalid, match="nicht aktiviert"):
        list(discover_meetings(f"{loopback.base}/system", c))


def test_auxiliary_minutes_are_found_by_name_and_others_ignored(loopback):
    m = meeting(1, resultsProtocol=None, auxiliaryFile=[
        {"id": "f1", "accessUrl": "http://x/f1.pdf", "name": "Einladung"},
        {"id": "f2", "accessUrl": "http://x/f2.pdf", "name": "Niederschrift öffentlich"},
    ])
    url = oparl_system(loopback, [[m]])
    with HttpClient(Settings(), retries=0) as c:
        [found] = list(discover_meetings(url, c))
    assert [(d.external_id, d.role) for d in found.documents] == [("f2", "auxiliary_file")]


def test_deleted_stub_without_type_is_kept_as_deleted(loopback):
    url = oparl_system(loopback, [[{"id": "http://x/meeting/9", "deleted": True}]])
    with HttpClient(Settings(), retries=0) as c:
        [found] = list(discover_meetings(url, c))
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
