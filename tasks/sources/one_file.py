"""A single minutes file (URL or local path) as a meeting of its own, for `ingest_document`.

The file joins the archive source of its folder (local) or its host (URL), with metadata from
the operator's parameters first, then a sidecar JSON, then the file name.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from schemas.errors import ConfigurationError
from schemas.pipeline import SourceMeeting
from tasks.sources.archive import archive_meeting, metadata_from_name, sidecar_metadata


def meeting_for_file(
    location: str, *, body: str | None = None, committee: str | None = None, meeting_date: date | None = None
) -> SourceMeeting:
    """The meeting a lone minutes file stands for; its one document is the file itself."""
    parts = urlsplit(location)
    overrides = {k: v for k, v in {"body": body, "committee": committee,
                                   "date": meeting_date.isoformat() if meeting_date else None}.items() if v}
    if parts.scheme in ("http", "https"):
        name = Path(unquote(parts.path)).stem or parts.hostname or "document"
        meta = {**metadata_from_name(name), **overrides}
        source = f"{parts.scheme}://{parts.netloc}/"
        return archive_meeting(key=location, url=location, source=source, meta=meta, fallback_name=name)
    path = Path(unquote(parts.path) if parts.scheme == "file" else location).expanduser().resolve()
    if not path.is_file():
        raise ConfigurationError(f"{location}: no such file")
    meta = {**metadata_from_name(path.stem), **sidecar_metadata(path), **overrides}
    return archive_meeting(key=path.name, url=path.as_uri(), source=str(path.parent), meta=meta, fallback_name=path.stem)
