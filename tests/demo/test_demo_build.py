"""The sample corpus: what it contains, that its ground truth matches its PDFs, that rebuilding is a no-op."""

import json
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium

from demo.build import SampleCorpus, main


def _texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def test_corpus_covers_years_committees_kinds_and_layouts(sample_corpus: SampleCorpus) -> None:
    meetings = sample_corpus.meetings
    assert len(meetings) >= 8
    assert len({m.start.year for m in meetings}) >= 2
    assert len({m.organization for m in meetings}) >= 2
    kinds = Counter(m.kind for m in meetings)
    assert all(kinds[kind] >= 2 for kind in ("born_digital", "scan", "damaged_layer")), kinds
    assert {m.layout for m in meetings} == {"sessionnet", "allris", "dotted", "punkt", "zu"}
    for meeting in meetings:
        assert meeting.created < meeting.start < meeting.end < meeting.modified
        assert meeting.agenda_items and [a.order for a in meeting.agenda_items] == sorted(a.order for a in meeting.agenda_items)
        if meeting.kind != "born_digital":
            assert 2 <= meeting.pages <= 3, f"{meeting.id}: scans stay short for OCR on two cores"


def test_ground_truth_lies_beside_each_pdf_and_matches_it(sample_corpus: SampleCorpus) -> None:
    for meeting in sample_corpus.meetings:
        pdf_path = sample_corpus.pdf_path(meeting.id)
        truth = json.loads(sample_corpus.truth_path(meeting.id).read_text(encoding="utf-8"))
        assert sample_corpus.truth_path(meeting.id).name == f"{meeting.id}.truth.json"
        assert pdf_path.stat().st_size == meeting.size
        texts = _texts(pdf_path)
        assert len(texts) == len(truth["pages"]) == meeting.pages
        if meeting.kind == "born_digital":
            assert [" ".join(t.split()) for t in texts] == [" ".join(p.split()) for p in truth["pages"]]
        elif meeting.kind == "scan":
            assert all(not t.strip() for t in texts)
        else:
            assert all(t.strip() for t in texts)
            assert " ".join(texts[0].split()) != " ".join(truth["pages"][0].split())
        names = [a.name for a in meeting.agenda_items]
        assert names == [item["title"] for item in truth["items"]]
        for item in truth["items"]:
            assert set(item) >= {"number", "label", "title", "public", "text", "page_start", "page_end",
                                 "resolution", "result"}
            if item["text"]:
                assert item["text"] in truth["body"]


def test_cli_rebuild_rewrites_nothing(corpus_dir: Path, scan_dpi: int, capsys) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in corpus_dir.iterdir()}
    assert main([str(corpus_dir), "--scan-dpi", str(scan_dpi)]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in corpus_dir.iterdir()}
    assert after == before
    assert "9 meetings" in capsys.readouterr().out
