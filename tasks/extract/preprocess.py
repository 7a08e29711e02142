"""Cleaning a rendered scan for Tesseract: median denoise, deskew, optional binarisation, gutters."""

from __future__ import annotations

import cv2
import numpy as np

from schemas.extraction import PreprocessSteps
from tasks.extract.columns import with_gutters_widened

_BILEVEL_WHITE_SHARE = 0.6


def _projection_score(binary: np.ndarray, angle: float) -> float:
    h, w = binary.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(binary, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.sum(np.diff(rows) ** 2))


def estimate_skew_deg(gray: np.ndarray, max_deg: float = 5.0) -> float:
    """Angle (degrees, OpenCV sign) that makes text lines horizontal, by projection profile.

    Text rows are sharpest — row sums jump between line and gap — when the lines are level.
    Works on a ~1000 px wide copy: the angle does not need full resolution.
    """
    scale = min(1.0, 1000.0 / gray.shape[1])
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, binary = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if binary.sum() < 0.001 * binary.size:
        return 0.0  # blank page
    coarse = np.arange(-max_deg, max_deg + 1e-9, 0.5)
    best = max(coarse, key=lambda a: _projection_score(binary, a))
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1)
    return float(max(fine, key=lambda a: _projection_score(binary, a)))


def rotate_gray(gray: np.ndarray, angle: float) -> np.ndarray:
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def is_bilevel(gray: np.ndarray) -> bool:
    """Black on exact white: a 1-bit scan (CCITT G4, JBIG2) as pdfium renders it.

    pdfium smooths the edges of a 1-bit image's strokes when it renders, so the ink is not pure
    black; but its background stays exactly 255 (95 % of the pixels of our G4 pages), where a
    gray scan has grain (2 % exact white) and JPEG noise.
    """
    step = max(1, gray.size // 250_000)  # a sample is enough and keeps this ~1 ms
    sample = gray.reshape(-1)[::step]
    return np.count_nonzero(sample == 255) >= _BILEVEL_WHITE_SHARE * sample.size


def median_kernel_for(gray: np.ndarray, dpi: int) -> int:
    """The median filter's size for this page image.

    Gray scans: 5 px at 300 dpi removes scanner speckle, which upsampled 150-dpi scans turn into
    2–3 px blobs, while strokes of 10–11 pt text stay (measured: CER 1.1 % → 0.35 % on 150-dpi
    scans, no loss at 300 dpi). A 1-bit scan has no grain and no soft edges: a 5 px median is a
    majority vote that cuts the corners off its hard strokes (G4 at 200 dpi: CER 1.64 % → 0.38 %
    for 8 pt text, 0.50 % → 0.13 % for 10 pt with 3 px), while 3 px still removes isolated specks. Stroke width measured on these pages
    (median ink run) is 4 px for 8 pt and for 10 pt alike, so it cannot choose; bilevel-ness can.
    """
    if is_bilevel(gray):
        return 3
    return 5 if dpi <= 400 else 7


def preprocess_page_image(gray: np.ndarray, steps: PreprocessSteps, dpi: int = 300) -> np.ndarray:
    """Clean a rendered scan for Tesseract; which steps are on is measured by `bench.ocr`."""
    if steps.denoise:
        gray = cv2.medianBlur(gray, median_kernel_for(gray, dpi))
    if steps.deskew:
        angle = estimate_skew_deg(gray)
        if abs(angle) >= 0.1:
            gray = rotate_gray(gray, angle)
    if steps.binarize:
        _, gray = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if steps.columns:
        gray = with_gutters_widened(gray, dpi)  # on the level page: a gutter is then vertical
    return gray
