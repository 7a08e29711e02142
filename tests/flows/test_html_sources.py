"""SessionNet, ALLRIS and OParl sources through the real Prefect engine and the `ratsflow` command.

- HTML minutes: an ALLRIS installation on 127.0.0.1 whose "Protokoll" button leads to
  `si016.asp` (a web page, windows-1252, with menu and footer) ends with the document `ok`,
  its text from the page's content only, and its agenda items stored; a "PDF" link on the same
  meeting that answers an HTML error page stays `failed`.
- A source that cannot be read (a calendar that lands on an error or login page, meeting lists
  that are all gone) fails the run: a Failed state, and `ratsflow ingest` exits 4 with one line.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from loopback import LoopbackServer, Reply
from sqlalchemy import create_engine, text
from test_cli import cli_process  # `python -m flows.cli …` with its own PREFECT_HOME
from typer.testing import CliRunner

from flows.cli import app
from flows.sync import sync
from schemas.errors import ExitCode
from schemas.params import SyncParams

pytestmark = pytest.mark.usefixtures("prefect_engine")
FIXTURES = Path(__file__).parent / "fixtures" / "allris_html_minutes"
HTML = {"Content-Type": "text/html"}


def rows(db_url: str, sql: str) -> list[dict]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        found = [dict(r._mapping) for r in c.execute(text(sql))]
    engine.dispose()
    return found


def cp1252_page(name: str, headers: dict[str, str] | None = None) -> Reply:
    """A fixture page as an old ALLRIS server sends it: windows-1252 bytes (the file is kept as UTF-8)."""
    return Reply(200, (FIXTURES / name).read_text(encoding="utf-8").encode("cp1252"), headers or HTML)


def serve_allris_with_html_minutes(server: LoopbackServer) -> str:
    server.route("/ris/", cp1252_page("allris_net.html"))
    server.route("/ris/allris.net.asp", cp1252_page("allris_net.html"))
    server.route("/ris/si010_e.asp", cp1252_page("si010_e_2026_09.html"))
    server.route("/ris/to010.asp?SILFDNR=4201&options=4", cp1252_page("to010_4201.html"))
    # served as iso-8859-1 (what the server claims) while the bytes are windows-1252 („…“): read as browsers do
    server.route("/ris/si016.asp?SILFDNR=4201", cp1252_page("si016_4201.html", {"Content-Type": "text/html; charset=iso-8859-1"}))
    server.route("/ris/do027.asp?DOLFDNR=88001", cp1252_page("do027_error.html"))  # a "PDF" that is an error page
    return server.base + "/ris/"


def test_allris_html_minutes_are_ingested_as_minutes_and_a_pdf_link_answering_html_stays_failed(loopback, store):
    root = serve_allris_with_html_minutes(loopback)
    state = sync(SyncParams(system_url=root, start_from=date(2026, 9, 1), start_to=date(2026, 9, 30), **store),
                 return_state=True)
    db = store["database_url"]
    docs = {d["url"].rsplit("/", 1)[-1]: d for d in rows(db, "SELECT id, url, role, status, error FROM document")}
    html_minutes, pdf_link = docs["si016.asp?SILFDNR=4201"], docs["do027.asp?DOLFDNR=88001"]
    assert html_minutes["status"] == "ok" and html_minutes["role"] == "results_protocol", html_minutes
    assert pdf_link["status"] == "failed" and "is not a PDF" in pdf_link["error"], pdf_link
    assert state.name == "Completed with failures"  # the one failed "PDF", nothing else

    pages = rows(db, f"SELECT method, engine, text FROM page WHERE document_id = {html_minutes['id']}")
    assert [p["method"] for p in pages] == ["html"] and pages[0]["engine"] == "selectolax-lexbor"
    page_text = pages[0]["text"]
    assert "Neugestaltung des Stadtparks „Am Mühlenteich“" in page_text  # windows-1252 quotes and umlauts intact
    for furniture in ("Sitzungskalender", "Anmelden", "Impressum", "Drucken", "window.print", "font-weight"):
        assert furniture not in page_text, furniture
    lines = page_text.splitlines()
    assert "TOP Ö 2 Neugestaltung des Stadtparks „Am Mühlenteich“" in lines  # a heading stays its own line
    assert "Gremium: Ausschuss für Stadtgrün und Friedhöfe" in lines  # a table row is one line

    items = rows(db, f"SELECT number, title, public FROM agenda_item WHERE document_id = {html_minutes['id']} "
                     "ORDER BY position")  # fmt: skip
    assert [(i["number"], i["title"]) for i in items] == [
        ("1", "Eröffnung und Feststellung der Beschlussfähigkeit"),
        ("2", "Neugestaltung des Stadtparks „Am Mühlenteich“"),
        ("3", "Friedhofsgebührensatzung 2027"),
    ]
    meeting = rows(db, "SELECT organization, start FROM meeting")[0]
    assert meeting["organization"] == "Ausschuss für Stadtgrün und Friedhöfe"


# ── a source that cannot be read fails the run ────────────────────────────────────────────────

SESSIONNET_START = """<html><head><title>SessionNet | Stadt Auental</title></head><body class="smc-body">
<a href="si0040.asp">Sitzungskalender</a><!--SMCINFO:si.bi.1.4--></body></html>"""
SESSIONNET_ERROR = """<html><head><title>SessionNet | Fehler</title></head><body>
<div class="smc_fehler">Die angeforderte Seite ist nicht verfügbar.</div></body></html>"""
ALLRIS_LOGIN = """<html><head><meta name="description" content="ALLRIS net Version 3.9.4"><title>ALLRIS net - Anmeldung</title>
</head><body><div id="allriscontainer"><form action="logon.asp" method="post">Kennung <input name="u"></form></div></body></html>"""


def unreadable_sessionnet(server: LoopbackServer) -> str:
    """SessionNet 4.9: the calendar redirects to the error page, which answers 200."""
    server.route("/bi/", Reply(200, SESSIONNET_START.encode(), HTML))
    server.route("/bi/si0040.asp", Reply(302, b"", {"Location": "/bi/fehler.asp"}))
    server.route("/bi/fehler.asp", Reply(200, SESSIONNET_ERROR.encode(), HTML))
    return server.base + "/bi/"


def unreadable_allris(server: LoopbackServer) -> str:
    """ALLRIS: the released calendar sends every request to the login page."""
    server.route("/ris/", cp1252_page("allris_net.html"))
    server.route("/ris/si010_e.asp", Reply(302, b"", {"Location": "/ris/ri/logon.asp"}))
    server.route("/ris/ri/logon.asp", Reply(200, ALLRIS_LOGIN.encode(), HTML))
    return server.base + "/ris/"


def unreadable_oparl(server: LoopbackServer) -> str:
    """OParl: the system and its body answer, the body's meeting list is gone."""
    base = server.base + "/oparl/v1"
    body = {"id": f"{base}/body/1", "type": "https://schema.oparl.org/1.1/Body", "name": "Stadt Auental",
            "organization": f"{base}/body/1/organization", "meeting": f"{base}/body/1/meeting"}
    system = {"id": f"{base}/system", "type": "https://schema.oparl.org/1.1/System", "body": f"{base}/body"}
    json_reply = {"Content-Type": "application/json"}
    server.route("/oparl/v1/system", Reply(200, json.dumps(system).encode(), json_reply))
    server.route("/oparl/v1/body", Reply(200, json.dumps({"data": [body], "links": {}}).encode(), json_reply))
    server.route("/oparl/v1/body/1/organization", Reply(200, json.dumps({"data": [], "links": {}}).encode(), json_reply))
    server.route("/oparl/v1/body/1/meeting", Reply(404, b'{"error": "not found"}', json_reply))
    return f"{base}/system"


UNREADABLE = {"sessionnet": unreadable_sessionnet, "allris": unreadable_allris, "oparl": unreadable_oparl}
SAYS = {"sessionnet": "error page", "allris": "logon.asp", "oparl": "meeting list"}


@pytest.mark.parametrize("vendor", sorted(UNREADABLE))
def test_a_source_that_cannot_be_read_fails_the_run_red(vendor, loopback, store):
    url = UNREADABLE[vendor](loopback)
    state = sync(SyncParams(system_url=url, start_from=date(2026, 9, 1), start_to=date(2026, 9, 30), **store),
                 return_state=True)
    assert state.is_failed() and state.name == "Failed", state
    error = state.result(raise_on_failure=False)
    assert error.exit_code == ExitCode.source_unavailable and SAYS[vendor] in str(error), error
    run = rows(store["database_url"], "SELECT status, error FROM ingest_run")[0]
    assert run["status"] == "failed" and SAYS[vendor] in run["error"]


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    return errors[0]


@pytest.mark.parametrize("vendor", sorted(UNREADABLE))
def test_ingest_of_a_source_that_cannot_be_read_exits_4_with_one_line(vendor, loopback, tmp_path):
    url = UNREADABLE[vendor](loopback)
    done = CliRunner().invoke(app, ["ingest", url, "--database", f"sqlite:///{tmp_path / 'r.db'}"],
                              env={"COLUMNS": "200", "RATSFLOW_DATA_DIR": str(tmp_path / "data")})
    assert done.exit_code == ExitCode.source_unavailable, done.stderr
    assert SAYS[vendor] in one_error_line(done.stderr)
    assert "Completed with warnings" not in done.stderr + done.stdout


def test_ingest_of_an_unreadable_source_as_a_process_exits_4_with_one_line(loopback, tmp_path):
    url = unreadable_allris(loopback)
    done = cli_process("ingest", url, "--database", f"sqlite:///{tmp_path / 'r.db'}", tmp_path=tmp_path)
    assert done.returncode == ExitCode.source_unavailable, done.stderr
    assert "logon.asp instead of the calendar" in one_error_line(done.stderr)
    assert "Completed with warnings" not in done.stderr + done.stdout
