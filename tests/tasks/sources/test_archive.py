import json
from datetime import datetime

import pytest

from schemas.errors import ConfigurationError
from tasks.sources.archive import discover_archive, metadata_from_name
from tasks.sources.html import BERLIN

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "altbestand"
    (root / "2019").mkdir(parents=True)
    (root / "2019" / "2019-07-04_Sozialausschuss_Niederschrift.pdf").write_bytes(PDF)
    (root / "2019" / "Niederschrift ASGI 04.07.2019.pdf").write_bytes(PDF)
    (root / "2019" / "rat-1.PDF").write_bytes(PDF)
    (root / "2019" / "rat-1.PDF.json").write_text(
        json.dumps(
            {
                "body": "Stadt Großbrück",
                "committee": "Rat der Stadt",
                "date": "15.07.2019 18:00",
                "title": "12. Sitzung des Rates",
                "agenda": ["Ö 1 Eröffnung", "Ö 2 Haushaltssatzung 2020", {"number": "N 1", "name": "Personalien"}],
            }
        ),
        encoding="utf-8",
    )
    (root / "2019" / "notizen.txt").write_text("kein PDF")
    return root


def test_folder_yields_one_meeting_per_pdf_with_file_urls(folder):
    found = list(discover_archive(str(folder)))
    assert [m.external_id for m in found] == [
        "archive:2019/2019-07-04_Sozialausschuss_Niederschrift.pdf",
        "archive:2019/Niederschrift ASGI 04.07.2019.pdf",
        "archive:2019/rat-1.PDF",
    ]
    assert all(m.source == str(folder.resolve()) for m in found)
    doc = found[0].documents[0]
    assert doc.url == (folder / "2019" / "2019-07-04_Sozialausschuss_Niederschrift.pdf").resolve().as_uri()
    assert doc.url.startswith("file:///") and doc.external_id == doc.url
    assert "%20" in found[1].documents[0].url  # the space in the file name is quoted


def test_filename_only_metadata(folder):
    social, asgi, _ = discover_archive(folder)
    assert social.organization == "Sozialausschuss"
    assert social.start == datetime(2019, 7, 4, tzinfo=BERLIN)
    assert asgi.organization == "ASGI"
    assert asgi.start == datetime(2019, 7, 4, tzinfo=BERLIN)
    assert social.agenda == [] and social.body is None


def test_sidecar_wins_over_the_file_name(folder):
    *_, council = discover_archive(folder)
    assert council.body == "Stadt Großbrück"
    assert council.organization == "Rat der Stadt"
    assert council.name == "12. Sitzung des Rates"
    assert council.start == datetime(2019, 7, 15, 18, 0, tzinfo=BERLIN)
    assert [(a.number, a.name, a.public, a.order) for a in council.agenda] == [
        ("Ö 1", "Eröffnung", True, 1),
        ("Ö 2", "Haushaltssatzung 2020", True, 2),
        ("N 1", "Personalien", False, 3),
    ]


def test_runs_are_repeatable(folder):
    assert [m.model_dump() for m in discover_archive(folder)] == [m.model_dump() for m in discover_archive(folder)]


def test_csv_list_of_urls(tmp_path, caplog):
    (tmp_path / "scans").mkdir()
    listing = tmp_path / "liste.csv"
    listing.write_text(
        "url;body;committee;date;title\n"
        "https://archiv.example.de/2018/ns_0412.pdf;Kreis Südheide;Kreistag;04.12.2018;Niederschrift Kreistag\n"
        "scans/Protokoll_Bauausschuss_2018-11-20.pdf;;;;\n"
        ";Kreis Südheide;Kreistag;;ohne Adresse\n"
        "https://archiv.example.de/2018/ns_0412.pdf;Kreis Südheide;Kreistag;04.12.2018;doppelt\n",
        encoding="utf-8",
    )
    kreistag, bau = discover_archive(listing)
    assert kreistag.external_id == "archive:https://archiv.example.de/2018/ns_0412.pdf"
    assert kreistag.source == str(listing.resolve())
    assert (kreistag.body, kreistag.organization) == ("Kreis Südheide", "Kreistag")
    assert kreistag.name == "Niederschrift Kreistag"
    assert kreistag.start == datetime(2018, 12, 4, tzinfo=BERLIN)
    assert kreistag.documents[0].url == "https://archiv.example.de/2018/ns_0412.pdf"
    # a relative path is taken from the list's folder; the name still tells committee and date
    assert bau.documents[0].url == (tmp_path / "scans" / "Protokoll_Bauausschuss_2018-11-20.pdf").as_uri()
    assert bau.organization == "Bauausschuss"
    assert bau.start == datetime(2018, 11, 20, tzinfo=BERLIN)
    assert "no url" in caplog.text and "listed twice" in caplog.text


def test_a_list_of_bare_urls(tmp_path):
    listing = tmp_path / "urls.csv"
    listing.write_text("url\nhttps://a.example.de/2016-05-03_Kreistag_Niederschrift.pdf\n", encoding="utf-8")
    (meeting,) = discover_archive(listing)
    assert meeting.organization == "Kreistag"
    assert meeting.start == datetime(2016, 5, 3, tzinfo=BERLIN)
    assert meeting.documents[0].url == "https://a.example.de/2016-05-03_Kreistag_Niederschrift.pdf"


def test_json_list_with_agenda(tmp_path):
    listing = tmp_path / "liste.json"
    row = {"url": "https://a.example.de/x.pdf", "committee": "Rat", "date": "2017-03-02", "agenda": ["1. Eröffnung"]}
    listing.write_text(json.dumps([row]))
    (meeting,) = discover_archive(f"file://{listing}")
    assert meeting.organization == "Rat"
    assert meeting.start == datetime(2017, 3, 2, tzinfo=BERLIN)
    assert [(a.number, a.name) for a in meeting.agenda] == [("1", "Eröffnung")]


def test_something_else_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="folder of PDFs"):
        list(discover_archive(tmp_path / "missing"))


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("2019-07-04_Sozialausschuss_Niederschrift", {"date": "2019-07-04", "committee": "Sozialausschuss"}),
        ("Niederschrift ASGI 04.07.2019", {"date": "2019-07-04", "committee": "ASGI"}),
        ("20190704_Rat_oeffentlich", {"date": "2019-07-04", "committee": "Rat"}),
        ("Protokoll", {}),
    ],
)
def test_metadata_from_name(stem, expected):
    assert metadata_from_name(stem) == expected
