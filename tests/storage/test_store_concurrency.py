"""Two OS processes upserting the same rows at the same time: no duplicates, no errors, and each
row reported "inserted" exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import text

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
MEETINGS = 6


def test_two_processes_writing_the_same_rows(engine, db_url):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    start_at = time.time() + 3.0  # after both interpreters have imported everything
    writers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "concurrent_writer.py"), db_url, str(start_at), str(MEETINGS)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        for _ in range(2)
    ]
    results = [writer.communicate(timeout=120) for writer in writers]
    for writer, (_, stderr) in zip(writers, results):
        assert writer.returncode == 0, stderr

    lines = [[json.loads(line) for line in stdout.splitlines()] for stdout, _ in results]
    spans = [report[-1] for report in lines]
    assert all(span[0] == "span" for span in spans)
    assert max(span[1] for span in spans) < min(span[2] for span in spans), "the writers did not overlap"
    reports = [report for per_writer in lines for report in per_writer[:-1]]
    inserted = Counter((kind, key) for kind, key, action in reports if action == "inserted")
    assert len(reports) == 2 * MEETINGS * 4
    assert len(inserted) == MEETINGS * 4 and set(inserted.values()) == {1}

    with engine.connect() as connection:
        def count(sql: str) -> int:
            return connection.execute(text(sql)).scalar_one()

        assert count("SELECT count(*) FROM meeting") == MEETINGS
        assert count("SELECT count(*) FROM document") == MEETINGS
        assert count("SELECT count(*) FROM document_version") == MEETINGS * 2
        assert count("SELECT count(*) FROM page") == MEETINGS * 2 * 2
        assert count("SELECT count(*) FROM agenda_item") == MEETINGS * 2 * 2
        assert count("SELECT count(*) FROM agenda_item_current") == MEETINGS * 2
        assert count("SELECT min(attempts) FROM document") == 4
