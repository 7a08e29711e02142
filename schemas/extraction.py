"""How pages become text: the knobs of the extraction stage, built from `Settings`.

A separate model (not `Settings` itself) so a test or the benchmark can vary one knob
without touching the environment.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from schemas.settings import Settings


class PreprocessSteps(BaseModel):
    """Image clean-up before Tesseract; defaults are what `python -m bench.ocr` measured best."""

    deskew: bool = Field(default=True, description="Straighten pages tilted on the scanner glass (±5°).")
    denoise: bool = Field(default=True, description="Median filter: removes speckle without thinning strokes.")
    binarize: bool = Field(default=False, description="Otsu threshold; Tesseract binarises itself, so off unless measured better.")
    columns: bool = Field(default=True, description="Widen a narrow gutter between two text columns so they are read one after the other.")


class ExtractionLimits(BaseModel):
    """What a PDF may cost before anything is rendered or inflated (defaults: `Settings`)."""

    max_pages: int = 1000
    max_render_pixels: int = 64_000_000
    min_render_dpi: int = Field(default=150, description="Lowest dpi a big page is rendered at to fit max_render_pixels.")
    max_image_pixels: int = 64_000_000
    max_inflated_stream_bytes: int = 256 * 1024 * 1024


class OcrPolicy(BaseModel):
    lang: str = "deu"
    dpi: int = Field(default=300, description="Render resolution for OCR; raised to the embedded scan's own resolution when finer.")
    max_dpi: int = Field(default=600, description="Upper bound when following a fine embedded scan (time grows with pixels).")
    workers: int = Field(default=2, ge=1, description="Pages OCRed in parallel; each Tesseract runs single-threaded.")
    page_timeout: float = Field(default=180.0, gt=0, description="Seconds one page may take in Tesseract before extraction fails.")
    psm: int = Field(default=3, description="Tesseract page segmentation mode (3 = automatic, its default).")
    min_page_confidence: float = Field(
        default=70.0, description="Mean word confidence (0–100) below which a page is flagged `low_confidence`."
    )
    text_layer_min_word_share: float = Field(
        default=0.90,
        description="Share of an OCR layer's lower-case words that must be German words for the layer to be trusted "
        "(clean seeds 001–004: 0.994–1.0; damaged seed 000: 0.933, caught by its lost umlauts). Names are not judged.",
    )
    text_layer_max_restorable_share: float = Field(
        default=0.02,
        description="Share of words that turn into German words once an umlaut is restored (`fur` → `für`) above "
        "which a layer counts as damaged (clean seeds: 0; damaged seed 000: 0.08).",
    )
    redo_damaged_layers: bool = Field(
        default=True,
        description="OCR pages whose text layer is damaged (`ocr_redo`); when off, the layer is kept and "
        "`normalise` restores its umlauts by dictionary (faster, CER ≈ 0.5 % instead of ≈ 0.2 %).",
    )
    preprocess: PreprocessSteps = Field(default_factory=PreprocessSteps)
    limits: ExtractionLimits = Field(default_factory=ExtractionLimits)

    @classmethod
    def from_settings(cls, settings: Settings) -> OcrPolicy:
        return cls(
            lang=settings.ocr_lang,
            dpi=settings.ocr_dpi,
            workers=settings.ocr_workers,
            page_timeout=settings.ocr_page_timeout,
            limits=ExtractionLimits(
                max_pages=settings.max_pdf_pages,
                max_render_pixels=settings.max_render_pixels,
                max_image_pixels=settings.max_image_pixels,
                max_inflated_stream_bytes=settings.max_inflated_stream_bytes,
            ),
        )
