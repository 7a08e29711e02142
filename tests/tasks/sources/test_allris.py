from datetime import date, datetime

import pytest
from council_pages import page
from loopback import Reply

from tasks.sources.allris import allris_folder, discover_allris
from tasks.sources.html import BERLIN


def serve_classic(server) -> str:
    server.route("/bi/si010_e.asp?MM=7&YY=2019", page("allris_si010_e_2019_07.html"))
    server.route("/bi/to010.asp?SILFDNR=5001", page("allris_to010_5001.html"))
    server.route("/bi/to010.asp?SILFDNR=5002", page("allris_to010_5002.html"))
    return f"{server.base}/bi/"


def test_classic_calendar_yields_each_meeting_once(loopback, client, caplog):
    base = serve_classic(loopback)
    found = list(discover_allris(base, client, start_from=date(2019, 7, 1), start_to=date(2019, 7, 31)))
    assert [m.external_id for m in found] == [
        f"{loopback.base}/bi/to010.asp?SILFDNR=5001",
        f"{loopback.base}/bi/to010.asp?SILFDNR=5002",  # listed twice in the calendar
    ]
    assert "zweckverband.example.net" in caplog.text  # the off-host meeting is not followed
    assert loopback.hits["/bi/to010.asp"] == 2
    school = found[0]
    assert school.organization == "Ausschuss für Schule, Kultur und Sport"  # 'TO' link text is not a committee
    assert school.body == "Landkreis Südheide"
    assert school.start == datetime(2019, 7, 4, 16, 0, tzinfo=BERLIN)
    assert school.end == datetime(2019, 7, 4, 18, 10, tzinfo=BERLIN)


def test_classic_agenda_and_form_posted_minutes(loopback, client):
    base = serve_classic(loopback)
    school, county = discover_allris(base, client, start_from=date(2019, 7, 1), start_to=date(2019, 7, 31))
    assert [(a.number, a.name, a.public) for a in school.agenda] == [
        ("Ö 1", "Eröffnung und Begrüßung", True),
        ("Ö 2", "Schulentwicklungsplanung für die Oberschulen", True),
        ("Ö 3", "Zuschüsse für Sportvereine", True),  # the paper number cell is not the title
        ("N 1", "Vergabe Schülerbeförderung", False),
    ]
    assert school.agenda[1].external_id == f"{loopback.base}/bi/to020.asp?TOLFDNR=9002"
    (minutes,) = school.documents  # the invitation form is not minutes
    assert minutes.url == f"{loopback.base}/bi/do027.asp?DOLFDNR=77001"
    assert minutes.name == "Niederschrift öffentlich"
    assert county.documents == []
    assert [(a.number, a.public) for a in county.agenda] == [("N 1", False)]


def test_allris4_plain_numbers_take_the_sections_publicity(loopback, client):
    base = loopback.route("/public/si010?MM=7&YY=2019", page("allris4_si010_2019_07.html"))
    loopback.route("/public/to010?SILFDNR=6001", page("allris4_to010_6001.html"))
    loopback.route("/public/to010?SILFDNR=6002", Reply(404, b"not found"))
    council, building = discover_allris(base, client, start_from=date(2019, 7, 1), start_to=date(2019, 7, 31))
    assert council.external_id == f"{loopback.base}/public/to010?SILFDNR=6001"
    assert council.body == "Gemeinde Öhringsdorf"
    assert council.organization == "Gemeinderat"
    assert council.start == datetime(2019, 7, 9, 19, 0, tzinfo=BERLIN)
    assert council.end == datetime(2019, 7, 9, 21, 30, tzinfo=BERLIN)
    assert [(a.number, a.public) for a in council.agenda] == [("1", True), ("2", True), ("3", False)]
    assert council.agenda[1].name == "Bebauungsplan „Am Mühlbach“"
    assert [d.url for d in council.documents] == [f"{loopback.base}/public/doc?DOLFDNR=88001&options=64"]
    # a meeting page that is gone still leaves the calendar's facts
    assert building.organization == "Bauausschuss"
    assert building.start == datetime(2019, 7, 23, 19, 0, tzinfo=BERLIN)
    assert building.agenda == [] and building.documents == []


def test_range_inside_a_month_leaves_out_the_other_days(loopback, client):
    base = serve_classic(loopback)
    found = list(discover_allris(base, client, start_from=date(2019, 7, 5), start_to=date(2019, 7, 31)))
    assert [m.organization for m in found] == ["Kreisausschuss"]
    assert loopback.hits["/bi/to010.asp"] == 1


@pytest.mark.parametrize(
    ("url", "folder", "modern"),
    [
        ("https://ris.example.de/bi/", "https://ris.example.de/bi/", False),
        ("https://ris.example.de/bi/si010_e.asp?MM=7&YY=2019", "https://ris.example.de/bi/", False),
        ("https://ris.example.de/bi/allris.net.asp", "https://ris.example.de/bi/", False),
        ("https://ris.example.de/public/si010", "https://ris.example.de/public/", True),
        ("https://ris.example.de/public", "https://ris.example.de/public/", True),
    ],
)
def test_installation_folder_and_generation(url, folder, modern):
    assert allris_folder(url) == (folder, modern)
