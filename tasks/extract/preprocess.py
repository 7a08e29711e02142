"""Cleaning a rendered scan for Tesseract: median denoise, deskew, optional binarisation."""

from __future__ import annotations

import cv2
import numpy as np

from schemas.extraction import PreprocessSteps


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


def median_kernel_for(dpi: int) -> int:
    """5 px at 300 dpi: removes scanner speckle, which upsampled 150-dpi scans turn into 2–3 px
    blobs, while strokes of 10–11 pt text stay (measured: CER 1.1 % → 0.35 % on 150-dpi scans,
    no loss at 300 dpi)."""
    return 5 if dpi <= 400 else 7


def preprocess_page_image(gray: np.ndarray, steps: PreprocessSteps, dpi: int = 300) -> np.ndarray:
    """Clean a rendered scan for Tesseract; which steps are on is measured by `bench.ocr`."""
    if steps.denoise:
        gray = cv2.medianBlur(gray, median_kernel_for(dpi))
    if steps.deskew:
        angle = estimate_skew_deg(gray)
        if abs(angle) >= 0.1:
            gray = rotate_gray(gray, angle)
    if steps.binarize:
        _, gray = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return gray
