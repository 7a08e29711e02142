"""Credentials in a source URL reach the council system and nothing else: logs, artifacts, run names, databases.

The source is typed as `http://user:pass@host/oparl/system?token=…&apikey=…`, like a protected
council API; a file of it answers 404 (the case that once logged the token). Afterwards every
byte the run left behind is searched for the secrets: its stdout and stderr, every text in
ratsflow's database, and Prefect's own database (flow run parameters, names, logs, artifacts).
"""

import json
import sqlite3

import pytest
from loopback import LoopbackServer, Reply
from matrix_run import backfill_in_a_process
from pdfs import text_pdf

from schemas.errors import ExitCode
from schemas.secrets import kept_secret, redacted_text, redacted_url, redacted_values, with_secret

SECRETS = ("s3cr3t-pass", "T0KEN-5ECRET", "AP1KEY-5ECRET")


@pytest.mark.parametrize(("url", "shown"), [
    ("https://ratsinfo:s3cr3t@oparl.example.de/oparl/system", "https://***@oparl.example.de/oparl/system"),
    ("https://oparl.example.de/system?token=abc&body=1", "https://oparl.example.de/system?token=***&body=1"),
    ("https://oparl.example.de/system?apikey=abc", "https://oparl.example.de/system?apikey=***"),
    ("https://oparl.example.de/system?api_key=abc&access_token=def", "https://oparl.example.de/system?api_key=***&access_token=***"),
    ("http://u:p@[::1]:8080/x?Secret=1", "http://***@[::1]:8080/x?Secret=***"),
    ("postgresql+psycopg2://ratsflow:pw@db.internal/ratsflow", "postgresql+psycopg2://***@db.internal/ratsflow"),
    ("https://oparl.example.de/oparl/system?page=2", "https://oparl.example.de/oparl/system?page=2"),
    ("/srv/archive/niederschriften", "/srv/archive/niederschriften"),
])
def test_redacted_url_hides_user_info_and_secret_parameters_and_keeps_the_rest(url, shown):
    assert redacted_url(url) == shown


def test_redacted_text_and_values_reach_urls_inside_messages_and_parameters():
    message = "http://u:pw@h/x?token=t answered HTTP 404; not retried"
    assert redacted_text(message) == "http://***@h/x?token=*** answered HTTP 404; not retried"
    params = {"system_url": "http://h/s?apikey=k", "database_url": "postgresql://a:b@db/x", "chunk": "year", "n": 3}
    assert redacted_values(params) == {"system_url": "http://h/s?apikey=***", "database_url": "postgresql://***@db/x",
                                       "chunk": "year", "n": 3}


def test_a_kept_secret_comes_back_only_for_the_request_in_this_process():
    real = "http://u:kept-pw@127.0.0.1:9/oparl/system?token=kept"
    shown = kept_secret(real)
    assert shown == "http://***@127.0.0.1:9/oparl/system?token=***" and with_secret(shown) == real
    assert with_secret("http://127.0.0.1:9/other") == "http://127.0.0.1:9/other"


@pytest.fixture
def protected_council():
    """An OParl system that answers only with the right user, password and token; one file is gone (404)."""
    pdf = text_pdf(["Niederschrift über die 3. Sitzung des Rates", "TOP 1 Eröffnung der Sitzung"])
    with LoopbackServer() as server:
        base = server.base
        meeting = {"id": f"{base}/meeting/1", "type": "https://schema.oparl.org/1.1/Meeting", "name": "3. Sitzung",
                   "start": "2024-05-06T17:00:00+02:00", "modified": "2024-05-07T10:00:00+02:00",
                   "resultsProtocol": {"id": f"{base}/file/1", "name": "Niederschrift", "downloadUrl": f"{base}/f/1.pdf"},
                   "auxiliaryFile": [{"id": f"{base}/file/2", "name": "Niederschrift (Nachtrag)",
                                      "downloadUrl": f"{base}/f/gone.pdf"}]}
        page = {"data": [meeting], "links": {}}
        server.route("/oparl/system", Reply(200, json.dumps({"id": f"{base}/oparl/system", "body": f"{base}/bodies"}).encode()))
        server.route("/bodies", Reply(200, json.dumps({"data": [{"id": f"{base}/body/1", "name": "Stadt Beispiel",
                                                                 "meeting": f"{base}/meetings"}]}).encode()))
        server.route("/meetings", Reply(200, json.dumps(page).encode()))
        server.route("/f/1.pdf", Reply(200, pdf, {"Content-Type": "application/pdf"}))
        yield server


def every_text_in(sqlite_file) -> str:
    """Every value of every table of a SQLite file, as text."""
    connection = sqlite3.connect(sqlite_file)
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"'))
    finally:
        connection.close()


def test_credentials_in_the_source_url_appear_in_no_output_log_database_or_run_name(protected_council, tmp_path):
    host = protected_council.base.removeprefix("http://")
    source = f"http://ratsinfo:{SECRETS[0]}@{host}/oparl/system?token={SECRETS[1]}&apikey={SECRETS[2]}"
    db = tmp_path / "ratsflow.db"
    run = backfill_in_a_process(source, f"sqlite:///{db}", tmp_path)

    assert run.returncode == ExitCode.documents_failed, run.stderr[-2000:]
    assert "HTTP 404" in run.stderr + run.stdout  # the 404 is reported …
    system_request = next(headers for _, path, headers in protected_council.log if path.startswith("/oparl/system"))
    assert SECRETS[1] in next(path for _, path, _ in protected_council.log if path.startswith("/oparl/system"))
    assert system_request["Authorization"].startswith("Basic ")  # … the server got the credentials …
    stored = every_text_in(db)
    assert "***@" in stored and "token=***" in stored  # … the database names the source, redacted
    prefect_dbs = list((tmp_path / "prefect-home").rglob("*.db"))
    assert prefect_dbs, "the temporary Prefect server keeps its database in PREFECT_HOME"
    everything = {"stdout": run.stdout, "stderr": run.stderr, "ratsflow db": stored,
                  **{f"prefect db {p.name}": every_text_in(p) for p in prefect_dbs}}
    assert any("token=***" in text for where, text in everything.items() if where.startswith("prefect"))  # its parameters
    for where, text in everything.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked into {where}"
