"""OParl: walk an OParl system (System → Body → meeting list) and collect its meetings.

Real servers break their own standard (see docs/SOURCES.md, "OParl"); this walker tolerates
what costs nothing to tolerate, says so in a warning, and stops lists that loop. Whatever costs
data stays visible: a file without a URL still arrives (url "") so the flow records it as
failed, and a list that could not be read to its end gets no watermark, so the next
incremental run asks for it again.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from schemas.clock import as_utc
from schemas.errors import RatsflowError, SourceInvalid, SourceUnavailable
from schemas.pipeline import AgendaEntry, Discovery, DocumentRef, SourceMeeting
from schemas.secrets import redacted_url
from tasks.http import HttpClient, HttpRejected
from tasks.sources.file_names import ATTACHMENT_WORD, minutes_role
from tasks.sources.watermarks import detect_placeholder_timestamps

log = logging.getLogger("ratsflow.discover")

MAX_PAGES = 10_000
MAX_EMPTY_PAGES = 3  # consecutive empty pages that still link on: the server pages into nothing
APPROVAL_ITEM = re.compile(r"genehmigung|billigung|anerkennung|einwendungen gegen", re.IGNORECASE)
FILTER = "modified_since"
# The reason the flow records for a file the source lists without any address to download it from.
NO_FILE_URL = "file has no downloadUrl/accessUrl"
FUTURE_SLACK = timedelta(days=1)  # a `modified` further ahead is a broken clock, not a watermark
MIME_TYPES = {
    "pdf": "application/pdf",
    "application/x-pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}

SinceLookup = Callable[[str], datetime | None]


@dataclass
class ListWalk:
    """One external list being read: whether it was read to its end, and what the filter did."""

    url: str
    since: datetime | None = None
    complete: bool = True
    held_back: datetime | None = None  # oldest meeting whose parts could not be fetched this time
    filter_ignored: bool = False
    meetings: list[SourceMeeting] = field(default_factory=list)

    def safe_watermark(self) -> datetime | None:
        """The newest plausible `modified`, but never past a meeting that still lacks parts."""
        if not self.complete:
            return None
        horizon = datetime.now(UTC) + FUTURE_SLACK
        seen = [as_utc(m.modified) for m in self.meetings if m.modified and as_utc(m.modified) <= horizon]
        if not seen:
            return None
        newest = max(seen)
        return min(newest, self.held_back) if self.held_back else newest


# ── Parsing what servers send ─────────────────────────────────────────────────────────────────


def parse_oparl_json(raw: bytes, url: str) -> dict:
    """Parse a server answer; unescaped control characters are common and harmless, so allowed."""
    data = parse_json(raw, url)
    if not isinstance(data, dict):
        raise SourceInvalid(f"{url} answered with JSON {type(data).__name__}, expected an object")
    return data


def parse_json(raw: bytes, url: str) -> dict | list:
    try:
        data = json.loads(raw.decode("utf-8", "replace"), strict=False)
    except json.JSONDecodeError as err:
        raise SourceInvalid(f"{url} did not answer with JSON ({err.msg} at char {err.pos})") from err
    if isinstance(data, dict) and "error" in data and "type" not in data and "data" not in data:
        raise SourceInvalid(f"{url} answered with an error object: {data['error']}")
    if not isinstance(data, dict | list):
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


def format_since(value: datetime) -> str:
    """`modified_since` in UTC, whole seconds, 'Z': servers reject microseconds, and a '+' needs escaping."""
    return as_utc(value).astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_list(value: object) -> list:
    """Servers put an object where a list belongs and vice versa."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def is_url(value: object) -> bool:
    """An http(s) URL that parses (`http://[::1` does not, and would break whatever reads it later)."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return False
    try:
        return bool(urlsplit(value).netloc)
    except ValueError:
        return False


def is_link(value: object) -> bool:
    """Any absolute URL, whatever its scheme: what a server put where a download address belongs."""
    return isinstance(value, str) and bool(re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", value))


def page_items(page: dict | list) -> tuple[list, str | None]:
    """A list page's objects and next link; a bare JSON list (`[]` included) is a page without next."""
    if isinstance(page, list):
        return page, None
    if "data" not in page and page.get("id"):
        return [page], None  # one object where a list page belongs
    links = page.get("links") if isinstance(page.get("links"), dict) else {}
    next_url = links.get("next") or page.get("nextPage")  # pre-1.0 drafts put it at the top
    return as_list(page.get("data")), next_url if is_url(next_url) else None


# ── Lists ─────────────────────────────────────────────────────────────────────────────────────


def iter_list(
    client: HttpClient,
    url: str,
    params: dict[str, str] | None = None,
    *,
    walk: ListWalk | None = None,
    notes: Discovery | None = None,
    max_pages: int = MAX_PAGES,
) -> Iterator[dict]:
    """Follow `links.next` through an OParl list, each object once, ending (with a warning) on a loop.

    With `params` (a filter), the filter is put back on next links that dropped it, and a
    first page answered 404 or `[]` means "nothing changed". A page that fails for good after
    the first ends the list early: `walk.complete` turns False.
    """
    notes = notes or Discovery()
    walk = walk or ListWalk(url)
    seen_pages: set[str] = set()
    seen_ids: set[str] = set()
    next_url: str | None = url
    empty_pages = 0
    dropped_filter_warned = False
    for number in range(1, max_pages + 1):
        if not next_url:
            return
        if next_url in seen_pages:
            notes.warn(f"list {url} links back to {next_url}; stopping this list")
            return
        seen_pages.add(next_url)
        page_params = None
        if params and number == 1:
            page_params = params
        elif params:
            query = parse_qs(urlsplit(next_url).query)
            page_params = {k: v for k, v in params.items() if k not in query}
            if page_params and not dropped_filter_warned:
                notes.warn(f"list {url} dropped {', '.join(page_params)} from its next link; adding it back")
                dropped_filter_warned = True
        try:
            page = parse_json(client.get_bytes(next_url, page_params), next_url)
        except HttpRejected as err:
            if params and number == 1 and err.status == 404:
                log.info("filtered list %s answered 404: no changes", url)
                return
            if params and number == 1 and err.status == 400:
                notes.warn(f"list {url} refused the {', '.join(params)} filter (HTTP 400); reading it in full")
                walk.filter_ignored = notes.filter_ignored = True
                yield from iter_list(client, url, walk=walk, notes=notes, max_pages=max_pages)
                return
            if number == 1:
                raise
            notes.warn(f"list {url} broke off at page {number}: {err}")
            walk.complete = False
            return
        except SourceInvalid as err:
            if number == 1:
                raise
            notes.warn(f"list {url} broke off at page {number}: {err}")
            walk.complete = False
            return
        items, next_url = page_items(page)
        objects = list_objects(client, items, f"list {url} page {number}", walk, notes)
        if not objects:
            empty_pages += 1
            if next_url and empty_pages >= MAX_EMPTY_PAGES:
                notes.warn(f"list {url} keeps linking to empty pages; stopping after page {number}")
                walk.complete = False
                return
            continue
        empty_pages = 0
        fresh = [o for o in objects if not (isinstance(o.get("id"), str) and o["id"] in seen_ids)]
        if not fresh and next_url:
            notes.warn(f"list {url} page {number} repeats objects already seen; stopping this list")
            return
        for item in fresh:
            if isinstance(item.get("id"), str):
                seen_ids.add(item["id"])
            yield item
    notes.warn(f"list {url} has more than {max_pages} pages; stopping")
    walk.complete = False


def list_objects(client: HttpClient, items: list, where: str, walk: ListWalk, notes: Discovery) -> list[dict]:
    """A page's objects; entries given as URLs (a reference where an object belongs) are fetched.

    A reference that cannot be fetched now leaves the list incomplete, so no watermark moves
    past it and the next run lists it again.
    """
    objects: list[dict] = []
    for item in items:
        if isinstance(item, dict):
            objects.append(item)
        elif is_url(item):
            try:
                fetched = parse_json(client.get_bytes(item), item)
            except RatsflowError as err:
                notes.warn(f"{where}: {item} could not be fetched: {err}")
                walk.complete = False
                continue
            objects.append(fetched)
        else:
            notes.warn(f"{where} holds an entry that is neither an object nor a URL: {str(item)[:80]!r}")
    return objects


# ── Objects that may be embedded or referenced ────────────────────────────────────────────────


@dataclass
class Resolver:
    """Fetches referenced objects on demand; a reference that fails costs that part, never the meeting."""

    client: HttpClient | None
    notes: Discovery
    unavailable: bool = False  # a part could not be fetched *for now* (set per meeting)

    def objects(self, value: object, what: str) -> list[dict]:
        """Embedded objects as they are, referenced ones (URL strings) fetched; a list page is unpacked."""
        found: list[dict] = []
        for entry in as_list(value):
            if isinstance(entry, dict):
                found.append(entry)
            elif is_url(entry):
                found += self._fetch(entry, what)
            elif entry not in (None, ""):
                self.notes.warn(f"{what} is neither an object nor a URL: {str(entry)[:80]!r}")
        return found

    def _fetch(self, url: str, what: str) -> list[dict]:
        if self.client is None:
            self.notes.warn(f"{what} {url} is a reference and no client was given to fetch it")
            return []
        try:
            data = parse_json(self.client.get_bytes(url), url)
        except SourceUnavailable as err:
            self.notes.warn(f"{what} {url} could not be fetched for now: {err}")
            self.unavailable = True
            return []
        except RatsflowError as err:
            self.notes.warn(f"{what} {url} could not be fetched; the meeting comes without it: {err}")
            return []
        items, _ = page_items(data) if isinstance(data, list) or "data" in data else ([data], None)
        return [item for item in items if isinstance(item, dict)]


def is_minutes_file(file: dict) -> bool:
    """Named as the minutes themselves: 'Anlage 3 zur Niederschrift' is an attachment (`file_names`)."""
    name = str(file.get("name") or "")
    if minutes_role(name):
        return True
    return not ATTACHMENT_WORD.search(name) and minutes_role(str(file.get("fileName") or "")) is not None


def document_refs(meeting: dict, resolver: Resolver | None = None) -> list[DocumentRef]:
    """The minutes files of a meeting, each with the role it plays.

    A file without any download address is kept with url "" (see NO_FILE_URL): the flow
    records it as a failed document instead of it silently not existing.
    """
    resolver = resolver or Resolver(None, Discovery())
    meeting_id = meeting.get("id")
    candidates: list[tuple[str, dict]] = []
    for role, key in (("results_protocol", "resultsProtocol"), ("verbatim_protocol", "verbatimProtocol")):
        candidates += [(role, f) for f in resolver.objects(meeting.get(key), f"{key} of meeting {meeting_id}")]
    for file in resolver.objects(meeting.get("auxiliaryFile"), f"auxiliaryFile of meeting {meeting_id}"):
        if is_minutes_file(file):
            candidates.append(("auxiliary_file", file))
    for item in as_list(meeting.get("agendaItem")):
        # Only embedded items (referenced ones were fetched for the agenda already). An item that
        # approves minutes carries the *previous* meeting's, which belong to that meeting.
        if not isinstance(item, dict) or APPROVAL_ITEM.search(str(item.get("name") or "")):
            continue
        files = as_list(item.get("resolutionFile")) + as_list(item.get("auxiliaryFile"))
        what = f"files of agenda item {item.get('id')}"
        candidates += [("agenda_item_file", f) for f in resolver.objects(files, what) if is_minutes_file(f)]
    refs: list[DocumentRef] = []
    for position, (role, file) in enumerate(candidates):
        ref = document_ref(file, role, meeting_id, position, resolver.notes)
        if ref is not None and all(ref.external_id != known.external_id for known in refs):
            refs.append(ref)
    return refs


def document_ref(file: dict, role: str, meeting_id: object, position: int, notes: Discovery) -> DocumentRef | None:
    if file.get("deleted"):
        return None
    file_id = file.get("id") if isinstance(file.get("id"), str) else None
    label = file_id or f"{role} #{position} of meeting {meeting_id}"
    download, access = file.get("downloadUrl"), file.get("accessUrl")
    # A link that is no http(s) (file://, ftp://) is kept, so the fetch stage refuses it by name.
    url = next((u for u in (download, access) if is_url(u)), "") or next((u for u in (download, access) if is_link(u)), "")
    if download == "" and url:
        notes.warn(f"file {label} has an empty downloadUrl; using its accessUrl")
    if not url:
        notes.warn(f"file {label} has no downloadUrl/accessUrl; it is recorded as failed")
    if not file_id:
        notes.warn(f"file {label} has no id; identified by its URL")
    return DocumentRef(
        external_id=file_id or url or f"{meeting_id}#{role}-{position}",
        role=role,
        url=url,
        name=next((n for n in (file.get("name"), file.get("fileName")) if isinstance(n, str) and n), None),
        mime_type=mime_type(file.get("mimeType"), label, notes),
        size=file_size(file.get("size"), label, notes),
        modified=parse_datetime(file.get("modified")),
    )


def mime_type(value: object, label: str, notes: Discovery) -> str | None:
    """A full media type; 'pdf' or 'docx' are mapped and warned about (the fetch stage decides by content)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    if text in MIME_TYPES:
        notes.warn(f"file {label} declares mimeType {value!r}; read as {MIME_TYPES[text]}")
        return MIME_TYPES[text]
    return text


def file_size(value: object, label: str, notes: Discovery) -> int | None:
    """The declared size, or None when it cannot be true (0, negative, not a number)."""
    size = as_int(value)
    if size is not None and size > 0:
        return size
    if value is not None:
        notes.warn(f"file {label} declares size {value!r}; ignored")
    return None


def agenda_entries(meeting: dict, resolver: Resolver | None = None) -> list[AgendaEntry]:
    """The agenda as listed, section headers ("A Öffentliche Sitzung") included: the segmenter uses them."""
    resolver = resolver or Resolver(None, Discovery())
    entries = []
    for item in resolver.objects(meeting.get("agendaItem"), f"agendaItem of meeting {meeting.get('id')}"):
        if item.get("deleted"):
            continue
        number = item.get("number")
        entries.append(
            AgendaEntry(
                external_id=item.get("id") if isinstance(item.get("id"), str) else None,
                number=str(number).strip() or None if number is not None else None,
                name=str(item.get("name") or "").strip(),
                public=item.get("public") is not False,
                order=as_int(item.get("order")),
            )
        )
    return entries


@dataclass
class OrganizationNames:
    """Organization URL → name for one walk: the bodies' lists first, else the Organization itself, fetched once.

    OParl names a meeting's committee by the URL of its Organization; downstream apps filter
    by name, so an organization the body's list did not name is asked for on its own, once per
    run however many meetings cite it. One that cannot be read leaves the name empty (warning).
    """

    client: HttpClient | None
    notes: Discovery
    names: dict[str, str | None] = field(default_factory=dict)

    def name_of(self, url: str) -> str | None:
        if url not in self.names:
            found = Resolver(self.client, self.notes).objects(url, "organization")
            self.names[url] = next((o.get("name") or o.get("shortName") for o in found if o.get("name") or o.get("shortName")), None)
        return self.names[url]


def committee_of(value: object, organizations: OrganizationNames | dict[str, str]) -> tuple[str | None, str | None]:
    """(names, URLs) of a meeting's organizations, each joined by ', '; embedded objects name themselves."""
    if isinstance(organizations, dict):
        organizations = OrganizationNames(None, Discovery(), dict(organizations))
    names, urls = [], []
    for org in as_list(value):
        if isinstance(org, str) and org:
            urls.append(org)
            if name := organizations.name_of(org) if is_url(org) else org:
                names.append(name)
        elif isinstance(org, dict):
            if isinstance(org.get("id"), str):
                urls.append(org["id"])
            if org.get("name") or org.get("shortName"):
                names.append(org.get("name") or org.get("shortName"))
    return ", ".join(names) or None, ", ".join(urls) or None


def meeting_from_oparl(
    item: dict,
    *,
    source: str,
    body_name: str | None,
    organizations: OrganizationNames | dict[str, str],
    resolver: Resolver | None = None,
) -> SourceMeeting:
    """A SourceMeeting; a deleted stub needs nothing but its id (agenda and files are not asked for)."""
    deleted = bool(item.get("deleted"))
    committee, committee_url = (None, None) if deleted else committee_of(item.get("organization"), organizations)
    meeting = SourceMeeting(
        external_id=item["id"],
        source=source,
        body=body_name,
        organization=committee,
        organization_url=committee_url,
        name=item.get("name") if isinstance(item.get("name"), str) else None,
        start=parse_datetime(item.get("start")),
        end=parse_datetime(item.get("end")),
        deleted=deleted,
        modified=parse_datetime(item.get("modified")),
        agenda=[] if deleted else agenda_entries(item, resolver),
        documents=[] if deleted else document_refs(item, resolver),
    )
    # Only a listing whose referenced parts all arrived says which files are gone.
    meeting.documents_complete = not deleted and resolver is not None and not resolver.unavailable
    return meeting


# ── The walk ──────────────────────────────────────────────────────────────────────────────────


def since_lookup(since: datetime | Mapping[str, datetime | None] | SinceLookup | None) -> SinceLookup:
    if since is None:
        return lambda _url: None
    if isinstance(since, datetime):
        return lambda _url: since
    if isinstance(since, Mapping):
        return since.get
    return since


def walk_system(
    system_url: str,
    client: HttpClient,
    notes: Discovery,
    *,
    since: SinceLookup,
    max_pages: int = MAX_PAGES,
) -> Iterator[SourceMeeting]:
    """Every meeting of every body; what incremental sync needs is written into `notes` as lists end."""
    client.allow_host(urlsplit(system_url).hostname)
    shown = redacted_url(system_url)  # the request needs the credentials, no message may show them
    try:
        system = parse_oparl_json(client.get_bytes(system_url), shown)
    except SourceUnavailable as err:
        raise SourceUnavailable(f"the OParl API at {shown} is not answering usefully: {err}") from err
    bodies = system.get("body")
    if not bodies:
        raise SourceInvalid(f"{shown} is not an OParl System (no `body` list)")
    resolver = Resolver(client, notes)
    body_objects = iter_list(client, bodies, notes=notes, max_pages=max_pages) if is_url(bodies) else iter(
        resolver.objects(bodies, f"body of {shown}")
    )
    walked: set[str] = set()
    unreadable: list[str] = []
    names = OrganizationNames(client, notes)
    found = 0
    for body in body_objects:
        for meeting in walk_body(body, system_url, client, notes, since=since, max_pages=max_pages, walked=walked,
                                 names=names, unreadable=unreadable):  # fmt: skip
            found += 1
            yield meeting
    if walked and not found and len(unreadable) == len(walked):
        # nothing found because nothing could be read: a failed run, not an empty one
        raise SourceInvalid(f"no meeting list of {system_url} could be read: {unreadable[0]}")
    notes.placeholder = bool(notes.placeholder_lists)


def walk_body(
    body: dict,
    system_url: str,
    client: HttpClient,
    notes: Discovery,
    *,
    since: SinceLookup,
    max_pages: int,
    walked: set[str],
    names: OrganizationNames,
    unreadable: list[str],
) -> Iterator[SourceMeeting]:
    body_name = body.get("name") or body.get("shortName")
    names.names.update(body_organizations(body, client, notes, max_pages))
    organizations = names
    meeting_list = body.get("meeting")
    resolver = Resolver(client, notes)
    if isinstance(meeting_list, list):  # embedded (some 1.0 servers): no list URL, so no filter and no watermark
        for item in resolver.objects(meeting_list, f"meeting of body {body.get('id')}"):
            meeting = read_meeting(item, system_url, body_name, organizations, resolver, body.get("id"))
            if meeting is not None:
                yield meeting
        return
    if not is_url(meeting_list):
        notes.warn(f"body {body.get('id')} has no meeting list")
        return
    if meeting_list in walked:
        return
    walked.add(meeting_list)
    walk = ListWalk(meeting_list, since=since(meeting_list))
    params = {FILTER: format_since(walk.since)} if walk.since else None
    try:
        for item in iter_list(client, meeting_list, params, walk=walk, notes=notes, max_pages=max_pages):
            resolver.unavailable = False
            meeting = read_meeting(item, system_url, body_name, organizations, resolver, meeting_list)
            if meeting is None:
                continue
            check_against_filter(meeting, walk, notes)
            if resolver.unavailable and meeting.modified:
                held = as_utc(meeting.modified)
                walk.held_back = min(walk.held_back, held) if walk.held_back else held
            elif resolver.unavailable:
                walk.complete = False
            walk.meetings.append(meeting)
            yield meeting
    except SourceUnavailable:
        raise
    except RatsflowError as err:
        notes.warn(f"meeting list {meeting_list} of body {body.get('id')} could not be read: {err}")
        walk.complete = False
        if not walk.meetings:
            unreadable.append(str(err))  # names the list
    finish_list(walk, notes)


def read_meeting(
    item: dict, system_url: str, body_name: str | None, organizations: OrganizationNames, resolver: Resolver, where: object
) -> SourceMeeting | None:
    if not isinstance(item.get("id"), str) or not item["id"]:
        resolver.notes.warn(f"skipping a meeting without id in {where}")
        return None
    kind = item.get("type")
    if not kind and not item.get("deleted"):
        resolver.notes.warn(f"meeting {item['id']} has no type; read as a Meeting")
    elif kind and not str(kind).rstrip("/").endswith("/Meeting"):
        resolver.notes.warn(f"{item['id']} in a meeting list is a {kind}; skipped")
        return None
    return meeting_from_oparl(
        item, source=system_url, body_name=body_name, organizations=organizations, resolver=resolver
    )


def check_against_filter(meeting: SourceMeeting, walk: ListWalk, notes: Discovery) -> None:
    """A meeting older than the filter means the server ignored it: the listing is a full one."""
    if walk.since and meeting.modified and not walk.filter_ignored:
        if as_utc(meeting.modified) < as_utc(walk.since) - timedelta(seconds=1):
            walk.filter_ignored = True
            notes.filter_ignored = True
            notes.warn(f"list {walk.url} ignores {FILTER} (sent {format_since(walk.since)}); reading it in full")


def finish_list(walk: ListWalk, notes: Discovery) -> None:
    notes.lists[walk.url] = walk.safe_watermark()
    if detect_placeholder_timestamps(walk.meetings):
        notes.placeholder_lists.add(walk.url)
        notes.placeholder = True
        notes.warn(f"list {walk.url} serves placeholder `modified` timestamps; incremental sync reads it in full")


def body_organizations(body: dict, client: HttpClient, notes: Discovery, max_pages: int) -> dict[str, str | None]:
    """Organization id → name from the body's list; a broken list costs one request per organization later."""
    organizations: dict[str, str | None] = {}
    source = body.get("organization")
    try:
        if is_url(source):
            objects: Iterator[dict] | list[dict] = iter_list(client, source, notes=notes, max_pages=max_pages)
        else:
            objects = Resolver(client, notes).objects(source, f"organization of body {body.get('id')}")
        for org in objects:
            if isinstance(org.get("id"), str):
                organizations[org["id"]] = org.get("name") or org.get("shortName")
    except SourceUnavailable:
        raise
    except RatsflowError as err:
        notes.warn(f"organizations of body {body.get('id')} could not be read; each is asked for on its own: {err}")
    return organizations


def discover_oparl(
    system_url: str,
    client: HttpClient,
    *,
    since: datetime | Mapping[str, datetime | None] | SinceLookup | None = None,
    max_pages: int | None = None,
) -> Discovery:
    """Every meeting of an OParl system, plus the watermarks and warnings of the walk.

    A list longer than `max_pages` (default: the client's `oparl_max_pages` setting) counts as
    endless: a server that links to a next page forever must not keep a run going forever.

    `since` filters each meeting list by `modified_since`: one time for all lists, or per list
    URL (a mapping or a function, see `tasks.sources.watermarks.stored_since`). The system's host becomes
    the client's allowed host. A transient failure of a list page raises (retry the task);
    anything else becomes a warning.
    """
    found = Discovery()
    pages = max_pages or client.max_list_pages
    found.meetings = list(walk_system(system_url, client, found, since=since_lookup(since), max_pages=pages))
    return found
