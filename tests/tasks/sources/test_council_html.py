from datetime import date, time

import pytest

from tasks.sources.html import (
    decode_html,
    is_time_text,
    months_between,
    parse_german_date,
    parse_times,
    resolve_link,
)

UMLAUTS = "Ausschuss für Grünflächen, Straßen und Öffentlichkeit"


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (f'<meta charset="windows-1252"><p>{UMLAUTS}</p>'.encode("cp1252"), None),
        (f'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">{UMLAUTS}'.encode("latin-1"), None),
        (f"<p>{UMLAUTS}</p>".encode("cp1252"), "text/html; charset=utf-8"),  # the header lies
        (f"<p>{UMLAUTS}</p>".encode(), None),
        (f"\ufeff<p>{UMLAUTS}</p>".encode(), "text/html; charset=iso-8859-1"),  # a BOM beats the header
    ],
)
def test_decoding_keeps_umlauts(raw, content_type):
    assert UMLAUTS in decode_html(raw, content_type)


def test_windows_1252_quotes_survive_a_latin_1_declaration():
    raw = '<meta charset="iso-8859-1"><p>Bebauungsplan „Am Mühlbach“</p>'.encode("cp1252")
    assert "„Am Mühlbach“" in decode_html(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Donnerstag, 04.07.2019 15:00 Uhr", date(2019, 7, 4)),
        ("Do, 04.07.19", date(2019, 7, 4)),
        ("Montag, 15. Juli 2019", date(2019, 7, 15)),
        ("3. März 2020", date(2020, 3, 3)),
        ("2019-07-04", date(2019, 7, 4)),
        ("31.02.2019", None),
        ("Raum 1.04", None),
    ],
)
def test_german_dates(text, expected):
    assert parse_german_date(text) == expected


def test_times_ignore_dates_and_rooms():
    assert parse_times("Donnerstag, 04.07.2019 15:00 - 17:30 Uhr") == (time(15, 0), time(17, 30))
    assert parse_times("15.00 Uhr") == (time(15, 0), None)
    assert is_time_text("ab 18:00 Uhr") and not is_time_text("Raum 1.04")


def test_links_resolve_relative_and_refuse_other_hosts(caplog):
    page = "http://127.0.0.1:8080/sessionnet/si0040.asp?__cjahr=2019"
    assert resolve_link("si0057.asp?__ksinr=1", page, page) == "http://127.0.0.1:8080/sessionnet/si0057.asp?__ksinr=1"
    assert resolve_link("../bi/x.asp", page, page) == "http://127.0.0.1:8080/bi/x.asp"
    assert resolve_link("http://127.0.0.2:8080/x", page, page) is None
    assert resolve_link("javascript:void(0)", page, page) is None
    assert "127.0.0.2" in caplog.text


def test_months_cross_the_year():
    assert list(months_between(date(2019, 11, 30), date(2020, 2, 1))) == [(2019, 11), (2019, 12), (2020, 1), (2020, 2)]
