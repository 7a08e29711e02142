"""The `ratsflow` command line as an operator types it: every command of the README's table, with good
and bad input, asserting the one-line message and the documented exit code (schemas.errors.ExitCode).

Most tests run the typer app in-process (CliRunner) against the session's Prefect test server; the
few that are about the real process (the temporary Prefect server, how fast a refused source is
reported, what reaches stderr at the end) start `python -m flows.cli` as a subprocess.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from demo.server import serve_in_thread
from flows.cli import app
from schemas.errors import ExitCode
from storage.engine import SCHEMA_REVISION, alembic_config, upgrade_database

pytestmark = pytest.mark.usefixtures("prefect_engine")
REPO = Path(__file__).resolve().parents[2]
TRUNCATED_PDF = b"%PDF-1.4 truncated"


def ratsflow(*args: str, env: dict[str, str] | None = None):
    """Run one command in-process; stdout and stderr apart, as a shell would see them."""
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})})
    return result


def one_line_error(result) -> str:
    """The operator's message: exactly one `error:` line and no traceback."""
    assert "Traceback" not in result.stderr and "╭" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rows(db_url: str, sql: str) -> list[dict]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        result = [dict(r._mapping) for r in c.execute(text(sql))]
    engine.dispose()
    return result


@pytest.fixture(scope="module")
def server(born_digital_corpus):
    with serve_in_thread(born_digital_corpus, page_size=3) as running:
        yield running


@pytest.fixture
def fresh_db(tmp_path) -> str:
    """A SQLite file that does not exist yet: the embedded default must just work."""
    return f"sqlite:///{tmp_path / 'ratsflow.db'}"


@pytest.fixture
def data_env(tmp_path) -> dict[str, str]:
    return {"RATSFLOW_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def archive(tmp_path, born_digital_corpus) -> Path:
    """A folder source with one good minutes file and one truncated one."""
    folder = tmp_path / "archive"
    folder.mkdir()
    good = sorted(born_digital_corpus.glob("*.pdf"))[0]
    (folder / "2016-06-20_Sozialausschuss_Niederschrift.pdf").write_bytes(good.read_bytes())
    (folder / "2016-07-01_Sozialausschuss_Niederschrift.pdf").write_bytes(TRUNCATED_PDF)
    return folder


@pytest.fixture
def ingested_db(tmp_path, server, data_env) -> str:
    db = f"sqlite:///{tmp_path / 'ingested.db'}"
    result = ratsflow("ingest", server.url, "--database", db, env=data_env)
    assert result.exit_code == ExitCode.ok, result.stderr
    return db


# ── exit codes are documented ──────────────────────────────────────────────────────────────────


def test_exit_codes_are_distinct_and_listed_in_operating_docs():
    codes = {code.name: int(code) for code in ExitCode}
    assert len(set(codes.values())) == len(codes)
    assert {"ok", "documents_failed", "bad_input", "source_unavailable", "database_unavailable",
            "schema_outdated"} <= set(codes)
    assert codes["ok"] == 0
    operating = (REPO / "docs" / "OPERATING.md").read_text(encoding="utf-8")
    for name, value in codes.items():
        assert f"| {value} |" in operating and f"`{name}`" in operating, name


# ── extract ────────────────────────────────────────────────────────────────────────────────────


def test_extract_prints_pages_as_json(born_digital_corpus):
    pdf = sorted(born_digital_corpus.glob("*.pdf"))[0]
    result = ratsflow("extract", pdf, "--json")
    assert result.exit_code == ExitCode.ok, result.stderr
    pages = json.loads(result.stdout)["pages"]
    assert pages and all(p["method"] == "text_layer" and p["text"].strip() for p in pages)


def test_extract_of_a_broken_pdf_is_bad_input_in_one_line(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(TRUNCATED_PDF)
    result = ratsflow("extract", broken, "--json")
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "broken.pdf" in line and "truncated" in line
    assert result.stdout == ""


def test_extract_of_a_missing_file_is_bad_input(tmp_path):
    result = ratsflow("extract", tmp_path / "nowhere.pdf")
    assert result.exit_code == ExitCode.bad_input
    assert "nowhere.pdf" in result.stderr


# ── segment ────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def minutes_txt(tmp_path) -> Path:
    path = tmp_path / "minutes.txt"
    path.write_text("TOP 1 Eröffnung\nDer Vorsitzende eröffnet.\n\fTOP 2 Anfragen\nKeine.", encoding="utf-8")
    return path


def test_segment_prints_items_as_json(minutes_txt):
    result = ratsflow("segment", minutes_txt, "--json")
    assert result.exit_code == ExitCode.ok, result.stderr
    items = json.loads(result.stdout)["items"]
    assert [(i["number"], i["title"]) for i in items] == [("1", "Eröffnung"), ("2", "Anfragen")]


def test_segment_with_an_agenda_that_is_not_json_names_the_file(minutes_txt, tmp_path):
    agenda = tmp_path / "agenda.json"
    agenda.write_text("not json", encoding="utf-8")
    result = ratsflow("segment", minutes_txt, "--agenda", agenda)
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "agenda.json" in line and "JSON" in line and "line 1" in line


def test_segment_with_an_agenda_of_the_wrong_shape_names_the_file_and_the_problem(minutes_txt, tmp_path):
    agenda = tmp_path / "agenda.json"
    agenda.write_text(json.dumps({"items": [{"numbr": 1}]}), encoding="utf-8")
    result = ratsflow("segment", minutes_txt, "--agenda", agenda)
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "agenda.json" in line and "item 1" in line and "number" in line
    assert "pydantic" not in line


# ── ingest ─────────────────────────────────────────────────────────────────────────────────────


def test_ingest_into_a_fresh_sqlite_file_creates_the_schema_and_exits_ok(server, fresh_db, data_env):
    result = ratsflow("ingest", server.url, "--database", fresh_db, env=data_env)
    assert result.exit_code == ExitCode.ok, result.stderr
    assert "has no ratsflow schema" not in result.stderr
    assert rows(fresh_db, "SELECT version_num FROM alembic_version") == [{"version_num": SCHEMA_REVISION}]
    assert [d["status"] for d in rows(fresh_db, "SELECT status FROM document")] == ["ok"] * 4


def test_ingest_with_a_failed_document_exits_documents_failed_and_names_the_file(archive, fresh_db, data_env):
    result = ratsflow("ingest", archive, "--kind", "archive", "--database", fresh_db, env=data_env)
    assert result.exit_code == ExitCode.documents_failed, result.stderr
    assert "Traceback" not in result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "2016-07-01_Sozialausschuss_Niederschrift.pdf" in failed[0]
    assert "blobs/sha256" not in result.stderr


def test_ingest_with_an_unknown_kind_is_bad_input_in_one_line(server, fresh_db):
    result = ratsflow("ingest", server.url, "--kind", "foo", "--database", fresh_db)
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "--kind" in line and "foo" in line and "sessionnet" in line
    assert "pydantic" not in line and "https://" not in line


def test_ingest_from_a_refusing_source_says_connection_refused_fast(fresh_db, data_env):
    url = f"http://127.0.0.1:{closed_port()}/oparl/v1/system"
    started = time.monotonic()
    result = ratsflow("ingest", url, "--database", fresh_db, env=data_env)
    took = time.monotonic() - started
    assert result.exit_code == ExitCode.source_unavailable
    line = one_line_error(result)
    assert "connection refused" in line and url in line
    assert took < 15, took


def test_ingest_into_an_unreachable_postgresql_is_database_unavailable(server):
    db = f"postgresql://postgres@127.0.0.1:{closed_port()}/test"
    result = ratsflow("ingest", server.url, "--database", db)
    assert result.exit_code == ExitCode.database_unavailable
    line = one_line_error(result)
    assert "127.0.0.1" in line and "refused" in line.lower()
    assert "sqlalche.me" not in line


def test_ingest_into_a_file_that_is_not_a_database_is_database_unavailable(server, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("not a database at all", encoding="utf-8")
    result = ratsflow("ingest", server.url, "--database", f"sqlite:///{notes}")
    assert result.exit_code == ExitCode.database_unavailable
    line = one_line_error(result)
    assert "notes.db" in line and "not a database" in line
    assert notes.read_text(encoding="utf-8") == "not a database at all"


def test_ingest_into_an_outdated_schema_is_refused_with_the_upgrade_command(server, tmp_path):
    from alembic import command

    db = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(db), "0002_source_watermark")
    result = ratsflow("ingest", server.url, "--database", db)
    assert result.exit_code == ExitCode.schema_outdated
    line = one_line_error(result)
    assert "ratsflow db upgrade" in line and "0002_source_watermark" in line
    assert rows(db, "SELECT version_num FROM alembic_version") == [{"version_num": "0002_source_watermark"}]


def test_verbose_shows_prefects_log_lines_above_an_intact_bar(server, fresh_db, data_env):
    result = ratsflow("--verbose", "ingest", server.url, "--database", fresh_db, env=data_env)
    assert result.exit_code == ExitCode.ok, result.stderr
    # The session runs Prefect at PREFECT_LOGGING_LEVEL=WARNING: the freshness alarm's log line shows.
    assert "WARNING | ratsflow.freshness - freshness alarm" in result.stderr
    bars = [line for line in result.stderr.splitlines() if "━" in line]
    assert bars and all(line.startswith("documents ") for line in bars), bars


def test_verbose_shows_the_traceback_of_a_database_error(server):
    db = f"postgresql://postgres@127.0.0.1:{closed_port()}/test"
    result = ratsflow("--verbose", "ingest", server.url, "--database", db)
    assert result.exit_code == ExitCode.database_unavailable
    assert "Traceback" in result.stderr and "OperationalError" in result.stderr


# ── backfill ───────────────────────────────────────────────────────────────────────────────────


def test_backfill_into_a_fresh_sqlite_file_works(server, fresh_db, data_env):
    result = ratsflow("backfill", server.url, "--from", "2016-01-01", "--to", "2017-12-31", "--chunk", "year",
                      "--database", fresh_db, env=data_env)
    assert result.exit_code == ExitCode.ok, result.stderr
    assert len(rows(fresh_db, "SELECT id FROM document")) == 3
    # One bar over the whole backfill (its chunks); the chunk's documents are counted in its text.
    bars = [line for line in result.stderr.splitlines() if "━" in line]
    assert bars and all(line.startswith("chunks (documents ") and "2/2" in line for line in bars), result.stderr
    assert "Flow run" not in result.stderr  # Prefect's log lines stay in the Prefect log


def test_backfill_with_a_chunk_of_a_week_is_bad_input_without_pydantic_text(server, fresh_db):
    result = ratsflow("backfill", server.url, "--from", "2016-01-01", "--to", "2016-12-31", "--chunk", "week",
                      "--database", fresh_db)
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "--chunk" in line and "week" in line and "quarter" in line
    assert "pydantic" not in line and "https://" not in line


def test_backfill_with_a_reversed_range_names_both_days(server, fresh_db):
    result = ratsflow("backfill", server.url, "--from", "2020-01-01", "--to", "2019-01-01", "--database", fresh_db)
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "2019-01-01" in line and "2020-01-01" in line


def test_backfill_with_an_impossible_day_is_bad_input_in_one_line(server, fresh_db):
    result = ratsflow("backfill", server.url, "--from", "2019-02-30", "--to", "2019-03-31", "--database", fresh_db)
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "--from" in line and "2019-02-30" in line


def test_backfill_whose_every_chunk_fails_does_not_exit_ok(server, fresh_db, data_env):
    not_oparl = f"{server.base_url}/files/{server.corpus.meetings[0].pdf}"
    result = ratsflow("backfill", not_oparl, "--kind", "oparl", "--from", "2016-01-01", "--to", "2017-12-31",
                      "--chunk", "year", "--database", fresh_db, env=data_env)
    assert result.exit_code == ExitCode.source_unavailable, result.stderr
    assert "Traceback" not in result.stderr
    assert "did not answer with JSON" in result.stderr


# ── reprocess ──────────────────────────────────────────────────────────────────────────────────


def test_reprocess_of_stored_documents_exits_ok(ingested_db, data_env):
    result = ratsflow("reprocess", "--document", "1", "--database", ingested_db, env=data_env)
    assert result.exit_code == ExitCode.ok, result.stderr
    assert "unchanged 1" in result.stdout


def test_reprocess_that_selects_nothing_warns(ingested_db, data_env):
    result = ratsflow("reprocess", "--from", "2030-01-01", "--database", ingested_db, env=data_env)
    assert result.exit_code == ExitCode.ok
    assert any(line.startswith("warning:") and "selects no" in line for line in result.stderr.splitlines()), result.stderr


def test_reprocess_of_an_unknown_document_id_is_bad_input(ingested_db):
    result = ratsflow("reprocess", "--document", "9999", "--database", ingested_db)
    assert result.exit_code == ExitCode.bad_input
    assert "9999" in one_line_error(result)


def test_reprocess_with_a_segmenter_version_that_is_not_a_version_is_bad_input(ingested_db):
    result = ratsflow("reprocess", "--segmenter-older-than", "banana", "--database", ingested_db)
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "--segmenter-older-than" in line and "banana" in line


def test_reprocess_with_a_reversed_range_is_bad_input(ingested_db):
    result = ratsflow("reprocess", "--from", "2020-01-01", "--to", "2019-01-01", "--database", ingested_db)
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert "2019-01-01" in line and "2020-01-01" in line


# ── ingest-document ────────────────────────────────────────────────────────────────────────────


def test_ingest_document_of_a_good_file_into_a_fresh_database(born_digital_corpus, fresh_db, data_env):
    pdf = sorted(born_digital_corpus.glob("*.pdf"))[0]
    result = ratsflow("ingest-document", pdf, "--database", fresh_db, env=data_env)
    assert result.exit_code == ExitCode.ok, result.stderr
    assert rows(fresh_db, "SELECT status FROM document") == [{"status": "ok"}]


def test_ingest_document_of_a_broken_file_exits_documents_failed(tmp_path, fresh_db, data_env):
    broken = tmp_path / "Niederschrift 2019-07-04.pdf"
    broken.write_bytes(TRUNCATED_PDF)
    result = ratsflow("ingest-document", broken, "--database", fresh_db, env=data_env)
    assert result.exit_code == ExitCode.documents_failed, result.stderr
    assert "Traceback" not in result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "Niederschrift 2019-07-04.pdf" in failed[0] and "truncated" in failed[0]
    assert "blobs/sha256" not in result.stderr


def test_ingest_document_of_a_missing_file_is_bad_input(tmp_path, fresh_db):
    result = ratsflow("ingest-document", tmp_path / "nowhere.pdf", "--database", fresh_db)
    assert result.exit_code == ExitCode.bad_input
    assert "nowhere.pdf" in one_line_error(result)


# ── db upgrade ─────────────────────────────────────────────────────────────────────────────────


def test_db_upgrade_creates_the_schema(fresh_db):
    result = ratsflow("db", "upgrade", "--database", fresh_db)
    assert result.exit_code == ExitCode.ok, result.stderr
    assert rows(fresh_db, "SELECT version_num FROM alembic_version") == [{"version_num": SCHEMA_REVISION}]


def test_db_upgrade_does_not_create_missing_folders(tmp_path):
    target = tmp_path / "missing" / "dir" / "ratsflow.db"
    result = ratsflow("db", "upgrade", "--database", f"sqlite:///{target}")
    assert result.exit_code == ExitCode.bad_input
    line = one_line_error(result)
    assert str(target.parent) in line and "does not exist" in line
    assert not (tmp_path / "missing").exists()


def test_db_upgrade_of_an_unreachable_postgresql_is_database_unavailable():
    result = ratsflow("db", "upgrade", "--database", f"postgresql://postgres@127.0.0.1:{closed_port()}/test")
    assert result.exit_code == ExitCode.database_unavailable
    one_line_error(result)


# ── search ─────────────────────────────────────────────────────────────────────────────────────


def test_search_with_hits_shows_date_meeting_item_and_snippet(ingested_db):
    [item] = rows(ingested_db, "SELECT number, title FROM agenda_item WHERE length(title) > 8 ORDER BY id LIMIT 1")
    word = max(item["title"].split(), key=len).strip(".,:;()")
    result = ratsflow("search", word, "--database", ingested_db)
    assert result.exit_code == ExitCode.ok, result.stderr
    assert word in result.stdout and item["number"] in result.stdout
    assert "Rhein-Sieg-Kreis" in result.stdout or "20" in result.stdout
    assert "hits" in result.stderr and not result.stderr.startswith("0 hits")


def test_search_in_an_empty_database_finds_nothing_and_says_so(fresh_db):
    upgrade_database(fresh_db)
    result = ratsflow("search", "Haushalt", "--database", fresh_db)
    assert result.exit_code == ExitCode.ok, result.stderr
    assert "0 hits" in result.stderr


def test_search_where_there_is_no_database_says_how_to_fill_one(fresh_db):
    result = ratsflow("search", "Haushalt", "--database", fresh_db)
    assert result.exit_code == ExitCode.database_unavailable
    assert "ratsflow demo" in one_line_error(result)


def test_search_with_a_bad_since_is_bad_input(ingested_db):
    result = ratsflow("search", "Haushalt", "--since", "gestern", "--database", ingested_db)
    assert result.exit_code == ExitCode.bad_input
    assert "--since" in one_line_error(result)


# ── demo ───────────────────────────────────────────────────────────────────────────────────────


def test_demo_ends_with_where_the_data_is_and_what_to_try_next():
    from flows.cli import demo_next_steps

    text_ = demo_next_steps("sqlite:///data/ratsflow.db", Path("data"))
    assert "data/ratsflow.db" in text_ and "ratsflow search" in text_ and "make serve" in text_


# ── the real process: temporary Prefect server, stderr, speed ─────────────────────────────────


def cli_process(*args: str, tmp_path: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """`python -m flows.cli …` with its own PREFECT_HOME and no Prefect server: it starts its temporary one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), RATSFLOW_DATA_DIR=str(tmp_path / "data"), COLUMNS="200",
               OMP_THREAD_LIMIT="1")
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_bad_parameters_are_refused_before_the_temporary_prefect_server_starts(tmp_path):
    done = cli_process("backfill", "http://127.0.0.1:9/oparl", "--from", "2016-01-01", "--to", "2016-12-31",
                       "--chunk", "week", tmp_path=tmp_path)
    assert done.returncode == ExitCode.bad_input
    assert "temporary server" not in done.stderr and "--chunk" in done.stderr
    assert not (tmp_path / "prefect-home").exists() or not any((tmp_path / "prefect-home").rglob("*.db"))


def test_a_refusing_source_is_reported_before_any_prefect_work(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/oparl/v1/system"
    started = time.monotonic()
    done = cli_process("ingest", url, "--database", f"sqlite:///{tmp_path / 'r.db'}", tmp_path=tmp_path)
    assert done.returncode == ExitCode.source_unavailable
    assert "connection refused" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 20


def test_a_real_run_ends_clean_on_stderr_and_a_broken_file_exits_documents_failed(tmp_path, born_digital_corpus):
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    good = cli_process("ingest-document", str(sorted(born_digital_corpus.glob("*.pdf"))[0]), "--database", db,
                       tmp_path=tmp_path)
    assert good.returncode == ExitCode.ok, good.stderr
    for noise in ("Traceback", "Error flushing", "Still processing items", "Starting temporary server"):
        assert noise not in good.stderr, good.stderr
    broken = tmp_path / "kaputt.pdf"
    broken.write_bytes(TRUNCATED_PDF)
    bad = cli_process("ingest-document", str(broken), "--database", db, tmp_path=tmp_path)
    assert bad.returncode == ExitCode.documents_failed, bad.stderr
    assert "Traceback" not in bad.stderr and "kaputt.pdf" in bad.stderr
