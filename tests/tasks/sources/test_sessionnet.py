from datetime import date, datetime

import pytest
from council_pages import page
from loopback import LoopbackServer, Reply

from schemas.errors import SourceInvalid
from schemas.settings import Settings
from tasks.http import HttpClient
from tasks.sources.html import BERLIN
from tasks.sources.sessionnet import discover_sessionnet, sessionnet_folder


def serve_sessionnet(server) -> str:
    base = server.route("/sessionnet/si0040.asp?__cjahr=2019&__cmonat=7", page("sessionnet_si0040_2019_07.html"))
    server.route("/sessionnet/si0040.asp?__cjahr=2019&__cmonat=8", page("sessionnet_si0040_2019_08.html"))
    # the header claims UTF-8 for a latin-1 page: the decoder must not believe it
    server.route("/sessionnet/si0057.asp?__ksinr=101", page("sessionnet_si0057_101.html", "text/html; charset=utf-8"))
    server.route("/sessionnet/to0040.asp?__ksinr=101", page("sessionnet_to0040_101.html"))
    server.route("/sessionnet/si0057.asp?__ksinr=102", page("sessionnet_si0057_102.html"))
    server.route("/sessionnet/si0057.asp?__ksinr=103", page("sessionnet_si0057_103.html"))
    server.route("/sessionnet/si0057.asp?__ksinr=104", page("sessionnet_si0057_104.html"))
    return base


@pytest.fixture(scope="module")
def run():
    """One discovery over July and August 2019, shared by the tests that only read its result."""
    with LoopbackServer() as server, HttpClient(Settings(), retries=0) as client:
        base = serve_sessionnet(server)
        found = list(discover_sessionnet(base, client, start_from=date(2019, 7, 1), start_to=date(2019, 8, 31)))
        yield server, found, {m.external_id.rsplit("=", 1)[1]: m for m in found}


def test_meetings_in_range_are_found_exactly_once(run):
    loopback, found, by_id = run
    assert sorted(by_id) == ["101", "102", "103", "104"]  # 100 is June, 999 lives on another host
    assert len(found) == 4  # 103 is on both month pages
    assert by_id["101"].external_id == f"{loopback.base}/sessionnet/si0057.asp?__ksinr=101"
    assert loopback.hits["/sessionnet/si0057.asp"] == 4
    assert all(m.source.endswith("/sessionnet/si0040.asp?__cjahr=2019&__cmonat=7") for m in found)


def test_calendar_and_meeting_page_give_committee_body_and_times(run):
    _, _, by_id = run
    social = by_id["101"]
    assert social.organization == "Ausschuss für Soziales, Gesundheit und Inklusion"  # windows-1252 page
    assert social.body == "Stadt Großbrück an der Würm"
    assert social.start == datetime(2019, 7, 4, 15, 0, tzinfo=BERLIN)
    assert social.end == datetime(2019, 7, 4, 17, 45, tzinfo=BERLIN)  # the meeting page beats the calendar
    assert by_id["102"].organization == "Ausschuss für Umwelt, Klima und Grünflächen"
    assert by_id["102"].start == datetime(2019, 7, 4, 17, 0, tzinfo=BERLIN)  # row without its own day cell
    assert by_id["102"].end is None  # 'Raum 1.04' is not an end time
    assert by_id["103"].start == datetime(2019, 7, 15, 18, 0, tzinfo=BERLIN)
    assert by_id["103"].end == datetime(2019, 7, 15, 21, 15, tzinfo=BERLIN)
    assert by_id["104"].start == datetime(2019, 8, 22, 16, 30, tzinfo=BERLIN)


def test_agenda_items_have_numbers_titles_and_publicity(run):
    loopback, _, by_id = run
    agenda = by_id["101"].agenda  # si0057 lists none, so it comes from to0040
    assert [(a.number, a.public) for a in agenda] == [
        ("Ö 1", True), ("Ö 2", True), ("Ö 3", True), ("Ö 3.1", True), ("N 1", False),
    ]  # fmt: skip
    assert agenda[2].name == "Förderung der Schulsozialarbeit an Grundschulen"
    assert agenda[3].name == "Änderungsantrag der Fraktion Bündnis 90/Die Grünen"
    assert agenda[0].external_id == f"{loopback.base}/sessionnet/to0050.asp?__ktonr=7001"
    assert agenda[3].external_id is None
    assert [a.order for a in agenda] == [1, 2, 3, 4, 5]
    council = [(a.number, a.name) for a in by_id["103"].agenda]
    assert council == [("1", "Einwohnerfragestunde"), ("2", "Haushaltssatzung 2020")]
    assert loopback.hits["/sessionnet/to0040.asp"] == 1  # only where the meeting page had no agenda


def test_minutes_links_are_absolute_and_only_minutes(run):
    loopback, _, by_id = run
    (social,) = by_id["101"].documents  # not the invitation, not last meeting's minutes on item Ö 2
    assert social.url == f"{loopback.base}/sessionnet/getfile.asp?id=5502&type=do"
    assert social.external_id == social.url
    assert social.role == "results_protocol"
    assert social.name == "Niederschrift öffentlich"  # latin-1 page behind a header claiming UTF-8
    (council,) = by_id["103"].documents
    assert council.role == "verbatim_protocol"
    (finance,) = by_id["104"].documents
    assert finance.mime_type == "application/pdf"


def test_meeting_without_minutes_yields_no_document(run):
    _, _, by_id = run
    assert by_id["102"].documents == []
    assert [a.name for a in by_id["102"].agenda] == ["Baumschutzsatzung – Änderung", "Mitteilungen der Verwaltung"]


def test_off_host_links_are_not_followed(loopback, client, caplog):
    base = serve_sessionnet(loopback)
    found = list(discover_sessionnet(base, client, start_from=date(2019, 7, 1), start_to=date(2019, 8, 31)))
    by_id = {m.external_id.rsplit("=", 1)[1]: m for m in found}
    assert "999" not in by_id
    assert all("example.org" not in d.url for m in found for d in m.documents)
    assert "sessionnet.example.org" in caplog.text and "files.example.org" in caplog.text
    assert "grossbrueck.example" not in caplog.text  # a footer link is no meeting: no warning for it
    assert all(path.startswith("/sessionnet/") for _method, path, _h in loopback.log)


def test_php_installation_uses_php_pages(loopback, client):
    calendar = page("sessionnet_si0040_2019_08.html")
    calendar.body = calendar.body.replace(b".asp", b".php")
    base = loopback.route("/buergerinfo/si0040.php?__cjahr=2019&__cmonat=8", calendar)
    loopback.route("/buergerinfo/si0057.php?__ksinr=104", page("sessionnet_si0057_104.html"))
    loopback.route("/buergerinfo/si0057.php?__ksinr=103", Reply(404, b"gone"))
    loopback.route("/buergerinfo/to0040.php?__ksinr=103", Reply(404, b"gone"))
    found = list(discover_sessionnet(base, client, start_from=date(2019, 8, 1), start_to=date(2019, 8, 31)))
    assert [m.external_id for m in found] == [f"{loopback.base}/buergerinfo/si0057.php?__ksinr=104"]
    assert found[0].agenda[0].name == "Jahresabschluss 2018"


def test_a_missing_meeting_page_keeps_the_calendar_facts(loopback, client, caplog):
    base = loopback.route("/sn/si0040.asp?__cjahr=2019&__cmonat=8", page("sessionnet_si0040_2019_08.html"))
    found = list(discover_sessionnet(base, client, start_from=date(2019, 8, 22), start_to=date(2019, 8, 22)))
    assert len(found) == 1
    assert found[0].organization == "Haupt- und Finanzausschuss"
    assert found[0].start == datetime(2019, 8, 22, 16, 30, tzinfo=BERLIN)
    assert found[0].agenda == [] and found[0].documents == []
    assert "404" in caplog.text


def test_a_calendar_that_is_not_there_says_so(loopback, client):
    with pytest.raises(SourceInvalid, match="SessionNet"):
        base = f"{loopback.base}/nothing/"
        list(discover_sessionnet(base, client, start_from=date(2019, 8, 1), start_to=date(2019, 8, 2)))


@pytest.mark.parametrize(
    ("url", "folder", "suffix"),
    [
        ("https://r.example.de/sessionnet/si0040.asp", "https://r.example.de/sessionnet/", ".asp"),
        ("https://r.example.de/buergerinfo/si0040.php?__cjahr=2019", "https://r.example.de/buergerinfo/", ".php"),
        ("https://r.example.de/sessionnet", "https://r.example.de/sessionnet/", ".asp"),
        ("https://r.example.de/bi/info.php", "https://r.example.de/bi/", ".php"),
    ],
)
def test_installation_folder_and_suffix(url, folder, suffix):
    assert sessionnet_folder(url) == (folder, suffix)


def test_an_empty_range_warns_that_nothing_was_found(loopback, client, caplog):
    base = loopback.route("/sessionnet/si0040.asp?__cjahr=2019&__cmonat=8", page("sessionnet_si0040_2019_08.html"))
    found = list(discover_sessionnet(base, client, start_from=date(2019, 8, 1), start_to=date(2019, 8, 14)))
    assert found == []
    assert "no SessionNet meetings found" in caplog.text
    assert loopback.hits["/sessionnet/si0057.asp"] == 0
