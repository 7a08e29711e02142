"""discover: walk an OParl system (System → Body → meeting list) and yield its meetings.

Real servers break their own standard (see docs/SOURCES.md); this walker tolerates what
costs nothing to tolerate and says so in a warning, and stops lists that loop.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.pipeline import AgendaEntry, DocumentRef, SourceMeeting
from tasks.errors import SourceInvalid
from tasks.http import HttpClient

log = logging.getLogger("ratsflow.discover")

MAX_PAGES = 10_000
MINUTES_NAME = re.compile(r"niederschrift|protokoll", re.IGNORECASE)


def parse_oparl_json(raw: bytes, url: str) -> dict:
    """Parse a server answer; unescaped control characters are common and harmless, so allowed."""
    try:
        data = json.loads(raw.decode("utf-8", "replace"), strict=False)
    except json.JSONDecodeError as err:
        raise SourceInvalid(f"{url} did not answer with JSON ({err.msg} at char {err.pos})") from err
    if isinstance(data, dict) and "error" in data and "type" not in data and "data" not in data:
        raise SourceInvalid(f"{url} answered with an error object: {data['error']}")
    if not isinstance(data, dict):
        raise SourceInvalid(f"{url} answered with JSON {type(data).__name__}, expected an object")
    return data


def parse_datetime(value: object) -> datetime | None:
    """OParl dates as servers really send them: None for 'N/A' or garbage, repaired '+01::00' offsets."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = re.sub(r"([+-]\d{2}):+(\d{2})$", r"\1:\2", value.strip())
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        log.warning("ignoring unparsable date %r", value)
        return None


def as_list(value: object) -> list:
    """Servers put an object where a list belongs and vice versa."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def iter_list(client: HttpClient, url: str, params: dict[str, str] | None = None) -> Iterator[dict]:
    """Follow `links.next` through an OParl list, ending (with a warning) on a URL seen twice."""
    seen: set[str] = set()
    next_url: str | None = url
    first = True
    for _ in range(MAX_PAGES):
        if not next_url:
            return
        if next_url in seen:
            log.warning("list %s links back to %s; stopping this list", url, next_url)
            return
        seen.add(next_url)
        page = parse_oparl_json(client.get_bytes(next_url, params if first else None), next_url)
        first = False
        for item in as_list(page.get("data")):
            if isinstance(item, dict):
                yield item
        links = page.get("links") if isinstance(page.get("links"), dict) else {}
        next_url = links.get("next")
    log.warning("list %s has more than %d pages; stopping", url, MAX_PAGES)


def resolve(client: HttpClient, value: object) -> dict | None:
    """An embedded object as is, a referenced one (a URL) fetched on demand."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return parse_oparl_json(client.get_bytes(value), value)
    return None


def document_refs(meeting: dict) -> list[DocumentRef]:
    """The minutes files of a meeting, each with the role it plays."""
    refs: list[DocumentRef] = []
    candidates: list[tuple[str, object]] = [
        ("results_protocol", meeting.get("resultsProtocol")),
        ("verbatim_protocol", meeting.get("verbatimProtocol")),
    ]
    candidates += [("auxiliary_file", f) for f in as_list(meeting.get("auxiliaryFile"))]
    for role, file in candidates:
        if not isinstance(file, dict):
            continue
        name = file.get("name") or file.get("fileName") or ""
        if role == "auxiliary_file" and not MINUTES_NAME.search(name):
            continue
        url = file.get("downloadUrl") or file.get("accessUrl")
        if not url or not file.get("id"):
            log.warning("file %s of meeting %s has no usable URL", file.get("id"), meeting.get("id"))
            continue
        refs.append(
            DocumentRef(
                external_id=file["id"],
                role=role,
                url=url,
                name=name or None,
                mime_type=file.get("mimeType"),
                size=file.get("size") if isinstance(file.get("size"), int) else None,
                modified=parse_datetime(file.get("modified")),
            )
        )
    return refs


def agenda_entries(meeting: dict) -> list[AgendaEntry]:
    entries = []
    for item in as_list(meeting.get("agendaItem")):
        if not isinstance(item, dict):
            continue
        entries.append(
            AgendaEntry(
                external_id=item.get("id"),
                number=str(item["number"]) if item.get("number") is not None else None,
                name=item.get("name") or "",
                public=item.get("public") is not False,
                order=item.get("order") if isinstance(item.get("order"), int) else None,
            )
        )
    return entries


def meeting_from_oparl(item: dict, *, source: str, body_name: str | None, organizations: dict[str, str]) -> SourceMeeting:
    org_names = [organizations.get(o, o) for o in as_list(item.get("organization")) if isinstance(o, str)]
    return SourceMeeting(
        external_id=item["id"],
        source=source,
        body=body_name,
        organization=", ".join(org_names) or None,
        name=item.get("name"),
        start=parse_datetime(item.get("start")),
        end=parse_datetime(item.get("end")),
        deleted=bool(item.get("deleted")),
        modified=parse_datetime(item.get("modified")),
        agenda=agenda_entries(item),
        documents=document_refs(item),
    )


def discover_meetings(
    system_url: str, client: HttpClient, *, modified_since: datetime | None = None
) -> Iterator[SourceMeeting]:
    """Every meeting of every body of an OParl system, with agenda and minutes files."""
    system = parse_oparl_json(client.get_bytes(system_url), system_url)
    bodies_url = system.get("body")
    if not isinstance(bodies_url, str):
        raise SourceInvalid(f"{system_url} is not an OParl System (no `body` list URL)")
    params = {"modified_since": modified_since.isoformat(timespec="seconds")} if modified_since else None
    for body in iter_list(client, bodies_url):
        body_name = body.get("name") or body.get("shortName")
        organizations: dict[str, str] = {}
        if isinstance(body.get("organization"), str):
            for org in iter_list(client, body["organization"]):
                if org.get("id"):
                    organizations[org["id"]] = org.get("name") or org.get("shortName") or org["id"]
        meeting_list = body.get("meeting")
        if not isinstance(meeting_list, str):
            log.warning("body %s has no meeting list", body.get("id"))
            continue
        for item in iter_list(client, meeting_list, params):
            if not item.get("id"):
                log.warning("skipping a meeting without id in %s", meeting_list)
                continue
            yield meeting_from_oparl(item, source=system_url, body_name=body_name, organizations=organizations)


def _discover_all(system_url: str, client: HttpClient, modified_since: datetime | None = None) -> list[SourceMeeting]:
    return list(discover_meetings(system_url, client, modified_since=modified_since))


discover_meetings_task = task(
    name="discover",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=[5, 30],
)(_discover_all)
