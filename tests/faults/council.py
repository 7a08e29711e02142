"""A fault-injecting OParl council system on 127.0.0.1, deterministic by seed.

It serves what real council systems and real PDFs do on a bad day: 500 bursts that succeed on
retry, 429 with Retry-After, slow answers, connections reset mid-body, truncated/HTML/encrypted/
garbage/empty files, pixel and Flate bombs, a giant page, 2,000 pages, a Content-Length of 600 MB
with an endless body, a trickle, links to other hosts and inside the network, `links.next` cycles
and endless next links, 404s for referenced objects, invalid JSON and a 50 MB meeting object.

Every fault is one row of `FILE_FAULTS` or `LIST_FAULTS`: what is served, and what ratsflow must
do with it; docs/RELIABILITY.md lists the same rows. The same seed serves the same bytes.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

import pdfs
from loopback import ServerInThread

OPARL = "https://schema.oparl.org/1.1/"
MiB = 1 << 20
ENDLESS_DECLARED = 600 * MiB


@dataclass(frozen=True)
class FileFault:
    """A minutes file with one fault, and what ratsflow must record for it (`reason` is a regex)."""

    name: str
    status: str  # "ok" or "failed"
    reason: str = ""


FILE_FAULTS = [
    FileFault("good-1", "ok"),
    FileFault("good-2", "ok"),
    FileFault("burst-500", "ok"),  # 500, 502 (count by seed), then the file
    FileFault("retry-429", "ok"),  # 429 with Retry-After: 1, then the file
    FileFault("slow", "ok"),  # headers after 1.5 s, within the read timeout
    FileFault("reset-mid-body", "ok"),  # the first answer breaks off halfway (TCP reset), the second is whole
    FileFault("truncated", "failed", r"truncated PDF"),
    FileFault("html-as-pdf", "failed", r"is not a PDF \(starts with '<!DOCTYPE html>.*Content-Type application/pdf"),
    FileFault("encrypted", "failed", r"encrypted PDF"),
    FileFault("random-bytes", "failed", r"is not a PDF \(starts with"),
    FileFault("zero-bytes", "failed", r"is empty \(0 bytes"),
    FileFault("pixel-bomb", "failed", r"image of 50,000 × 50,000 px, more than the limit"),
    FileFault("giant-page", "failed", r"page 1 measures 14400 × 14400 pt \(200 × 200 in\)"),
    FileFault("blank-giant-page", "failed", r"no text on any of its 1 page\b"),
    FileFault("flate-bomb", "failed", r"inflates to more than 256 MiB"),
    FileFault("endless-600mb", "failed", r"declares a file of 629,145,600 bytes, more than the limit"),
    FileFault("endless-chunked", "failed", r"sent more than the limit of 52,428,800 bytes for a file"),
    FileFault("trickle", "failed", r"did not finish within 4 s"),
    FileFault("pages-2000", "failed", r"PDF has 2000 pages, more than the limit of 1000"),
    FileFault("gone-404", "failed", r"answered HTTP 404"),
    FileFault("other-host", "failed", r"is not on the source's host"),
    FileFault("redirect-other-host", "failed", r"is not on the source's host"),
    FileFault("redirect-metadata", "failed", r"169\.254\.169\.254.* is not on the source's host"),
    FileFault("file-link", "failed", r"file:///etc/passwd is a local file linked from a web source"),
]


@dataclass(frozen=True)
class ListFault:
    """A broken list or object, and the warning (regex) the run must end with instead of hanging or crashing."""

    name: str
    warning: str


LIST_FAULTS = [
    ListFault("next-cycle", r"list .*/cycle/meetings links back to .*/cycle/meetings\?page=2; stopping"),
    ListFault("endless-next", r"list .*/endless/meetings has more than 25 pages; stopping"),
    ListFault("referenced-404", r"/refs/meeting/missing could not be fetched: .*HTTP 404"),
    ListFault("file-object-404", r"resultsProtocol of meeting .*/refs/meeting/with-missing-file .* could not be fetched"),
    ListFault("invalid-json", r"/refs/meeting/invalid-json could not be fetched: .*did not answer with JSON"),
    ListFault("meeting-50mb", r"/refs/meeting/huge could not be fetched: .*more than the limit of 16,777,216 bytes"),
]


class FaultCouncil(ServerInThread):
    """The fault council: `with FaultCouncil(seed) as council: council.system_url`.

    Faults that heal (bursts, 429, a reset) count requests per path, so a retry is what heals
    them; `hits` and `hosts` show what was asked for and under which Host header.
    """

    def __init__(self, seed: int = 15, *, endless_pages: int = 10_000):
        self.seed = seed
        self.rng = random.Random(seed)
        self.burst = self.rng.randint(1, 2)  # 500s before the file answers
        self.endless_pages = endless_pages
        self.hits: Counter[str] = Counter()
        self.hosts: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.serve(self._handler())

    @property
    def system_url(self) -> str:
        return f"{self.base}/oparl/system"

    # ── what is served ──

    @cached_property
    def files(self) -> dict[str, bytes]:
        """The bytes of every file fault that has bytes (bombs are built once, in seconds)."""
        def minutes(n: int) -> bytes:
            return pdfs.text_pdf([f"Niederschrift über die {n}. Sitzung des Ausschusses für Umwelt",
                                  "TOP 1 Eröffnung und Begrüßung", "Die Vorsitzende eröffnet die Sitzung um 17:00 Uhr.",
                                  "TOP 2 Genehmigung der Tagesordnung", "Die Tagesordnung wird einstimmig genehmigt."])
        good = {name: minutes(n) for n, name in enumerate(["good-1", "good-2", "burst-500", "retry-429", "slow",
                                                             "reset-mid-body"], start=1)}
        return {
            **good,
            "truncated": minutes(7)[: len(minutes(7)) // 2],
            "html-as-pdf": b"<!DOCTYPE html><html><body><h1>Fehler 500</h1>Sitzung nicht gefunden</body></html>",
            "encrypted": pdfs.text_pdf(["Nichtöffentliche Niederschrift"], password="geheim"),
            "random-bytes": pdfs.random_bytes(self.seed),
            "zero-bytes": b"",
            "pixel-bomb": pdfs.pixel_bomb(),
            "giant-page": pdfs.giant_scan_page(),
            "blank-giant-page": pdfs.blank_giant_page(),
            "flate-bomb": pdfs.flate_bomb(),
            "pages-2000": pdfs.many_pages(2_000),
        }

    @cached_property
    def huge_meeting(self) -> bytes:
        """A 50 MB meeting object: a keyword list no parser should be asked to hold."""
        words = ",".join(['"Haushalt"'] * (50 * MiB // 11))
        return f'{{"id": "{self.base}/refs/meeting/huge", "type": "{OPARL}Meeting", "keyword": [{words}]}}'.encode()

    def file_url(self, name: str) -> str:
        if name == "other-host":
            return f"http://localhost:{self.httpd.server_address[1]}/files/good-1.pdf"
        if name == "file-link":
            return "file:///etc/passwd"
        return f"{self.base}/files/{name}.pdf"

    def meeting(self, key: str, index: int, *, start: str | None = None, **extra) -> dict:
        return {
            "id": f"{self.base}/{key}",
            "type": f"{OPARL}Meeting",
            "name": f"{index}. Sitzung",
            "start": start or f"2024-{index % 12 + 1:02d}-10T17:00:00+01:00",
            "modified": "2024-12-20T10:00:00+01:00",
            **extra,
        }

    def file_meetings(self) -> list[dict]:
        meetings = [
            self.meeting(f"files/meeting/{fault.name}", n, resultsProtocol={
                "id": f"{self.base}/files/file/{fault.name}", "type": f"{OPARL}File", "name": "Niederschrift",
                "fileName": f"{fault.name}.pdf", "mimeType": "application/pdf", "downloadUrl": self.file_url(fault.name),
            })
            for n, fault in enumerate(FILE_FAULTS)
        ]
        random.Random(self.seed).shuffle(meetings)  # the same order on every request
        return meetings

    def json_for(self, path: str, query: str) -> dict | bytes | None:
        """The OParl answer for `path`, or None for 404."""
        base, oparl = self.base, f"{self.base}/oparl"
        page = int(parse_qs(query).get("page", ["1"])[0])
        if path == "/oparl/system":
            return {"id": f"{oparl}/system", "type": f"{OPARL}System", "oparlVersion": "https://schema.oparl.org/1.1/",
                    "body": f"{oparl}/bodies"}
        if path == "/oparl/bodies":
            bodies = [{"id": f"{oparl}/body/{key}", "type": f"{OPARL}Body", "name": f"Fault council ({key})",
                       "meeting": f"{base}/{key}/meetings", "organization": []}
                      for key in ("files", "cycle", "endless", "refs")]
            return {"data": bodies, "links": {}}
        if path == "/files/meetings":
            meetings = self.file_meetings()
            size = 8
            chunk = meetings[(page - 1) * size : page * size]
            more = page * size < len(meetings)
            return {"data": chunk, "links": {"next": f"{base}/files/meetings?page={page + 1}"} if more else {}}
        if path == "/cycle/meetings":  # page 1 → 2 → 3 → 2 …
            return {"data": [self.meeting(f"cycle/meeting/{page}", page)],
                    "links": {"next": f"{base}/cycle/meetings?page={2 if page == 3 else page + 1}"}}
        if path == "/endless/meetings":  # a fresh meeting on every page, and always a next one
            if page > self.endless_pages:
                return {"data": [], "links": {}}
            return {"data": [self.meeting(f"endless/meeting/{page}", page)],
                    "links": {"next": f"{base}/endless/meetings?page={page + 1}"}}
        if path == "/refs/meetings":  # meetings given by reference, each broken in its own way
            return {"data": [f"{base}/refs/meeting/{key}" for key in
                             ("control-characters", "missing", "invalid-json", "huge", "with-missing-file")], "links": {}}
        if path == "/refs/meeting/control-characters":
            # Raw control characters inside strings: invalid JSON by the letter, harmless, tolerated.
            return (f'{{"id": "{base}/refs/meeting/control-characters", "type": "{OPARL}Meeting", '
                    f'"name": "Sitzung\tdes\x0bRates", "start": "2024-05-06T17:00:00+02:00"}}').encode()
        if path == "/refs/meeting/invalid-json":
            return b'{"id": "x", "type": \x01\x02 "Meeting", "name": '  # control characters outside strings, cut off
        if path == "/refs/meeting/with-missing-file":
            return self.meeting("refs/meeting/with-missing-file", 5, resultsProtocol=f"{base}/refs/file/missing")
        return None

    # ── the handler ──

    def _handler(self):
        council = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: a body without length ends at close

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                with council._lock:
                    council.hits[path] += 1
                    council.hosts.append((self.headers.get("Host", ""), self.path))
                    hit = council.hits[path]
                try:
                    council.answer(self, path, query, hit)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        return Handler

    def answer(self, h: BaseHTTPRequestHandler, path: str, query: str, hit: int) -> None:
        if path.startswith("/files/") and path.endswith(".pdf"):
            return self.answer_file(h, path.removeprefix("/files/").removesuffix(".pdf"), hit)
        if path == "/refs/meeting/huge":
            return stream_until_closed(h, "application/json", self.huge_meeting)
        data = self.json_for(path, query)
        if data is None:
            return send(h, 404, b'{"error": "not found"}', "application/json")
        send(h, 200, data if isinstance(data, bytes) else json.dumps(data).encode(), "application/json")

    def answer_file(self, h: BaseHTTPRequestHandler, name: str, hit: int) -> None:
        files = self.files
        if name == "burst-500" and hit <= self.burst:
            return send(h, 500 if hit == 1 else 502, b"<html>Internal Server Error</html>", "text/html")
        if name == "retry-429" and hit == 1:
            return send(h, 429, b"", "text/plain", {"Retry-After": "1"})
        if name == "slow":
            time.sleep(1.5)
        if name == "reset-mid-body" and hit == 1:
            return reset_halfway(h, files[name])
        if name == "endless-600mb":
            return stream_endless(h, declared=ENDLESS_DECLARED)
        if name == "endless-chunked":
            return stream_endless(h, declared=None)
        if name == "trickle":
            return stream_endless(h, declared=4 * MiB, chunk=1024, pause=0.25)
        if name == "redirect-other-host":
            return send(h, 302, b"", "text/plain", {"Location": self.file_url("other-host")})
        if name == "redirect-metadata":
            return send(h, 302, b"", "text/plain", {"Location": "http://169.254.169.254/latest/meta-data/"})
        if name not in files:
            return send(h, 404, b"<html>Not Found</html>", "text/html")
        send(h, 200, files[name], "application/pdf")


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(body)


def reset_halfway(h: BaseHTTPRequestHandler, body: bytes) -> None:
    """Promise the whole body, send half, then reset the connection (SO_LINGER 0 sends a RST)."""
    h.send_response(200)
    h.send_header("Content-Type", "application/pdf")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body[: len(body) // 2])
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def stream_endless(h: BaseHTTPRequestHandler, *, declared: int | None, chunk: int = 64 * 1024, pause: float = 0.0) -> None:
    """Bytes without end (up to `declared`, or 1 GiB), until the client hangs up."""
    h.send_response(200)
    h.send_header("Content-Type", "application/pdf")
    if declared is not None:
        h.send_header("Content-Length", str(declared))
    h.end_headers()
    block = b"%PDF-1.4\n" + bytes(chunk - 9)
    sent, cap = 0, declared or (1 << 30)
    while sent < cap:
        h.wfile.write(block)
        sent += len(block)
        if pause:
            h.wfile.flush()
            time.sleep(pause)


def stream_until_closed(h: BaseHTTPRequestHandler, content_type: str, body: bytes) -> None:
    """The whole body without a Content-Length: only reading tells how big it is."""
    h.send_response(200)
    h.send_header("Content-Type", content_type)
    h.end_headers()
    view = memoryview(body)
    for start in range(0, len(body), MiB):
        h.wfile.write(view[start : start + MiB])
