"""One typed settings object, read from `RATSFLOW_*` environment variables and passed in."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RATSFLOW_", extra="ignore")

    data_dir: Path | str = Field(
        default=Path("data"),
        description="Where blobs and the default SQLite database live: a path, a file:// URL, or an fsspec URL "
        "such as s3://bucket/prefix (blobs only; then database_url is required).",
    )
    blob_cache_dir: Path | None = Field(
        default=None,
        description="Local copies of blobs kept on remote storage (s3://…), which extraction reads; "
        "default ratsflow-blob-cache in the OS temp folder.",
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/ratsflow.db")
    ocr_lang: str = "deu"
    ocr_dpi: int = 300
    ocr_workers: int = Field(default=2, description="Pages OCRed in parallel (Tesseract itself runs single-threaded).")
    ocr_page_timeout: float = Field(default=180.0, description="Seconds one page may take in Tesseract.")
    http_timeout: float = 30.0
    http_retries: int = 4
    http_backoff: float = Field(default=0.5, description="First retry delay in seconds; doubles each attempt.")
    http_connect_timeout: float = Field(default=10.0, gt=0, description="Seconds to wait for a connection (capped by http_timeout).")
    max_download_bytes: int = Field(
        default=200 * 1024 * 1024, description="Largest file downloaded; checked on Content-Length first, then while reading."
    )
    download_deadline: float = Field(
        default=600.0, gt=0, description="Seconds one download may take in all, however steadily the server trickles bytes."
    )
    max_json_bytes: int = Field(
        default=16 * 1024 * 1024,
        description="Largest API answer (an OParl page or object) read; parsing JSON costs many times its size in memory.",
    )
    oparl_max_pages: int = Field(default=10_000, ge=1, description="Pages read from one OParl list before it counts as endless.")
    max_pdf_pages: int = Field(default=1000, ge=1, description="Pages a minutes file may have; longer ones are refused unread.")
    max_render_pixels: int = Field(
        default=64_000_000, ge=1, description="Pixels one page may be rendered to for OCR (A3 at 560 dpi); checked from the page box."
    )
    max_image_pixels: int = Field(
        default=64_000_000, ge=1, description="Declared pixels of an image on a page to OCR; a larger one is a pixel bomb."
    )
    max_inflated_stream_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1, description="Bytes one compressed PDF stream may inflate to (a Flate bomb is refused)."
    )
    user_agent: str = Field(
        default="ratsflow/{version} (+https://github.com/ratsflow/ratsflow)",
        description="User-Agent of every request; `{version}` becomes the installed ratsflow version.",
    )
    http_per_host_concurrency: int = Field(default=2, ge=1, description="Requests open at once to one host (per process).")
    http_min_interval: float = Field(
        default=0.1, ge=0, description="Seconds between the starts of two requests to one host (per process)."
    )
    extra_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts besides the source's own that ratsflow may fetch from (files on a CDN, say); "
        "'.example.de' also allows every subdomain. Environment: a JSON list.",
    )

    @field_validator("data_dir", mode="before")
    @classmethod
    def _path_or_url(cls, value: object) -> object:
        return local_path_or_url(value) if isinstance(value, str | Path) else value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        if isinstance(self.data_dir, str):
            raise ValueError(f"data_dir {self.data_dir} is not a local folder: set database_url (RATSFLOW_DATABASE_URL)")
        return f"sqlite:///{self.data_dir / 'ratsflow.db'}"


def local_path_or_url(value: str | Path) -> Path | str:
    """A path or file:// URL as a Path; any other URL (s3://bucket/prefix) stays a string.

    Path() would fold the URL's '//' and lose the bucket, so remote roots are kept as text.
    """
    if isinstance(value, Path):
        return value
    parts = urlsplit(value)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path))
    if len(parts.scheme) > 1:  # one letter: a Windows drive
        return value.rstrip("/")
    return Path(value)
