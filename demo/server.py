"""A small OParl 1.1 server for the sample corpus, on the standard library only.

It behaves like a well-kept council system: paginated lists with `links.next`, `modified_since`
kept in every next link, absolute URLs built from the request's Host (so any port works),
embedded agenda items and results protocols, ETag/Last-Modified and 304 on the PDFs.
Tests use `serve_in_thread`; `replace_pdf` publishes a corrected minutes file the way real
systems do (same URL, new bytes, newer `modified`).

    python -m demo.server --port 8765 [--host 127.0.0.1] [--data DIR] [--page-size 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from demo.build import CorpusMeeting, SampleCorpus, build_sample_corpus, load_sample_corpus

OPARL = "https://schema.oparl.org/1.1/"
API = "/oparl/v1"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "out"
FILTERS = ("created_since", "created_until", "modified_since", "modified_until")


class BadRequest(ValueError):
    """A query parameter the server cannot honour (answered with 400 and an OParl-style error)."""


@dataclass
class PublishedPdf:
    """The bytes currently served for a meeting's minutes and when they last changed."""

    data: bytes
    modified: datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.data).hexdigest() + '"'


class SampleState:
    """What the server serves: the corpus index plus replacements made while it runs."""

    def __init__(self, corpus: SampleCorpus, page_size: int) -> None:
        self.corpus = corpus
        self.page_size = page_size
        self.requests: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._pdfs: dict[str, PublishedPdf] = {}
        self._modified: dict[str, datetime] = {m.id: m.modified for m in corpus.meetings}

    def pdf(self, meeting_id: str) -> PublishedPdf:
        with self._lock:
            if meeting_id not in self._pdfs:
                meeting = self.corpus.meeting(meeting_id)
                self._pdfs[meeting_id] = PublishedPdf(self.corpus.pdf_path(meeting_id).read_bytes(), meeting.modified)
            return self._pdfs[meeting_id]

    def modified(self, meeting_id: str) -> datetime:
        with self._lock:
            return self._modified[meeting_id]

    def replace_pdf(self, meeting_id: str, data: bytes) -> datetime:
        """Serves `data` for the meeting from now on; returns the new `modified` (strictly later)."""
        self.corpus.meeting(meeting_id)  # KeyError for unknown meetings
        with self._lock:
            previous = self._modified[meeting_id]
            now = datetime.now(UTC).replace(microsecond=0).astimezone(previous.tzinfo)
            modified = max(now, previous + timedelta(seconds=1))
            self._modified[meeting_id] = modified
            self._pdfs[meeting_id] = PublishedPdf(bytes(data), modified)
            return modified

    def log(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, path, status))

    def request_log(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self.requests)


# --- OParl objects --------------------------------------------------------------------------------


def _ts(value: datetime) -> str:
    return value.isoformat()


class OParlViews:
    """Builds OParl JSON objects with absolute URLs under `base` (scheme://host:port)."""

    def __init__(self, state: SampleState, base: str) -> None:
        self.state = state
        self.corpus = state.corpus
        self.base = base

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def _body_url(self) -> str:
        return self.url(f"{API}/body/{self.corpus.body_id}")

    def system(self) -> dict:
        created = min(o.created for o in self.corpus.organizations)
        return {
            "id": self.url(f"{API}/system"),
            "type": OPARL + "System",
            "oparlVersion": OPARL,
            "name": "Ratsinformationssystem (Beispiel) – Rhein-Sieg-Kreis",
            "body": self.url(f"{API}/bodies"),
            "vendor": "https://example.invalid/ratsflow",
            "product": "ratsflow demo server",
            "created": _ts(created),
            "modified": _ts(self._latest_modified()),
        }

    def _latest_modified(self) -> datetime:
        return max(self.state.modified(m.id) for m in self.corpus.meetings)

    def body(self) -> dict:
        body = self._body_url()
        created = min(o.created for o in self.corpus.organizations)
        return {
            "id": body,
            "type": OPARL + "Body",
            "system": self.url(f"{API}/system"),
            "name": self.corpus.body_name,
            "shortName": "RSK",
            "organization": f"{body}/organizations",
            "meeting": f"{body}/meetings",
            "paper": f"{body}/papers",
            "person": f"{body}/people",
            "legislativeTerm": [],
            "created": _ts(created),
            "modified": _ts(self._latest_modified()),
        }

    def organization(self, org_id: str) -> dict:
        org = next((o for o in self.corpus.organizations if o.id == org_id), None)
        if org is None:
            raise KeyError(org_id)
        return {
            "id": self.url(f"{API}/organization/{org.id}"),
            "type": OPARL + "Organization",
            "body": self._body_url(),
            "name": org.name,
            "shortName": org.short_name,
            "classification": org.classification,
            "organizationType": "Gremium",
            "meeting": [self.url(f"{API}/meeting/{m.id}") for m in self.corpus.meetings if m.organization == org.id],
            "created": _ts(org.created),
            "modified": _ts(org.modified),
        }

    def file(self, meeting_id: str) -> dict:
        meeting = self.corpus.meeting(meeting_id)
        published = self.state.pdf(meeting_id)
        pdf_url = self.url(f"/files/{meeting.pdf}")
        return {
            "id": self.url(f"{API}/file/{meeting.id}"),
            "type": OPARL + "File",
            "name": f"Niederschrift {meeting.name}",
            "fileName": meeting.pdf,
            "mimeType": "application/pdf",
            "date": meeting.start.date().isoformat(),
            "size": len(published.data),
            "sha512Checksum": hashlib.sha512(published.data).hexdigest(),
            "accessUrl": pdf_url,
            "downloadUrl": pdf_url,
            "meeting": [self.url(f"{API}/meeting/{meeting.id}")],
            "created": _ts(meeting.created),
            "modified": _ts(published.modified),
        }

    def agenda_item(self, meeting: CorpusMeeting, index: int) -> dict:
        item = meeting.agenda_items[index]
        data = {
            "id": self.url(f"{API}/agendaitem/{item.id}"),
            "type": OPARL + "AgendaItem",
            "meeting": self.url(f"{API}/meeting/{meeting.id}"),
            "number": item.number,
            "order": item.order,
            "name": item.name,
            "public": item.public,
            "created": _ts(meeting.created),
            "modified": _ts(self.state.modified(meeting.id)),
        }
        if item.result:
            data["result"] = item.result
        return data

    def meeting(self, meeting_id: str) -> dict:
        meeting = self.corpus.meeting(meeting_id)
        return {
            "id": self.url(f"{API}/meeting/{meeting.id}"),
            "type": OPARL + "Meeting",
            "name": meeting.name,
            "meetingState": "durchgeführt",
            "cancelled": False,
            "start": _ts(meeting.start),
            "end": _ts(meeting.end),
            "location": {"type": OPARL + "Location", "description": meeting.location},
            "organization": [self.url(f"{API}/organization/{meeting.organization}")],
            "agendaItem": [self.agenda_item(meeting, i) for i in range(len(meeting.agenda_items))],
            "resultsProtocol": self.file(meeting.id),
            "created": _ts(meeting.created),
            "modified": _ts(self.state.modified(meeting.id)),
        }

    def agenda_item_by_id(self, item_id: str) -> dict:
        for meeting in self.corpus.meetings:
            for index, item in enumerate(meeting.agenda_items):
                if item.id == item_id:
                    return self.agenda_item(meeting, index)
        raise KeyError(item_id)

    # lists

    def paged_list(self, path: str, objects: list[dict], query: dict[str, str]) -> dict:
        """One page of an external object list, filters kept in every link."""
        try:
            page = int(query.get("page", "1"))
        except ValueError as err:
            raise BadRequest(f"page must be a whole number, got {query.get('page')!r}") from err
        if page < 1:
            raise BadRequest("page starts at 1")
        size = self.state.page_size
        total_pages = max(1, math.ceil(len(objects) / size))
        kept = {k: query[k] for k in FILTERS if k in query}

        def link(number: int) -> str:
            return self.url(path) + "?" + urlencode({**kept, "page": number})

        links = {"first": link(1), "self": link(page), "last": link(total_pages)}
        if page > 1:
            links["prev"] = link(min(page - 1, total_pages))
        if page < total_pages:
            links["next"] = link(page + 1)
        return {
            "data": objects[(page - 1) * size : page * size],
            "pagination": {"totalElements": len(objects), "elementsPerPage": size,
                           "currentPage": page, "totalPages": total_pages},
            "links": links,
        }

    def meetings(self, query: dict[str, str]) -> list[dict]:
        bounds = {name: _parse_filter(name, query[name]) for name in FILTERS if name in query}
        chosen = []
        for meeting in sorted(self.corpus.meetings, key=lambda m: (m.start, m.id)):
            created, modified = meeting.created, self.state.modified(meeting.id)
            if "created_since" in bounds and created < bounds["created_since"]:
                continue
            if "created_until" in bounds and created > bounds["created_until"]:
                continue
            if "modified_since" in bounds and modified < bounds["modified_since"]:
                continue
            if "modified_until" in bounds and modified > bounds["modified_until"]:
                continue
            chosen.append(self.meeting(meeting.id))
        return chosen


def _parse_filter(name: str, value: str) -> datetime:
    # An unencoded "+01:00" arrives as " 01:00" after query decoding; read it as meant.
    text = value.strip().replace(" ", "+")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as err:
        raise BadRequest(f"{name} must be an ISO 8601 date-time, got {value!r}") from err
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- HTTP -------------------------------------------------------------------------------------------


class OParlRequestHandler(BaseHTTPRequestHandler):
    server_version = "ratsflow-demo/1.0"
    server: SampleHTTPServer

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.server.state.log(self.command, self.path, int(code) if isinstance(code, int) else 0)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log above is the record; stderr stays quiet in tests

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def _base(self) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}"

    def _dispatch(self, *, head: bool) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        views = OParlViews(self.server.state, self._base())
        path = split.path.rstrip("/") or "/"
        try:
            if path.startswith("/files/"):
                self._send_pdf(path.removeprefix("/files/"), head)
                return
            self._send_json(self._route(views, path, query), head=head)
        except BadRequest as err:
            self._send_json(_error(str(err)), status=400, head=head)
        except KeyError:
            self._send_json(_error(f"no object at {split.path}"), status=404, head=head)

    def _route(self, views: OParlViews, path: str, query: dict[str, str]) -> dict:
        corpus = views.corpus
        body = f"{API}/body/{corpus.body_id}"
        if path in (API, f"{API}/system"):
            return views.system()
        if path == f"{API}/bodies":
            return views.paged_list(path, [views.body()], query)
        if path == body:
            return views.body()
        if path == f"{body}/organizations":
            return views.paged_list(path, [views.organization(o.id) for o in corpus.organizations], query)
        if path == f"{body}/meetings":
            return views.paged_list(path, views.meetings(query), query)
        if path in (f"{body}/papers", f"{body}/people"):
            return views.paged_list(path, [], query)
        for prefix, view in ((f"{API}/meeting/", views.meeting), (f"{API}/file/", views.file),
                             (f"{API}/organization/", views.organization),
                             (f"{API}/agendaitem/", views.agenda_item_by_id)):
            if path.startswith(prefix):
                return view(path.removeprefix(prefix))
        raise KeyError(path)

    def _send_json(self, payload: dict, *, status: int = 200, head: bool = False) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _send_pdf(self, name: str, head: bool) -> None:
        meeting = next((m for m in self.server.state.corpus.meetings if m.pdf == name), None)
        if meeting is None:
            raise KeyError(name)
        published = self.server.state.pdf(meeting.id)
        last_modified = format_datetime(published.modified.astimezone(UTC), usegmt=True)
        if _not_modified(self.headers, published):
            self.send_response(304)
            self.send_header("ETag", published.etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(published.data)))
        self.send_header("ETag", published.etag)
        self.send_header("Last-Modified", last_modified)
        self.send_header("Content-Disposition", f'inline; filename="{name}"')
        self.end_headers()
        if not head:
            self.wfile.write(published.data)


def _not_modified(headers, published: PublishedPdf) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only counts when there is no ETag check."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or published.etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return published.modified.replace(microsecond=0) <= since
    return False


def _error(message: str) -> dict:
    return {"type": OPARL + "Error", "message": message}


class SampleHTTPServer(ThreadingHTTPServer):
    # Handler threads are joined on close, so a stopped server leaves no thread behind.
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], state: SampleState) -> None:
        self.state = state
        super().__init__(address, OParlRequestHandler)


class SampleServer:
    """A running sample server; `url` is the OParl System URL to give a client."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 0, page_size: int = 3) -> None:
        corpus = ensure_corpus(Path(data_dir))
        self.state = SampleState(corpus, page_size)
        self.httpd = SampleHTTPServer((host, port), self.state)
        self.host, self.port = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}{API}/system"

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """(method, path with query, status) of every request answered so far (a snapshot)."""
        return self.state.request_log()

    @property
    def corpus(self) -> SampleCorpus:
        return self.state.corpus

    def replace_pdf(self, meeting_id: str, new_bytes: bytes) -> datetime:
        """Publishes new minutes bytes for a meeting; its File and Meeting get a newer `modified`."""
        return self.state.replace_pdf(meeting_id, new_bytes)

    def start(self) -> SampleServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"oparl-demo-{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> SampleServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def ensure_corpus(data_dir: Path) -> SampleCorpus:
    """The corpus in `data_dir`, built there first if it is missing."""
    if (data_dir / "corpus.json").exists():
        return load_sample_corpus(data_dir)
    return build_sample_corpus(data_dir)


def serve_in_thread(data_dir: Path, port: int = 0, page_size: int = 3, host: str = "127.0.0.1") -> SampleServer:
    """Starts the server in a background thread (port 0: any free port) and returns it."""
    return SampleServer(data_dir, host=host, port=port, page_size=page_size).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--page-size", type=int, default=3)
    args = parser.parse_args(argv)
    server = SampleServer(args.data, host=args.host, port=args.port, page_size=args.page_size)
    print(f"OParl system: {server.url}  ({len(server.corpus.meetings)} meetings from {args.data})", flush=True)
    try:
        server.httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
