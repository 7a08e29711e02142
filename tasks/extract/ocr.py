"""Tesseract on one page image, in-process (tesserocr), one engine per OCR thread.

Why in-process: the `tesseract` command costs a process, a model load and a PNG written and read
per page; tesserocr's API keeps the model loaded and takes the grayscale array as it is (CPU for
the same 300-dpi pages: 1.25–1.63 s against 1.60–2.09 s, plus 0.14 s for the PNG; docs/BENCHMARKS.md,
"Speed"). tesserocr releases the GIL while Tesseract works, so threads run pages in parallel.

The tesserocr wheel ships its own Tesseract (5.5), which reads the system's `.traineddata` models:
the engine version recorded on a page is the wheel's, the model hash the system file's. The path
to the models is set explicitly, since the wheel's compiled-in default is not where Debian puts them.

One process-wide pool of `workers` OCR threads serves every document (`ocr_pool`): two documents
extracted at the same time share two cores instead of starting four Tesseracts on them.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import re
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tesserocr

from schemas.errors import ExtractionFailed
from schemas.extraction import OcrPolicy
from schemas.pipeline import PageText
from tasks.extract.orientation import read_upright
from tasks.extract.preprocess import may_hold_inverted_text, preprocess_page_image

# Where Debian, Ubuntu and Fedora keep the models, tried in order when `tesseract` cannot say.
_TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata")
_M_ARENA_MAX = -8  # glibc mallopt parameter
_engines = threading.local()


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float | None  # 0–100, mean word confidence weighted by word length


@functools.lru_cache(maxsize=1)
def tessdata_dir() -> str:
    """The folder of the system's `.traineddata` models: `TESSDATA_PREFIX`, what `tesseract
    --list-langs` names, or the distributions' usual places."""
    candidates = [os.environ.get("TESSDATA_PREFIX", "")]
    try:
        listing = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
        named = re.search(r'"([^"]+)"', listing.stdout or listing.stderr or "")
        candidates.append(named.group(1) if named else "")
    except (OSError, subprocess.TimeoutExpired):
        pass
    for folder in [*candidates, *_TESSDATA_DIRS]:
        if folder and any(Path(folder).glob("*.traineddata")):
            return str(Path(folder))
    raise ExtractionFailed("no Tesseract models found (apt-get install tesseract-ocr-deu, or set TESSDATA_PREFIX)")


def tesseract_version() -> str:
    """The version of the Tesseract that reads pages (tesserocr's own build, e.g. "5.5.4")."""
    return tesserocr.tesseract_version().split()[1]


@functools.lru_cache(maxsize=8)
def tesseract_model_version(lang: str) -> str:
    """Tesseract's version and the exact model files used ("5.5.4 deu@1a2b3c4d5e6f").

    Models are updated apart from the engine (a new traineddata package), and a new model is a
    reason to re-OCR: the hash of each `.traineddata` file makes that visible per page.
    """
    models = []
    for name in lang.split("+"):
        path = Path(tessdata_dir()) / f"{name}.traineddata"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "unknown"
        models.append(f"{name}@{digest}")
    return f"{tesseract_version()} {'+'.join(models)}"


def confidence_of_words(words: list[tuple[str, int]]) -> float | None:
    """Mean of Tesseract's word confidences, weighted by word length; None when no words."""
    total = weight = 0.0
    for word, conf in words:
        word = word.strip()
        if conf >= 0 and word:
            total += conf * len(word)
            weight += len(word)
    return total / weight if weight else None


def _engine(lang: str, psm: int) -> tesserocr.PyTessBaseAPI:
    """This thread's Tesseract for `lang`, loaded once (an engine must never be shared by threads)."""
    cache = _engines.__dict__.setdefault("by_lang", {})
    if (lang, psm) not in cache:
        try:
            cache[(lang, psm)] = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=lang, psm=psm)
        except RuntimeError as err:
            raise ExtractionFailed(f"Tesseract cannot load the model {lang!r} from {tessdata_dir()} "
                                   f"(apt-get install tesseract-ocr-{lang.split('+')[0]})") from err
    return cache[(lang, psm)]


def ocr_page_image(gray: np.ndarray, policy: OcrPolicy, page_number: int, dpi: int = 300) -> OcrResult:
    """Text and word confidences of an 8-bit image; `ExtractionFailed` when the page takes too long.

    Tesseract tries unsure lines inverted only on a page with a dark area (`may_hold_inverted_text`).
    """
    api = _engine(policy.lang, policy.psm)
    gray = np.ascontiguousarray(gray)
    height, width = gray.shape
    api.SetImageBytes(gray.tobytes(), width, height, 1, width)
    api.SetSourceResolution(dpi)
    api.SetVariable("tessedit_do_invert", "1" if may_hold_inverted_text(gray, dpi) else "0")
    try:
        if not api.Recognize(timeout=max(1, int(policy.page_timeout * 1000))):
            raise ExtractionFailed(
                f"page {page_number}: Tesseract took longer than {policy.page_timeout:g} s "
                "(raise RATSFLOW_OCR_PAGE_TIMEOUT for very dense pages)"
            )
        text = (api.GetUTF8Text() or "").replace("\f", "").rstrip()
        confidence = confidence_of_words(api.MapWordConfidences())
    finally:
        api.Clear()  # the page's image and layout go now, not when the next page comes
    return OcrResult(text=text + "\n" if text else "", confidence=confidence)


def ocr_page(gray: np.ndarray, policy: OcrPolicy, number: int, method: str, dpi: int) -> PageText:
    def read(image: np.ndarray) -> OcrResult:
        return ocr_page_image(preprocess_page_image(image, policy.preprocess, dpi), policy, number, dpi)

    try:
        result, _ = read_upright(gray, read, policy.min_page_confidence, policy.page_timeout)
    finally:
        del gray
        release_freed_memory()
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


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 — glibc only; musl and others have neither call
        return libc
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Give the pages' freed buffers back to the system (glibc keeps them in its arenas otherwise);
    with the arena cap of `ocr_pool`, a 200-page scan peaks at 332 MiB (docs/BENCHMARKS.md)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def ocr_pool(workers: int) -> ThreadPoolExecutor:
    """The process's OCR threads for `workers` parallel pages, shared by all documents.

    glibc gives every thread that allocates its own arena of up to 64 MiB; page images freed in
    one thread and allocated in another leave all of them swollen, so the arenas are capped.
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, 2)
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr")


os.register_at_fork(after_in_child=ocr_pool.cache_clear)  # a forked worker starts its own threads
