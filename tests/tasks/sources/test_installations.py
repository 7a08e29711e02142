"""Each vendor quirk of issue 14 on a simulated installation served over loopback HTTP.

The installations (fixtures/installations/*) are pages we wrote to reproduce what real
SessionNet and ALLRIS installations serve; `installations.py` serves them and scores discovery.
"""

import logging
from datetime import date, datetime

import pytest
from installations import Score, installation_names, measure_installation, serve_installation
from selectolax.lexbor import LexborHTMLParser

from schemas.errors import SourceInvalid
from tasks.sources import discover
from tasks.sources.file_names import minutes_role
from tasks.sources.html import BERLIN, page_title_body
from tasks.sources.vendors import page_folder, probe_installation

JULY = {"start_from": date(2026, 7, 1), "start_to": date(2026, 7, 31)}


def meetings_of(loopback, client, name, kind=None, root=None):
    url = serve_installation(loopback, name)
    return discover(loopback.base + root if root else url, kind, client, **JULY).meetings


def by_id(meetings, key):
    (meeting,) = [m for m in meetings if key in m.external_id]
    return meeting


def minutes_urls(meeting):
    return sorted(d.url.rsplit("/", 1)[-1] for d in meeting.documents if d.role != "auxiliary_file")


# ── SessionNet ───────────────────────────────────────────────────────────────────────────────


def test_layout6_calendar_time_in_the_name_cell_and_committee_from_the_link_title(loopback, client):
    meetings = meetings_of(loopback, client, "sn55_asp")
    council = by_id(meetings, "__ksinr=4102")
    assert council.organization == "Rat der Stadt Lindenau"  # link text is "5. Sitzung"
    assert council.start == datetime(2026, 7, 9, 18, 0, tzinfo=BERLIN)
    assert council.end == datetime(2026, 7, 9, 20, 15, tzinfo=BERLIN)
    committee = by_id(meetings, "__ksinr=4101")
    assert committee.organization == "Ausschuss für Stadtentwicklung und Verkehr"
    assert committee.name == "12. Sitzung des Ausschusses für Stadtentwicklung und Verkehr"


def test_layout6_details_are_div_pairs_without_colons(loopback, client):
    committee = by_id(meetings_of(loopback, client, "sn55_asp"), "__ksinr=4101")
    assert committee.end == datetime(2026, 7, 2, 19, 45, tzinfo=BERLIN)  # only the meeting page says 19:45


def test_layout6_not_public_meeting_listed_without_link_is_recorded(loopback, client):
    meetings = meetings_of(loopback, client, "sn55_asp")
    (closed,) = [m for m in meetings if not m.public]
    assert closed.organization == "Haupt- und Finanzausschuss"
    assert closed.start == datetime(2026, 7, 14, 16, 0, tzinfo=BERLIN)
    assert closed.documents == [] and closed.agenda == []
    assert loopback.hits["/buergerinfo/si0057.asp"] == 3  # the linkless meeting costs no request


def test_agenda_titles_leave_out_the_beschluss_and_abstimmung_boxes(loopback, client):
    committee = by_id(meetings_of(loopback, client, "sn55_asp"), "__ksinr=4101")
    titles = {a.number: a.name for a in committee.agenda}
    assert titles["Ö 2"] == "Radverkehrskonzept 2030"
    assert titles["Ö 3"] == "Ausbau der Lindenstraße zwischen Marktplatz und Bahnhof, Vorstellung der Entwurfsplanung"


def test_attachments_named_after_the_minutes_are_not_minutes(loopback, client):
    meetings = meetings_of(loopback, client, "sn55_asp")
    assert minutes_urls(by_id(meetings, "__ksinr=4101")) == ["getfile.asp?id=91001&type=do"]
    council = by_id(meetings, "__ksinr=4102")
    assert [(d.url.rsplit("=", 2)[1].split("&")[0], d.role) for d in council.documents] == [
        ("92001", "results_protocol"),
        ("92003", "verbatim_protocol"),  # named only by its icon link's title
    ]


def test_sessionnet_php_under_bi_is_told_from_its_pages(loopback, client):
    meetings = meetings_of(loopback, client, "sn55_php_bi")  # no --kind: /bi/ alone would say ALLRIS
    assert [m.organization for m in meetings] == ["Gemeinderat", "Bau-, Umwelt- und Planungsausschuss"]
    assert meetings[0].external_id == f"{loopback.base}/bi/si0057.php?__ksinr=611"
    assert minutes_urls(meetings[0]) == ["getfile.php?id=6101&type=do"]  # "Anlage zum Protokoll" is not


def test_layout4_agenda_rows_with_nested_document_boxes_and_number_notes(loopback, client):
    school = by_id(meetings_of(loopback, client, "sn53_layout4"), "__ksinr=2201")
    assert [a.number for a in school.agenda] == ["Ö 1", "Ö 2", "Ö 3", "Ö 3.1", "Ö 4", "N 1"]
    assert school.agenda[3].name == "Ausstattung der Grundschule Talweg mit Tablets"
    # the minutes up for approval sit in the agenda row's document box: the previous meeting's
    assert minutes_urls(school) == ["getfile.asp?id=5601&type=do"]


def test_sessionnet49_redirect_to_an_error_page_keeps_the_calendar_facts(loopback, client, caplog):
    meetings = meetings_of(loopback, client, "sn49")
    building = by_id(meetings, "__ksinr=902")
    assert building.organization == "Bauausschuss"
    assert building.start == datetime(2026, 7, 15, 18, 0, tzinfo=BERLIN)  # not the error page's "Datum: 03.12.2026"
    assert building.agenda == [] and building.documents == []
    assert "error page" in caplog.text


# ── ALLRIS ───────────────────────────────────────────────────────────────────────────────────


def test_allris_calendar_program_from_the_menu(loopback, client):
    meetings = meetings_of(loopback, client, "allris39_bi")
    assert loopback.hits["/bi/si010_j.asp"] == 1 and loopback.hits["/bi/si010_e.asp"] == 0
    assert [m.organization for m in meetings if m.public] == [
        "Kreisausschuss", "Kreistag", "Ausschuss für Umwelt und Kreisentwicklung",
    ]  # fmt: skip
    assert by_id(meetings, "SILFDNR=3101").start == datetime(2026, 7, 2, 16, 0, tzinfo=BERLIN)


def test_allris_refused_calendar_programs_are_skipped(loopback, client):
    meetings = meetings_of(loopback, client, "allris39_bi", kind="allris", root="/bi/si010_e.asp")
    assert loopback.hits["/bi/si010_j.asp"] >= 1
    assert len([m for m in meetings if m.public]) == 3


def test_allris_not_public_row_without_link(loopback, client):
    (closed,) = [m for m in meetings_of(loopback, client, "allris39_bi") if not m.public]
    assert (closed.organization, closed.start) == ("Jugendhilfeausschuss", datetime(2026, 7, 27, 16, 30, tzinfo=BERLIN))


def test_allris_form_files_named_by_their_buttons(loopback, client):
    meetings = meetings_of(loopback, client, "allris39_bi")
    assert minutes_urls(by_id(meetings, "SILFDNR=3101")) == ["do027.asp?DOLFDNR=71002"]  # "NIE öffentl."
    county = by_id(meetings, "SILFDNR=3102")
    assert [(d.name, d.mime_type) for d in county.documents if d.role != "auxiliary_file"] == [
        ("Protokoll 2", None),
        ("Niederschrift", "text/html"),
    ]


def test_allris_protokoll_button_to_html_minutes_page(loopback, client):
    county = by_id(meetings_of(loopback, client, "allris39_bi"), "SILFDNR=3102")
    (html_minutes,) = [d for d in county.documents if d.mime_type == "text/html"]
    assert html_minutes.url == f"{loopback.base}/bi/si016.asp?SILFDNR=3102"


def test_allris_r_pages_follow_the_calendar_link_and_read_div_rows(loopback, client):
    council, main = meetings_of(loopback, client, "allris_r")
    assert council.external_id == f"{loopback.base}/bi2/to010_r.asp?SILFDNR=771"
    assert (council.organization, council.end) == ("Stadtrat", datetime(2026, 7, 3, 21, 30, tzinfo=BERLIN))
    assert minutes_urls(council) == ["do027.asp?DOLFDNR=88101&options=64"]  # named only by its tooltip
    assert main.organization == "Hauptausschuss"
    assert loopback.hits["/bi2/to010.asp"] == 0  # never rebuilt as the classic page


def test_allris_in_a_city_portal_links_followed_as_given(loopback, client):
    council, building = meetings_of(loopback, client, "allris_portal")
    assert loopback.hits["/allris/to010.asp"] == 2  # with the calendar's "&options=4"
    assert council.organization == "Rat der Stadt Marrenburg"
    assert minutes_urls(council) == ["do027.asp?DOLFDNR=72000"]  # nine attachments beside it
    assert minutes_urls(building) == ["do027.asp?DOLFDNR=72101"]


def test_allris4_under_allris_folder(loopback, client):
    council, finance = meetings_of(loopback, client, "allris4_allris")
    assert council.external_id == f"{loopback.base}/allris/to010?SILFDNR=1000201"
    assert council.start == datetime(2026, 7, 6, 16, 0, tzinfo=BERLIN)
    assert minutes_urls(council) == ["doc?DOLFDNR=1007001"]
    assert finance.organization == "Finanzausschuss"


def test_allris4_wicket_calendar_needing_a_session_is_one_clear_error(loopback, client):
    with pytest.raises(SourceInvalid, match="browser session"):
        meetings_of(loopback, client, "allris4_wicket")


def test_allris_refusing_every_month_calendar_reads_each_councils_calendar_once(loopback, client):
    meetings = meetings_of(loopback, client, "allris_councils")
    assert sorted(m.external_id.rsplit("=", 1)[-1] for m in meetings) == ["3201", "3202", "3203", "3204"]
    assert loopback.hits["/bi/pa000.asp"] == 1
    calendars = [path for _, path, _ in loopback.log if "si010_a.asp" in path]
    assert calendars == ["/bi/si010_a.asp?MM=7&YY=2026&PALFDNR=1", "/bi/si010_a.asp?MM=7&YY=2026&PALFDNR=7"]
    assert loopback.hits["/bi/to010.asp"] == 4  # the joint meeting, on both councils' calendars, read once
    assert by_id(meetings, "SILFDNR=3204").organization == "Ortsgemeinderat Brunnbach"


def test_allris_council_calendar_linked_beside_the_month_calendar_adds_its_meetings_once(loopback, client):
    """The entry page links the month calendar and a council's own (`si010_a.asp?PALFDNR=7`)."""
    from loopback import Reply

    serve_installation(loopback, "allris_councils")
    menu = ('<html><head><meta name="description" content="ALLRIS net Version 3.9.4"></head><body>'
            '<a href="si010_e.asp">Sitzungskalender</a> <a href="si010_a.asp?PALFDNR=7">Kalender Ortsgemeinderat</a>'
            '</body></html>')  # fmt: skip
    month = ('<html><body><table class="tl1"><tr><td>Mi</td><td>8</td><td>18:30</td>'
             '<td><a href="to010.asp?SILFDNR=3201">Verbandsgemeinderat Talheim</a></td></tr>'
             '<tr><td>Do</td><td>23</td><td>19:00</td><td><a href="to010.asp?SILFDNR=3203">Gemeinsame Sitzung</a></td></tr>'
             '</table></body></html>')  # fmt: skip
    loopback.route("/bi/", Reply(200, menu.encode(), {"Content-Type": "text/html"}))
    loopback.route("/bi/si010_e.asp", Reply(200, month.encode(), {"Content-Type": "text/html"}))
    meetings = discover(f"{loopback.base}/bi/", None, client, **JULY).meetings
    assert sorted(m.external_id.rsplit("=", 1)[-1] for m in meetings) == ["3201", "3203", "3204"]
    assert loopback.hits["/bi/si010_e.asp"] == 1 and loopback.hits["/bi/pa000.asp"] == 0
    assert loopback.hits["/bi/to010.asp"] == 3


# ── SessionNet per-committee lists ───────────────────────────────────────────────────────────


def test_sessionnet_committee_lists_on_the_start_page_are_read_without_duplicates(loopback, client):
    meetings = meetings_of(loopback, client, "sn_committees")
    assert sorted(m.external_id.rsplit("=", 1)[-1] for m in meetings) == ["5101", "5102", "5104", "5105"]
    assert loopback.hits["/bi/si0057.asp"] == 4  # 5102 is on the month calendar and on its committee's list
    assert all("5099" not in path for _, path, _ in loopback.log)  # June: outside the range, never asked for
    asked = [path for _, path, _ in loopback.log if "si0046" in path]
    assert asked == ["/bi/si0046.asp?__kgsgrnr=12&__cselect=65536&__cjahr=2026&__cmonat=7&__canz=1"]
    late = by_id(meetings, "__ksinr=5104")  # only on the committee's list
    assert (late.organization, late.start) == ("Jugendhilfeausschuss", datetime(2026, 7, 30, 16, 0, tzinfo=BERLIN))


def test_a_committee_list_that_is_gone_costs_its_meetings_not_the_run(loopback, client, caplog):
    from loopback import Reply

    serve_installation(loopback, "sn_committees")
    loopback.route("/bi/si0041.asp?__ctopic=gr&__kgrnr=11", Reply(404, b"", {}))
    meetings = discover(f"{loopback.base}/bi/info.asp", None, client, **JULY).meetings
    assert sorted(m.external_id.rsplit("=", 1)[-1] for m in meetings) == ["5101", "5102", "5105"]
    assert "skipping a committee's calendar" in caplog.text


# ── both ─────────────────────────────────────────────────────────────────────────────────────


def test_layout6_body_is_never_a_generic_part_of_the_title(loopback, client):
    meetings = meetings_of(loopback, client, "sn55_asp")
    assert {m.body for m in meetings} == {None}  # its titles name no council: "Kalender 2026 Juli", "5. Sitzung"
    assert page_title_body(LexborHTMLParser("<title>SessionNet | Kalender 2026 Juli</title>")) is None
    assert page_title_body(LexborHTMLParser("<title>17:30 Uhr</title>")) is None
    assert page_title_body(LexborHTMLParser("<title>Bürgerinfo | Gemeinde Hohenwarft</title>")) == "Gemeinde Hohenwarft"


SAYS_NOTHING = b"<html><head><title>Ratsinformation</title></head><body><p>Willkommen</p></body></html>"


@pytest.mark.parametrize(
    ("path", "page", "vendor"),
    [
        ("/allris/", b'<html><head><meta name="generator" content="Somacos SessionNet 5.5"></head><body></body></html>',
         "sessionnet"),
        ("/sessionnet/", b'<html><body><div id="allriscontent">x</div><p>&copy; CC e-gov ALLRIS</p></body></html>',
         "allris"),
        ("/bi/", b'<html><body><div class="smc-table-row">x</div></body></html>', "sessionnet"),
        ("/bi/", b'<html><head><meta name="description" content="ALLRIS net Version 3.9.4"></head></html>', "allris"),
        ("/bi/", b'<html><body><p>Bereitgestellt von Somacos</p></body></html>', "sessionnet"),
    ],
)
def test_the_vendor_is_told_by_what_the_page_says_not_by_its_path(loopback, client, path, page, vendor):
    from loopback import Reply

    loopback.route(path, Reply(200, page, {"Content-Type": "text/html"}))
    assert probe_installation(loopback.base + path, client).vendor == vendor


def test_a_root_that_says_nothing_is_told_by_the_entry_pages_next_to_it(loopback, client):
    from loopback import Reply

    loopback.route("/ris/", Reply(200, SAYS_NOTHING, {"Content-Type": "text/html"}))
    loopback.route("/ris/info.php", Reply(200, b'<html><body class="smc-body"><a href="si0040.php">Kalender</a></body></html>',
                                          {"Content-Type": "text/html"}))  # fmt: skip
    site = probe_installation(f"{loopback.base}/ris/", client)
    assert (site.vendor, site.suffix, site.folder) == ("sessionnet", ".php", f"{loopback.base}/ris/")
    assert loopback.hits["/ris/si0040.asp"] == 1  # tried first, not there


def test_nothing_readable_is_a_typed_error_not_an_empty_result(loopback, client):
    with pytest.raises(SourceInvalid, match="pages tried"):
        discover(f"{loopback.base}/ris/", "allris", client, **JULY)


def test_every_calendar_program_refused_is_a_typed_error(loopback, client):
    refusal = b"<html><body>Zugriff verweigert (Programm si010.asp).<br></body></html>"
    from loopback import Reply

    for program in ("allris.net.asp", "si010_e.asp", "si010_j.asp", "si010.asp", "si010_r.asp"):
        loopback.route(f"/bi/{program}", Reply(200, refusal, {"Content-Type": "text/html"}))
    with pytest.raises(SourceInvalid, match="refuses"):
        discover(f"{loopback.base}/bi/", "allris", client, **JULY)


@pytest.mark.parametrize(
    ("url", "folder"),
    [
        ("https://r.example.de/sessionnet/si0040.asp", "https://r.example.de/sessionnet/"),
        ("https://r.example.de/buergerinfo/si0040.php?__cjahr=2019", "https://r.example.de/buergerinfo/"),
        ("https://r.example.de/bi/info.php", "https://r.example.de/bi/"),
        ("https://ris.example.de/bi/si010_e.asp?MM=7&YY=2019", "https://ris.example.de/bi/"),
        ("https://ris.example.de/bi/allris.net.asp", "https://ris.example.de/bi/"),
        ("https://ris.example.de/public/si010", "https://ris.example.de/public/"),
        ("https://ris.example.de/public", "https://ris.example.de/public/"),
    ],
)
def test_installation_folder_of_any_page_in_it(url, folder):
    assert page_folder(url) == folder


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Niederschrift öffentlich", "results_protocol"),
        ("NIE öffentl.", "results_protocol"),
        ("Protokoll 2 (Öffnet PDF-Datei in neuem Fenster)", "results_protocol"),
        ("Wortprotokoll", "verbatim_protocol"),
        ("Anlage 3 zur Niederschrift", None),
        ("Anlage zum Protokoll", None),
        ("Anlagen zum Protokoll (Sammeldokument)", None),
        ("Anhang zur Niederschrift", None),
        ("Protokollauszug TOP 2", "results_protocol"),
        ("Einladung", None),
    ],
)
def test_minutes_are_told_from_attachments_by_name(name, role):
    assert minutes_role(name) == role


def test_every_installation_reads_right(caplog):
    """The issue's measure: every meeting with date, start and committee; minutes P and R ≥ 0.95."""
    caplog.set_level(logging.ERROR)
    total = Score()
    for name in installation_names():
        score = measure_installation(name, given_kind=False)
        assert not score.notes, (name, score.notes)
        total.add(score)
    assert total.found == total.start_right == total.committee_right == total.meetings == 29
    assert total.precision >= 0.95 and total.recall >= 0.95
    assert total.errors_right == total.errors_expected == 1
