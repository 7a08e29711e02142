"""Segmentation warnings travel from the segmenter to the stored version, the run's artifact and the
command line: a file that does not read as minutes is stored with its warning and no items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import ratsflow
from test_cli import rows as stored
from test_operator_flows import artifacts_of

from bench.golden.textpdf import born_digital_bytes
from flows.ingest_document import ingest_document
from flows.sync import sync
from schemas.errors import ExitCode
from schemas.params import IngestDocumentParams, SyncParams

pytestmark = pytest.mark.usefixtures("prefect_engine")
NOT_MINUTES = "document does not read as minutes"
LETTER = [
    "Gemeinde Lindenau · Der Bürgermeister\nHauptstraße 4, 24999 Lindenau\n\n"
    "An den Vorsitzenden des Bauausschusses\nHerrn Jens Petersen\n\nLindenau, 12.05.2026\n\n"
    "Sanierung der Kita Sonnenschein\n\nSehr geehrter Herr Petersen,\n\n"
    "1. Die Ausschreibung der Dachdeckerarbeiten ist abgeschlossen; drei Angebote liegen vor.\n"
    "2. Das günstigste Angebot liegt 8 % über der Kostenschätzung.\n"
    "3. Der Kindergarten zieht während der Arbeiten in das Dorfgemeinschaftshaus.\n\n"
    "Mit freundlichen Grüßen\n\nKarsten Ohm\nBürgermeister"
]


def as_list(value):
    return json.loads(value) if isinstance(value, str) else value


@pytest.fixture
def letter_pdf(tmp_path) -> Path:
    pdf = tmp_path / "Schreiben Kita 2026-05-12.pdf"
    pdf.write_bytes(born_digital_bytes(LETTER))
    return pdf


def test_ingest_document_of_a_letter_stores_its_warning_and_no_items(letter_pdf, store):
    state = ingest_document(IngestDocumentParams(location=str(letter_pdf), **store), return_state=True)
    summary = state.result()
    assert summary.documents == {"inserted": 1} and summary.agenda_items == 0
    [warned] = summary.warned
    assert warned.agenda_items == 0 and len(warned.warnings) == 1 and NOT_MINUTES in warned.warnings[0]
    assert "a letter" in warned.warnings[0]
    # Warnings are no alarm: the document is stored as it is, the run is plain Completed.
    assert state.name == "Completed" and summary.warnings == []
    db = store["database_url"]
    [document] = stored(db, "SELECT status, segmentation_warnings FROM document_current")
    assert document["status"] == "ok" and as_list(document["segmentation_warnings"]) == warned.warnings
    assert stored(db, "SELECT count(*) AS n FROM agenda_item") == [{"n": 0}]
    [run] = stored(db, "SELECT flow_run_id FROM ingest_run")
    report = artifacts_of(run["flow_run_id"])["ingest-document-warnings"]
    assert "Schreiben Kita 2026-05-12.pdf" in report and NOT_MINUTES in report and "| 0 |" in report
    assert "Alarms of this run" not in report


def test_the_command_line_names_the_file_and_its_warning(letter_pdf, tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = ratsflow("ingest-document", letter_pdf, "--database", db, env={"RATSFLOW_DATA_DIR": str(tmp_path / "d")})
    assert result.exit_code == ExitCode.ok, result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert "segmentation of Schreiben Kita 2026-05-12.pdf:" in line and NOT_MINUTES in line
    assert [as_list(r["segmentation_warnings"]) for r in stored(db, "SELECT segmentation_warnings FROM document_current")
            ] == [[line.split(": ", 2)[2]]]


def test_a_sync_records_a_list_of_warnings_for_every_version_it_stores(server, store):
    summary = sync(SyncParams(system_url=server.url, stale_after_days=None, **store))
    versions = stored(store["database_url"], "SELECT url, segmentation_warnings FROM document_current ORDER BY id")
    assert len(versions) == 4 and all(isinstance(as_list(v["segmentation_warnings"]), list) for v in versions)
    warned = {v["url"]: as_list(v["segmentation_warnings"]) for v in versions if as_list(v["segmentation_warnings"])}
    assert {o.url: o.warnings for o in summary.warned} == warned
