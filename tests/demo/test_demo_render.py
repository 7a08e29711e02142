"""Rendering: the text layer matches the ground truth, scans have none, damaged layers are damaged."""

import time
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from demo.compose import MinutesDoc, compose_minutes
from demo.itempool import ASGI, sample_minutes_spec
from demo.render import damage_text, render_born_digital, render_damaged_layer, render_scan

UMLAUTS = "äöüÄÖÜß"


@pytest.fixture(scope="module")
def two_page_doc() -> MinutesDoc:
    spec = sample_minutes_spec(committee=ASGI, session_number=25, day=date(2019, 7, 4),
                               previous_day=date(2019, 5, 14), layout="sessionnet", seed=4, size="short")
    doc = compose_minutes(spec)
    assert len(doc.pages) == 2
    return doc


def _page_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        texts = []
        for index in range(len(pdf)):
            textpage = pdf[index].get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
        return texts
    finally:
        pdf.close()


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_born_digital_text_layer_is_the_composed_page_text(two_page_doc: MinutesDoc, tmp_path: Path) -> None:
    started = time.perf_counter()
    path = render_born_digital(two_page_doc, tmp_path / "born.pdf")
    assert time.perf_counter() - started < 5
    extracted = _page_texts(path)
    assert len(extracted) == len(two_page_doc.pages)
    for got, want in zip(extracted, two_page_doc.pages, strict=True):
        assert _squash(got) == _squash(want)
    assert "„" in "".join(extracted) or "€" in "".join(extracted) or "ü" in "".join(extracted)


def test_born_digital_bytes_are_reproducible(two_page_doc: MinutesDoc, tmp_path: Path) -> None:
    first = render_born_digital(two_page_doc, tmp_path / "a.pdf").read_bytes()
    second = render_born_digital(two_page_doc, tmp_path / "b.pdf").read_bytes()
    assert first == second


def _image_pixel_sizes(path: Path) -> list[tuple[int, int]]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        sizes = []
        for index in range(len(pdf)):
            images = list(pdf[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
            assert len(images) == 1
            sizes.append(tuple(images[0].get_px_size()))
        return sizes
    finally:
        pdf.close()


def test_scan_is_image_only_at_the_requested_resolution(two_page_doc: MinutesDoc, tmp_path: Path) -> None:
    started = time.perf_counter()
    path = render_scan(two_page_doc, tmp_path / "scan.pdf", dpi=150, skew_deg=0.7, noise=0.1, blur=0.4,
                       jpeg_quality=75, seed=3)
    assert time.perf_counter() - started < 10
    assert [text.strip() for text in _page_texts(path)] == ["", ""]
    # A4 at 150 dpi: 1240 x 1754 pixels
    for width, height in _image_pixel_sizes(path):
        assert abs(width - 1240) <= 2 and abs(height - 1754) <= 2
    again = render_scan(two_page_doc, tmp_path / "scan2.pdf", dpi=150, skew_deg=0.7, noise=0.1, blur=0.4,
                        jpeg_quality=75, seed=3)
    assert again.read_bytes() == path.read_bytes()


def test_damaged_layer_reads_like_english_ocr_of_german(two_page_doc: MinutesDoc, tmp_path: Path) -> None:
    path = render_damaged_layer(two_page_doc, tmp_path / "damaged.pdf", dpi=100, seed=7, jpeg_quality=80)
    extracted = _page_texts(path)
    assert len(extracted) == 2
    truth = "\n".join(two_page_doc.pages)
    damaged = "\n".join(extracted)
    assert _squash(damaged) != _squash(truth)
    # same amount of text, far fewer umlauts
    assert 0.9 < len(_squash(damaged)) / len(_squash(truth)) < 1.1
    truth_umlauts = sum(truth.count(ch) for ch in UMLAUTS)
    damaged_umlauts = sum(damaged.count(ch) for ch in UMLAUTS)
    assert truth_umlauts > 20 and damaged_umlauts < truth_umlauts / 3
    assert "„" not in damaged and ("ber " in damaged or "fur " in damaged or "fir " in damaged)
    for width, height in _image_pixel_sizes(path):  # the scan under the layer: A4 at 100 dpi
        assert abs(width - 827) <= 2 and abs(height - 1170) <= 2


def test_damage_text_is_deterministic_and_keeps_lines() -> None:
    text = "Das KI berichtete über „Gemeinsam klappt’s“.\nFörderbaustein 6 für Geduldete – außerdem SGB III."
    once, again = damage_text(text, 1), damage_text(text, 1)
    assert once == again
    assert once.count("\n") == 1
    assert once != text
    assert "Kl " in once or "KI " in once
    assert any(damage_text(text, seed) != once for seed in range(2, 6))
