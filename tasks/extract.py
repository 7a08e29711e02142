"""PDF → one `PageText` per page: the text layer where it can be trusted, Tesseract where not.

Read top to bottom: `open_pdf` (reject what is not a readable PDF) → per page `assess_text_layer`
(is the embedded text real German, or an English-model OCR layer that lost every umlaut?) →
`render_page_gray` → `preprocess_page_image` (deskew, denoise) → `ocr_page_image` (Tesseract in
a subprocess, so pages run in parallel threads) → `extract_document` adds normalisation.

Damaged layers are replaced by OCR (`ocr_redo`), never merged: merging two texts of the same page
cannot tell which of two readings is right, and one bad layer word is worse than one OCR miss.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import subprocess
import tempfile
import threading
import unicodedata
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from schemas.extraction import OcrPolicy, PreprocessSteps
from schemas.pipeline import ExtractedDocument, PageText
from schemas.errors import DocumentRejected, ExtractionFailed
from tasks.normalise import normalised_document
from tasks.wordlist import german_word_share, restored_word, words_of

EXTRACTOR_VERSION = "1"
PDFIUM_VERSION = str(pdfium.version.PDFIUM_INFO.version)

_CID_RE = re.compile(r"\(cid:\d+\)")
# Quotes as English-model OCR reads German ones: `,Gemeinsam` for „Gemeinsam, `Honnef*` for Honnef“.
_BROKEN_QUOTE_RE = re.compile(r"(?:^|\s),[^\W\d_]|[^\W\d_]\*(?=\s|$)", re.MULTILINE)
_MIN_LAYER_LETTERS = 100
# pdfium is not thread-safe, not even across documents; Prefect may run several extract tasks in
# threads of one process, so every pdfium call goes through this lock (Tesseract runs outside it).
PDFIUM_LOCK = threading.RLock()
_SCAN_COVERAGE = 0.5


# ── Opening ────────────────────────────────────────────────────────────────────────────────────


def open_pdf(pdf: Path) -> pdfium.PdfDocument:
    """Open a PDF, or raise `DocumentRejected` saying why it never will open.

    pdfium repairs damaged cross-reference tables silently, so a download cut short would open
    with pages missing; the missing `%%EOF` trailer is what gives a truncated file away.
    """
    try:
        with open(pdf, "rb") as fh:
            head = fh.read(1024)
            fh.seek(max(0, os.path.getsize(pdf) - 4096))
            tail = fh.read()
    except OSError as err:
        raise DocumentRejected(f"cannot read {pdf}: {err.strerror or err}") from err
    if not head:
        raise DocumentRejected(f"not a PDF: {pdf} is empty")
    if b"%PDF-" not in head:
        start = head[:20].decode("latin-1").split("\n")[0]
        raise DocumentRejected(f"not a PDF: file starts with {start!r}")
    if b"%%EOF" not in tail:
        raise DocumentRejected(f"truncated PDF: {pdf} has no %%EOF trailer (download cut short?)")
    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as err:
        if "password" in str(err).lower():
            raise DocumentRejected(f"encrypted PDF: {pdf} needs a password") from err
        raise DocumentRejected(f"unreadable PDF: {pdf}: {err}") from err
    if len(doc) == 0:
        doc.close()
        raise DocumentRejected(f"PDF without pages: {pdf}")
    return doc


# ── Text layer ─────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class LayerQuality:
    """Why a text layer was trusted or not; kept so the benchmark and logs can show it."""

    letters: int
    words: int
    unmapped: int
    german_share: float
    restorable_share: float
    trusted: bool
    reason: str


def _is_unmapped(ch: str) -> bool:
    if ch in "\n\r\t" or "\uf020" <= ch <= "\uf0ff":
        return False  # U+F020–F0FF: Symbol/Wingdings bullets from Word, mapped on purpose
    return ch in "\ufffd\ufffe\uffff" or unicodedata.category(ch) in ("Co", "Cc", "Cs")


def assess_text_layer(
    text: str, min_word_share: float = 0.90, max_restorable_share: float = 0.02
) -> LayerQuality:
    """Is this embedded text good enough to use instead of OCR?

    Three damages are looked for: glyphs without a Unicode mapping (`(cid:12)`, U+FFFD, private
    use), text that is mostly not German words (wrong encoding, garbage), and the quiet one: an
    English-model OCR layer, readable but with umlauts lost. The last shows as words that are not
    German but become German once an umlaut is put back (`fur`, `Ergdnzung`), which clean text
    almost never has, and as German quotes read as `,Wort` / `Wort*`.
    """
    letters = sum(ch.isalpha() for ch in text)
    unmapped = sum(_is_unmapped(ch) for ch in text) + len(_CID_RE.findall(text))
    words = words_of(_CID_RE.sub(" ", text))
    share = german_word_share(" ".join(words)) if words else 0.0
    restorable = sum(1 for w in words if restored_word(w)) / len(words) if words else 0.0

    def verdict(trusted: bool, reason: str) -> LayerQuality:
        return LayerQuality(letters, len(words), unmapped, share, restorable, trusted, reason)

    if letters == 0:
        return verdict(False, "no letters")
    if unmapped >= 2:
        return verdict(False, f"{unmapped} unmapped glyphs")
    if len(words) >= 20 and share < min_word_share:
        return verdict(False, f"only {share:.0%} German words")
    if restorable > max_restorable_share and sum(1 for w in words if restored_word(w)) >= 2:
        return verdict(False, f"{restorable:.1%} words lost their umlauts")
    broken_quotes = len(_BROKEN_QUOTE_RE.findall(text))
    if broken_quotes >= 2:
        return verdict(False, f"{broken_quotes} German quotes read as `,` or `*`")
    return verdict(True, "ok")


def _layer_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    # pdfium marks a hyphen it found at a line end as U+0002; it is an ordinary hyphen to us.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "-")


# ── Images on the page ─────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PageImages:
    coverage: float  # share of the page area covered by its largest image
    dpi: float | None  # effective resolution of that image as placed on the page


def _page_images(page: pdfium.PdfPage) -> PageImages:
    width, height = page.get_size()
    best_area, best_dpi = 0.0, None
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        area = max(0.0, right - left) * max(0.0, top - bottom)
        if area <= best_area:
            continue
        best_area = area
        try:
            px_w, _ = obj.get_px_size()
            best_dpi = px_w / ((right - left) / 72.0) if right > left else None
        except pdfium.PdfiumError:
            best_dpi = None
    return PageImages(coverage=best_area / (width * height) if width * height else 0.0, dpi=best_dpi)


def render_dpi_for(images: PageImages, policy: OcrPolicy) -> int:
    """Render at the policy's dpi, or finer when the scan itself is finer (up to `max_dpi`)."""
    if images.dpi and images.dpi > policy.dpi * 1.1:
        return int(min(round(images.dpi), policy.max_dpi))
    return policy.dpi


def render_page_gray(page: pdfium.PdfPage, dpi: int) -> np.ndarray:
    """The page as an 8-bit grayscale array (white background, text dark)."""
    bitmap = page.render(scale=dpi / 72.0, grayscale=True, may_draw_forms=True)
    try:
        array = bitmap.to_numpy()
        return np.ascontiguousarray(array[:, :, 0] if array.ndim == 3 else array)
    finally:
        bitmap.close()


# ── Preprocessing ──────────────────────────────────────────────────────────────────────────────


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


# ── Tesseract ──────────────────────────────────────────────────────────────────────────────────


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


def _ocr_page(gray: np.ndarray, policy: OcrPolicy, number: int, method: str, dpi: int) -> PageText:
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


# ── The stage ──────────────────────────────────────────────────────────────────────────────────


def choose_page_method(layer: str, images: PageImages, policy: OcrPolicy) -> tuple[str, LayerQuality]:
    """`text_layer`, `ocr` (nothing to read but an image) or `ocr_redo` (a layer we replace)."""
    quality = assess_text_layer(layer, policy.text_layer_min_word_share, policy.text_layer_max_restorable_share)
    if quality.letters == 0:
        return ("ocr" if images.coverage > 0 else "text_layer"), quality
    # A scan whose layer is only a stamp or a page number: the layer is not the page's text.
    if images.coverage >= _SCAN_COVERAGE and quality.letters < _MIN_LAYER_LETTERS:
        return "ocr_redo", quality
    if not quality.trusted and not policy.redo_damaged_layers:
        return "text_layer", quality  # kept on request; `normalise_pages` restores its umlauts
    return ("text_layer" if quality.trusted else "ocr_redo"), quality


def _read_page(doc: pdfium.PdfDocument, index: int, policy: OcrPolicy) -> PageText | tuple[np.ndarray, str, int]:
    """A finished `PageText` for a trusted layer, else (rendered image, method, dpi) to OCR."""
    number = index + 1
    with PDFIUM_LOCK:
        try:
            page = doc[index]
            try:
                layer = _layer_text(page)
                images = _page_images(page)
                method, _ = choose_page_method(layer, images, policy)
                if method == "text_layer":
                    return PageText(number=number, method="text_layer", engine="pdfium",
                                    engine_version=PDFIUM_VERSION, raw_text=layer)
                dpi = render_dpi_for(images, policy)
                return render_page_gray(page, dpi), method, dpi
            finally:
                page.close()
        except pdfium.PdfiumError as err:
            raise ExtractionFailed(f"page {number}: pdfium could not read it: {err}") from err


def extract_pages(pdf: Path, policy: OcrPolicy) -> list[PageText]:
    """One `PageText` per page, in order; `text` is left empty for `normalise_pages`.

    `confidence` is Tesseract's 0–100 scale (the scale of `policy.min_page_confidence`), None for
    text-layer pages, whose text is exact by construction once `assess_text_layer` trusts it.

    Pages are read and rendered one by one (pdfium is single-threaded) while Tesseract runs in
    `policy.workers` threads; at most two rendered pages per worker wait in memory.
    """
    with PDFIUM_LOCK:
        doc = open_pdf(Path(pdf))
        page_count = len(doc)
    pages: list[PageText | Future] = []
    pending: deque[Future] = deque()
    pool = ThreadPoolExecutor(max_workers=policy.workers, thread_name_prefix="ocr")
    try:
        for index in range(page_count):
            read = _read_page(doc, index, policy)
            if isinstance(read, PageText):
                pages.append(read)
                continue
            gray, method, dpi = read
            while len(pending) >= 2 * policy.workers:
                pending.popleft().result()  # also surfaces a failed page early
            future = pool.submit(_ocr_page, gray, policy, index + 1, method, dpi)
            pending.append(future)
            pages.append(future)
        return [p.result() if isinstance(p, Future) else p for p in pages]
    finally:
        # On a failed page, queued pages are dropped instead of OCRed for nothing.
        pool.shutdown(wait=True, cancel_futures=True)
        with PDFIUM_LOCK:
            doc.close()


def extract_document(pdf: Path, policy: OcrPolicy) -> ExtractedDocument:
    """Pages of a PDF with their normalised text; the document text joins pages by a blank line."""
    return normalised_document(extract_pages(pdf, policy))
