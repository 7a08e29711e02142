"""Scans fed sideways or upside down: find the quarter turn before trusting Tesseract's reading.

pdfium already renders a page as its `/Rotate` shows it, so what is left is content turned in
the image itself (or an upright image under a wrong `/Rotate`). Tesseract's layout analysis
reads lines turned 90° clockwise but not 180° or 270° (measured CER 91 %), and says so: such a
reading has a mean word confidence near 16 against 90+ for a clean page.

Orientation detection (Tesseract OSD, `--psm 0`) costs about 0.5 s a page, a tenth of the OCR;
upright pages are the rule, so it runs only when the first reading is below the policy's
`min_page_confidence`, and the turned page is read again only when OSD finds a turn. The better
reading (by confidence) wins, so a wrong OSD verdict can cost time but never text.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import cv2
import numpy as np

# OSD's own confidence below which its verdict is noise (our 300-dpi pages: 12–20 when right;
# a wrong verdict on a 100-dpi page: 0.8–5.9). Low on purpose: the second reading must still win.
_MIN_OSD_CONFIDENCE = 2.0


class _Reading(Protocol):
    confidence: float | None


R = TypeVar("R", bound=_Reading)


@dataclass(frozen=True)
class Orientation:
    """How far the content is turned clockwise (0, 90, 180, 270), and OSD's confidence in it."""

    degrees: int
    confidence: float


def detected_orientation(gray: np.ndarray, timeout: float = 30.0) -> Orientation | None:
    """Tesseract OSD's verdict on an 8-bit page image; None when it cannot judge (too little text)."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.TemporaryDirectory(prefix="ratsflow-osd-") as tmp:
        image_path = Path(tmp) / "page.png"
        cv2.imwrite(str(image_path), gray, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        try:
            done = subprocess.run(["tesseract", str(image_path), "-", "--psm", "0"],
                                  capture_output=True, text=True, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
    turned = re.search(r"Orientation in degrees:\s*(\d+)", done.stdout)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", done.stdout)
    if done.returncode != 0 or not turned or not confidence:
        return None
    return Orientation(degrees=int(turned.group(1)) % 360, confidence=float(confidence.group(1)))


def upright(gray: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned back by `degrees` (content turned clockwise by that much); lossless."""
    return np.ascontiguousarray(np.rot90(gray, k=(degrees // 90) % 4))


def read_upright(gray: np.ndarray, read: Callable[[np.ndarray], R], min_confidence: float,
                 timeout: float = 30.0) -> tuple[R, int]:
    """(the best reading of the page, the turn in degrees it needed).

    `read` is the OCR of one image. A confident first reading is returned as it is; otherwise OSD
    is asked, and a turned page is read again.
    """
    first = read(gray)
    if first.confidence is not None and first.confidence >= min_confidence:
        return first, 0
    found = detected_orientation(gray, timeout)
    if found is None or found.degrees == 0 or found.confidence < _MIN_OSD_CONFIDENCE:
        return first, 0
    second = read(upright(gray, found.degrees))
    if (second.confidence or 0.0) > (first.confidence or 0.0):
        return second, found.degrees
    return first, 0
