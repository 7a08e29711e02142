"""Archive: minutes that no council system serves any more, from a folder of PDFs or a list of URLs.

An admin backfilling old years knows more than any file can say, so metadata comes first from
a sidecar (`x.pdf.json` or `x.json` beside `x.pdf`), then from the file name
(`2019-07-04_Sozialausschuss_Niederschrift.pdf`, `Niederschrift ASGI 04.07.2019.pdf`).
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from schemas.errors import ConfigurationError
from schemas.pipeline import AgendaEntry, DocumentRef, SourceMeeting
from tasks.sources.html import berlin_datetime, parse_german_date, parse_times

log = logging.getLogger("ratsflow.sources.archive")

COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
DATE_IN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{2,4}|(?<!\d)\d{8}(?!\d)")
DOCUMENT_WORDS = re.compile(
    r"^(?:niederschrift|protokoll|ergebnisprotokoll|wortprotokoll|sitzung|öffentlich|oeffentlich|"
    r"nichtöffentlich|nö|ö|teil|der|des|vom|am|final|scan|pdf)$",
    re.IGNORECASE,
)


def metadata_from_name(stem: str) -> dict[str, str]:
    """Date and committee from a file name; words naming the document type are not the committee."""
    meta: dict[str, str] = {}
    compact = COMPACT_DATE.search(stem)
    day = parse_german_date(stem) or (parse_german_date(f"{compact[3]}.{compact[2]}.{compact[1]}") if compact else None)
    if day:
        meta["date"] = day.isoformat()
    words = [w for w in re.split(r"[\s_]+", DATE_IN_NAME.sub(" ", stem)) if w.strip("-.")]
    committee = [w.strip("-.") for w in words if not DOCUMENT_WORDS.match(w.strip("-."))]
    if committee:
        meta["committee"] = " ".join(committee)
    return meta


def sidecar_metadata(pdf: Path) -> dict:
    for candidate in (pdf.with_name(pdf.name + ".json"), pdf.with_suffix(".json")):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise ConfigurationError(f"sidecar {candidate} is not valid UTF-8 JSON: {err}") from err
            if not isinstance(data, dict):
                raise ConfigurationError(f"sidecar {candidate} must hold a JSON object")
            return data
    return {}


def agenda_from_metadata(value: object) -> list[AgendaEntry]:
    """Agenda as strings ('Ö 1 Eröffnung' or just titles) or as objects with number/name/public."""
    entries = []
    for order, item in enumerate(value if isinstance(value, list) else [], start=1):
        if isinstance(item, str):
            m = re.match(r"^((?:[ÖN]\s*)?\d+(?:\.\d+)*)\.?\s+(.+)$", item.strip())
            number, name = (m.group(1), m.group(2)) if m else (None, item.strip())
            public = not (number or "").startswith("N")
            entries.append(AgendaEntry(number=number, name=name, public=public, order=order))
        elif isinstance(item, dict):
            number = str(item["number"]) if item.get("number") is not None else None
            public = item.get("public", not (number or "").startswith("N"))
            name = str(item.get("name") or item.get("title") or "")
            entries.append(AgendaEntry(number=number, name=name, public=bool(public), order=order))
    return entries


def archive_meeting(*, key: str, url: str, source: str, meta: dict, fallback_name: str) -> SourceMeeting:
    """One archived minutes file as a meeting of its own; a date without a time starts at midnight."""
    when = str(meta.get("date") or "")
    start_time, end_time = parse_times(when)
    day = parse_german_date(when)
    if when and day is None:
        log.warning("%s: cannot read date %r", key, when)
    committee = meta.get("committee") or meta.get("organization")
    return SourceMeeting(
        external_id=f"archive:{key}",
        source=source,
        body=meta.get("body") or None,
        organization=committee or None,
        name=meta.get("title") or committee or fallback_name,
        start=berlin_datetime(day, start_time),
        end=berlin_datetime(day, end_time) if end_time else None,
        agenda=agenda_from_metadata(meta.get("agenda")),
        documents=[
            DocumentRef(
                external_id=url,
                role="verbatim_protocol" if meta.get("role") == "verbatim_protocol" else "results_protocol",
                url=url,
                name=meta.get("title") or fallback_name,
                mime_type="application/pdf" if url.lower().endswith(".pdf") else None,
            )
        ],
    )


def discover_folder(folder: Path) -> Iterator[SourceMeeting]:
    """Every PDF below `folder` (sorted, so runs are repeatable); the relative path is the stable key."""
    for pdf in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"):
        meta = {**metadata_from_name(pdf.stem), **sidecar_metadata(pdf)}
        key = pdf.relative_to(folder).as_posix()
        url = pdf.resolve().as_uri()
        yield archive_meeting(key=key, url=url, source=str(folder), meta=meta, fallback_name=pdf.stem)


def list_rows(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigurationError(f"{path}: cannot read the list ({err}); expected UTF-8 CSV or JSON") from err
    if path.suffix.lower() == ".json":
        rows = data.get("documents", data.get("items")) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise ConfigurationError(f"{path}: expected a JSON list of objects (or {{'documents': [...]}})")
        return [r for r in rows if isinstance(r, dict)]
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:  # a single column (just urls) has no delimiter to find
        dialect = csv.excel
    return list(csv.DictReader(text.splitlines(), dialect=dialect))


def discover_list(path: Path) -> Iterator[SourceMeeting]:
    """Rows with `url` (and body, committee, date, title); relative paths are taken from the list's folder."""
    seen: set[str] = set()
    for line, row in enumerate(list_rows(path), start=1):
        row = {str(k).strip().lower(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
        target = row.get("url") or ""
        if not target:
            log.warning("%s: entry %d has no url; skipped", path, line)
            continue
        if not urlsplit(target).scheme or len(urlsplit(target).scheme) == 1:  # 'C:' is a drive, not a scheme
            target = (path.parent / target).resolve().as_uri()
        if target in seen:
            log.warning("%s: %s listed twice; the first entry wins", path, target)
            continue
        seen.add(target)
        name = Path(unquote(urlsplit(target).path)).stem
        meta = {**metadata_from_name(name), **{k: v for k, v in row.items() if v not in (None, "")}}
        yield archive_meeting(key=target, url=target, source=str(path), meta=meta, fallback_name=name)


def discover_archive(location: str | Path) -> Iterator[SourceMeeting]:
    """Meetings from a folder of PDFs or a CSV/JSON list of document URLs."""
    text = str(location)
    path = Path(unquote(urlsplit(text).path)) if text.startswith("file://") else Path(text)
    path = path.expanduser().resolve()
    if path.is_dir():
        yield from discover_folder(path)
    elif path.is_file() and path.suffix.lower() in {".csv", ".tsv", ".txt", ".json"}:
        yield from discover_list(path)
    elif path.is_file() and path.suffix.lower() == ".pdf":
        yield from (m for m in discover_folder(path.parent) if m.documents[0].url == path.as_uri())
    else:
        raise ConfigurationError(f"archive {location}: expected a folder of PDFs or a .csv/.json list of URLs")
