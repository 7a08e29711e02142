import json
from datetime import date

import pytest
from council_pages import page
from loopback import Reply

from schemas.errors import ConfigurationError
from tasks.sources import calendar_range, detect_source_kind, discover


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("https://ratsinfo.example.de/sessionnet/si0040.asp", "sessionnet"),
        ("https://www.example.de/buergerinfo/si0040.php?__cjahr=2019", "sessionnet"),
        ("https://ris.example.de/bi/", "allris"),
        ("https://ris.example.de/bi/si010_e.asp?MM=7&YY=2019", "allris"),
        ("https://ris.example.de/public/si010", "allris"),
        ("https://ris.example.de/oparl/system", "oparl"),
        ("https://sdnetrim.example.de/api/system.json", "oparl"),
        ("https://unknown.example.de/", "oparl"),
        ("/srv/altbestand", "archive"),
        ("file:///srv/liste.csv", "archive"),
        ("altbestand/liste.csv", "archive"),
    ],
)
def test_kind_is_detected_from_the_address(address, kind):
    assert detect_source_kind(address) == kind


def test_an_ftp_address_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="not an http"):
        detect_source_kind("ftp://ris.example.de/")


def test_calendar_range_defaults_to_the_last_twelve_months():
    assert calendar_range(None, None, today=date(2026, 3, 1)) == (date(2025, 3, 1), date(2026, 3, 1))
    assert calendar_range(date(2019, 7, 1), None, today=date(2019, 9, 1)) == (date(2019, 7, 1), date(2019, 9, 1))
    with pytest.raises(ConfigurationError, match="inverted"):
        calendar_range(date(2019, 8, 1), date(2019, 7, 1))


def test_oparl_meetings_are_filtered_by_start(loopback, client):
    base = loopback.base

    def j(obj) -> Reply:
        return Reply(200, json.dumps(obj).encode(), {"Content-Type": "application/json"})

    system = loopback.route("/oparl/system", j({"id": f"{base}/oparl/system", "body": f"{base}/oparl/bodies"}))
    body = {"id": f"{base}/oparl/body/1", "name": "Kreis", "meeting": f"{base}/oparl/meetings"}
    loopback.route("/oparl/bodies", j({"data": [body]}))
    meetings = [
        {"id": f"{base}/m/1", "start": "2019-06-30T10:00:00+02:00"},
        {"id": f"{base}/m/2", "start": "2019-07-04T15:00:00+02:00"},
        {"id": f"{base}/m/3"},
    ]
    loopback.route("/oparl/meetings", j({"data": meetings, "links": {}}))
    everything = discover(system, None, client).meetings
    in_july = discover(system, None, client, start_from=date(2019, 7, 1), start_to=date(2019, 7, 31)).meetings
    assert [m.external_id for m in everything] == [f"{base}/m/1", f"{base}/m/2", f"{base}/m/3"]
    assert [m.external_id for m in in_july] == [f"{base}/m/2"]


def test_sessionnet_is_dispatched_with_the_range(loopback, client):
    base = loopback.route("/sessionnet/si0040.asp?__cjahr=2019&__cmonat=8", page("sessionnet_si0040_2019_08.html"))
    loopback.route("/sessionnet/si0057.asp?__ksinr=104", page("sessionnet_si0057_104.html"))
    found = discover(base, None, client, start_from=date(2019, 8, 1), start_to=date(2019, 8, 31)).meetings
    assert [m.organization for m in found] == ["Haupt- und Finanzausschuss"]
    calendars = [path for _m, path, _h in loopback.log if "si0040" in path]
    assert calendars == ["/sessionnet/si0040.asp?__cjahr=2019&__cmonat=8"]


def test_archive_is_dispatched_and_filtered(tmp_path, client):
    (tmp_path / "2019-07-04_Rat.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (tmp_path / "2018-01-10_Rat.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    found = discover(str(tmp_path), None, client, start_from=date(2019, 1, 1)).meetings
    assert [m.external_id for m in found] == ["archive:2019-07-04_Rat.pdf"]


def test_a_calendar_kind_needs_a_web_address(tmp_path, client):
    with pytest.raises(ConfigurationError, match="sessionnet needs"):
        discover(str(tmp_path), "sessionnet", client)


def test_unknown_kind_is_refused(client):
    with pytest.raises(ConfigurationError, match="unknown source kind"):
        discover("https://x.example.de/", "ris", client)  # type: ignore[arg-type]
