"""Tesseract on one page image, in a subprocess, so pages run in parallel threads."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from schemas.errors import ExtractionFailed
from schemas.extraction import OcrPolicy
from schemas.pipeline import PageText
from tasks.extract.preprocess import preprocess_page_image


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float | None  # 0–100, mean word confidence weighted by word length


@functools.lru_cache(maxsize=1)
def tesseract_version() -> str:
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError as err:
        raise ExtractionFailed("Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-deu)") from err
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "tesseract"
    return first.split()[-1]


@functools.lru_cache(maxsize=8)
def tesseract_model_version(lang: str) -> str:
    """Tesseract's version and the exact model files used ("5.3.0 deu@1a2b3c4d5e6f").

    Models are updated apart from the engine (a new traineddata package), and a new model is a
    reason to re-OCR: the hash of each `.traineddata` file makes that visible per page.
    """
    listing = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    match = re.search(r'"([^"]+)"', (listing.stdout or listing.stderr or "").splitlines()[0] if (listing.stdout or listing.stderr) else "")
    models = []
    for name in lang.split("+"):
        path = Path(match.group(1)) / f"{name}.traineddata" if match else None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path and path.is_file() else "unknown"
        models.append(f"{name}@{digest}")
    return f"{tesseract_version()} {'+'.join(models)}"


def confidence_from_tsv(tsv: str) -> float | None:
    """Mean of Tesseract's word confidences, weighted by word length; None when no words."""
    total = weight = 0.0
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        conf, word = float(cols[10]), cols[11].strip()
        if conf >= 0 and word:
            total += conf * len(word)
            weight += len(word)
    return total / weight if weight else None


def ocr_page_image(gray: np.ndarray, policy: OcrPolicy, page_number: int) -> OcrResult:
    """Run Tesseract once for text and word confidences; `ExtractionFailed` on timeout or crash."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.TemporaryDirectory(prefix="ratsflow-ocr-") as tmp:
        image_path, out_base = Path(tmp) / "page.png", Path(tmp) / "page"
        cv2.imwrite(str(image_path), gray, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        cmd = ["tesseract", str(image_path), str(out_base), "-l", policy.lang, "--psm", str(policy.psm), "txt", "tsv"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=policy.page_timeout)
        except subprocess.TimeoutExpired as err:
            raise ExtractionFailed(
                f"page {page_number}: Tesseract took longer than {policy.page_timeout:g} s "
                "(raise RATSFLOW_OCR_PAGE_TIMEOUT for very dense pages)"
            ) from err
        if done.returncode != 0:
            raise ExtractionFailed(f"page {page_number}: Tesseract failed: {done.stderr.strip()[-300:]}")
        text = out_base.with_suffix(".txt").read_text(encoding="utf-8")
        tsv = out_base.with_suffix(".tsv").read_text(encoding="utf-8")
    text = text.replace("\f", "").rstrip()
    return OcrResult(text=text + "\n" if text else "", confidence=confidence_from_tsv(tsv))


def ocr_page(gray: np.ndarray, policy: OcrPolicy, number: int, method: str, dpi: int) -> PageText:
    result = ocr_page_image(preprocess_page_image(gray, policy.preprocess, dpi), policy, number)
    low = result.confidence is not None and result.confidence < policy.min_page_confidence
    return PageText(
        number=number,
        method=method,
        confidence=result.confidence,
        engine="tesseract",
        engine_version=tesseract_model_version(policy.lang),
        dpi=dpi,
        low_confidence=low,
        raw_text=result.text,
    )
