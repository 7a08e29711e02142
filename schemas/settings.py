"""One typed settings object, read from `RATSFLOW_*` environment variables and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RATSFLOW_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where blobs and the default SQLite database live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/ratsflow.db")
    ocr_lang: str = "deu"
    ocr_dpi: int = 300
    ocr_workers: int = Field(default=2, description="Pages OCRed in parallel (Tesseract itself runs single-threaded).")
    ocr_page_timeout: float = Field(default=180.0, description="Seconds one page may take in Tesseract.")
    http_timeout: float = 30.0
    http_retries: int = 4
    http_backoff: float = Field(default=0.5, description="First retry delay in seconds; doubles each attempt.")
    max_download_bytes: int = 200 * 1024 * 1024
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

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ratsflow.db'}"
