"""A misbehaving OParl server on loopback: every breakage real servers show (see OPARL-NOTES).

Each test serves one breakage and checks what discovery yields and what it warns about:
no crash, no endless loop, and data that is lost is visible, never silently gone.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from loopback import LoopbackServer, Reply

from schemas.errors import DocumentRejected, SourceInvalid, SourceUnavailable
from schemas.pipeline import Discovery
from schemas.settings import Settings
from storage.blobs import BlobStore
from tasks.fetch import fetch_document
from tasks.http import HttpClient
from tasks.sources.oparl import discover_oparl

T11 = "https://schema.oparl.org/1.1/"
SINCE = "2024-06-01T00:00:00Z"
SINCE_AT = datetime.fromisoformat(SINCE)


def j(obj, status: int = 200) -> Reply:
    return Reply(status, json.dumps(obj).encode(), {"Content-Type": "application/json"})


def http(retries: int = 0) -> HttpClient:
    return HttpClient(Settings(http_min_interval=0.0, http_timeout=3.0), retries=retries, backoff=0.01)


def meeting(base: str, n: int, *, modified: str | None = None, **extra) -> dict:
    return {
        "id": f"{base}/meeting/{n}",
        "type": f"{T11}Meeting",
        "name": f"Sitzung {n}",
        "start": f"2024-06-0{n % 9 + 1}T17:00:00+02:00",
        "modified": modified or f"2024-06-0{n % 9 + 1}T20:00:00+02:00",
        "agendaItem": [{"id": f"{base}/ai/{n}/1", "number": "1", "name": "Eröffnung", "order": 1}],
        "resultsProtocol": {"id": f"{base}/file/{n}", "accessUrl": f"{base}/file/{n}.pdf", "name": "Niederschrift"},
        **extra,
    }


def serve(server: LoopbackServer, pages: list[list[dict] | Reply], *, body: dict | None = None) -> str:
    """System → one body → meeting list with `pages` (page N at /meetings?page=N); returns the system URL."""
    base = server.base
    server.route("/system", j({"id": f"{base}/system", "type": f"{T11}System", "body": f"{base}/bodies"}))
    body = body or {"id": f"{base}/body/1", "type": f"{T11}Body", "name": "Musterstadt", "meeting": f"{base}/meetings"}
    server.route("/bodies", j({"data": [body], "links": {}}))
    for i, page in enumerate(pages):
        path = "/meetings" if i == 0 else f"/meetings?page={i + 1}"
        if isinstance(page, Reply):
            server.route(path, page)
            continue
        links = {"next": f"{base}/meetings?page={i + 2}"} if i + 1 < len(pages) else {}
        server.route(path, j({"data": page, "links": links}))
    return f"{base}/system"


def warned(found: Discovery, text: str) -> bool:
    return any(text in w for w in found.warnings)


# ── Broken JSON and broken values ──────────────────────────────────────────────────────────────


def test_control_characters_na_dates_and_double_colon_offsets(loopback, caplog):
    base = loopback.base
    m = meeting(base, 1, start="N/A", end="2024-06-02T19:00:00+02::00")
    raw = json.dumps({"data": [m], "links": {}}).replace("Sitzung 1", "Sitzung\t\x01eins").encode()
    url = serve(loopback, [Reply(200, raw)])
    with http() as c:
        [found] = discover_oparl(url, c).meetings
    assert found.name.startswith("Sitzung") and "eins" in found.name
    assert found.start is None
    assert found.end.isoformat() == "2024-06-02T19:00:00+02:00"
    assert "ignoring unparsable date 'N/A'" in caplog.text


def test_objects_where_lists_belong_and_lists_where_objects_belong(loopback):
    base = loopback.base
    m = meeting(
        base, 1,
        agendaItem={"id": f"{base}/ai/1/1", "number": "1", "name": "Eröffnung"},
        resultsProtocol=[{"id": f"{base}/file/1", "accessUrl": f"{base}/file/1.pdf", "name": "Niederschrift"}],
        auxiliaryFile={"id": f"{base}/file/1b", "accessUrl": f"{base}/file/1b.pdf", "name": "Protokoll Teil 2"},
        organization=f"{base}/org/9",
    )
    url = serve(loopback, [Reply(200, json.dumps({"data": m}).encode())])  # `data` an object, too
    with http() as c:
        [found] = discover_oparl(url, c).meetings
    assert [a.name for a in found.agenda] == ["Eröffnung"]
    assert [(d.external_id, d.role) for d in found.documents] == [
        (f"{base}/file/1", "results_protocol"),
        (f"{base}/file/1b", "auxiliary_file"),
    ]
    assert found.organization == f"{base}/org/9"


def test_section_headers_stay_in_the_agenda(loopback):
    base = loopback.base
    items = [
        {"number": "A", "name": "Öffentliche Sitzung"},
        {"id": f"{base}/ai/1", "number": "1", "name": "Eröffnung", "order": "2"},
        {"number": "B", "name": "Nichtöffentliche Sitzung", "public": False},
        {"id": f"{base}/ai/2", "number": 2, "name": "Grundstücksangelegenheiten", "public": False},
    ]
    url = serve(loopback, [[meeting(base, 1, agendaItem=items)]])
    with http() as c:
        [found] = discover_oparl(url, c).meetings
    assert [(a.number, a.name, a.public) for a in found.agenda] == [
        ("A", "Öffentliche Sitzung", True),
        ("1", "Eröffnung", True),
        ("B", "Nichtöffentliche Sitzung", False),
        ("2", "Grundstücksangelegenheiten", False),
    ]
    assert found.agenda[1].order == 2


def test_missing_type_is_read_as_a_meeting_and_a_foreign_type_is_skipped(loopback):
    base = loopback.base
    untyped = {k: v for k, v in meeting(base, 1).items() if k != "type"}
    paper = {"id": f"{base}/paper/7", "type": f"{T11}Paper", "name": "Vorlage"}
    url = serve(loopback, [[untyped, paper, {"name": "ohne id"}]])
    with http() as c:
        found = discover_oparl(url, c)
    assert [m.external_id for m in found.meetings] == [f"{base}/meeting/1"]
    assert warned(found, "has no type; read as a Meeting")
    assert warned(found, "is a https://schema.oparl.org/1.1/Paper; skipped")
    assert warned(found, "without id")


# ── Files ──────────────────────────────────────────────────────────────────────────────────────


def test_file_breakages_are_repaired_or_kept_visible(loopback):
    base = loopback.base
    files = [
        {"id": f"{base}/file/a", "accessUrl": f"{base}/a", "name": "Niederschrift", "mimeType": "pdf", "size": 0},
        {"id": f"{base}/file/b", "accessUrl": f"{base}/b", "downloadUrl": "", "name": "Protokoll", "mimeType": "docx"},
        {"id": f"{base}/file/c", "name": "Niederschrift nö", "downloadUrl": "", "accessUrl": ""},
        {"id": f"{base}/file/d", "accessUrl": f"{base}/d", "name": "Einladung"},
    ]
    url = serve(loopback, [[meeting(base, 1, resultsProtocol=None, auxiliaryFile=files)]])
    with http() as c:
        found = discover_oparl(url, c)
    refs = {d.external_id.rsplit("/", 1)[1]: d for d in found.meetings[0].documents}
    assert sorted(refs) == ["a", "b", "c"]  # the invitation is no minutes
    assert (refs["a"].mime_type, refs["a"].size, refs["a"].url) == ("application/pdf", None, f"{base}/a")
    assert refs["b"].url == f"{base}/b"
    assert refs["b"].mime_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert refs["c"].url == ""  # still yielded: the flow records it failed with NO_FILE_URL
    assert warned(found, "declares size 0; ignored")
    assert warned(found, "declares mimeType 'pdf'")
    assert warned(found, "empty downloadUrl; using its accessUrl")
    assert warned(found, f"file {base}/file/c has no downloadUrl/accessUrl")


def test_an_html_page_served_with_200_where_the_pdf_belongs_is_rejected_at_fetch(loopback, tmp_path):
    base = loopback.base
    loopback.route("/file/1.pdf", Reply(200, b"<!DOCTYPE html><html>Sitzungsdienst: Fehler</html>", {"Content-Type": "application/pdf"}))
    url = serve(loopback, [[meeting(base, 1)]])
    with http() as c:
        [ref] = discover_oparl(url, c).meetings[0].documents
        with pytest.raises(DocumentRejected, match="is not a PDF"):
            fetch_document(ref.url, c, BlobStore(tmp_path / "blobs"))


# ── Referenced objects ─────────────────────────────────────────────────────────────────────────


def test_referenced_parts_are_fetched_and_one_that_404s_is_only_a_warning(loopback):
    base = loopback.base
    loopback.route("/ai/1", j({"id": f"{base}/ai/1", "type": f"{T11}AgendaItem", "number": "1", "name": "Eröffnung"}))
    loopback.route("/file/1", j({"id": f"{base}/file/1", "type": f"{T11}File", "accessUrl": f"{base}/file/1.pdf"}))
    loopback.route("/file/2", j({"id": f"{base}/file/2", "accessUrl": f"{base}/file/2.pdf", "name": "Protokoll"}))
    m = meeting(
        base, 1,
        agendaItem=[f"{base}/ai/1", f"{base}/ai/gone"],
        resultsProtocol=f"{base}/file/1",
        auxiliaryFile=[f"{base}/file/2", f"{base}/file/gone"],
    )
    url = serve(loopback, [[m]])
    with http() as c:
        found = discover_oparl(url, c)
    [got] = found.meetings
    assert [a.name for a in got.agenda] == ["Eröffnung"]
    assert [(d.external_id, d.url) for d in got.documents] == [
        (f"{base}/file/1", f"{base}/file/1.pdf"),
        (f"{base}/file/2", f"{base}/file/2.pdf"),
    ]
    assert warned(found, f"agendaItem of meeting {base}/meeting/1 {base}/ai/gone could not be fetched")
    assert warned(found, f"{base}/file/gone could not be fetched; the meeting comes without it")
    assert found.lists[f"{base}/meetings"] is not None  # a 404 is final: the watermark may move on


def test_a_part_unavailable_for_now_holds_the_watermark_back(loopback):
    base = loopback.base
    loopback.route("/file/2", Reply(500))
    early = meeting(base, 2, resultsProtocol=f"{base}/file/2", modified="2024-06-02T20:00:00+02:00")
    late = meeting(base, 3, modified="2024-06-05T20:00:00+02:00")
    url = serve(loopback, [[early, late]])
    with http(retries=1) as c:
        found = discover_oparl(url, c)
    assert [m.external_id for m in found.meetings] == [f"{base}/meeting/2", f"{base}/meeting/3"]
    assert found.meetings[0].documents == []
    assert warned(found, "could not be fetched for now")
    # Not the newest modified (June 5): meeting 2 must come again in the next filtered listing.
    assert found.lists[f"{base}/meetings"].isoformat() == "2024-06-02T20:00:00+02:00"


def test_a_deleted_stub_without_type_needs_no_parts(loopback):
    base = loopback.base
    stub = {"id": f"{base}/meeting/9", "deleted": True, "modified": "2024-06-07T09:00:00+02:00",
            "agendaItem": [f"{base}/ai/9"], "resultsProtocol": f"{base}/file/9"}
    url = serve(loopback, [[stub]])
    with http() as c:
        found = discover_oparl(url, c)
    [got] = found.meetings
    assert got.deleted and got.agenda == [] and got.documents == []
    assert loopback.hits["/ai/9"] == loopback.hits["/file/9"] == 0
    assert found.warnings == []


# ── Server errors ──────────────────────────────────────────────────────────────────────────────


def test_oparl_disabled_error_object_is_a_clear_error(loopback):
    loopback.route("/system", j({"error": 'Webservice "OParl" ist nicht aktiviert!'}))
    with http() as c, pytest.raises(SourceInvalid, match="nicht aktiviert"):
        discover_oparl(f"{loopback.base}/system", c)


def test_http_500_bursts_cost_nothing(loopback):
    base = loopback.base
    url = serve(loopback, [[meeting(base, 1)], [meeting(base, 2)]])
    for path in ("/system", "/bodies", "/meetings?page=2"):
        replies = list(loopback.routes[path])
        loopback.route(path, Reply(500), Reply(503), *replies)
    with http(retries=2) as c:
        found = discover_oparl(url, c)
    assert [m.name for m in found.meetings] == ["Sitzung 1", "Sitzung 2"]
    assert loopback.hits["/system"] == 3


def test_an_oparl_module_that_always_answers_500_is_unavailable_after_the_retries(loopback):
    loopback.route("/system", Reply(500, b"<html>Internal Server Error</html>"))
    with http(retries=2) as c, pytest.raises(SourceUnavailable) as raised:
        discover_oparl(f"{loopback.base}/system", c)
    assert "OParl API at" in str(raised.value) and "HTTP 500 after 3 attempts" in str(raised.value)
    assert loopback.hits["/system"] == 3


def test_a_meeting_list_that_404s_costs_that_body_only(loopback):
    base = loopback.base
    loopback.route("/system", j({"id": f"{base}/system", "body": f"{base}/bodies"}))
    loopback.route("/bodies", j({"data": [
        {"id": f"{base}/body/1", "meeting": f"{base}/gone"},
        {"id": f"{base}/body/2", "meeting": f"{base}/meetings"},
    ]}))
    loopback.route("/meetings", j({"data": [meeting(base, 1)]}))
    with http() as c:
        found = discover_oparl(f"{base}/system", c)
    assert [m.external_id for m in found.meetings] == [f"{base}/meeting/1"]
    assert warned(found, f"meeting list {base}/gone of body {base}/body/1 could not be read")
    assert found.lists[f"{base}/gone"] is None


def test_invalid_json_on_a_later_page_keeps_what_came_before_without_a_watermark(loopback):
    base = loopback.base
    url = serve(loopback, [[meeting(base, 1)], Reply(200, b"<html>Wartung</html>")])
    with http() as c:
        found = discover_oparl(url, c)
    assert [m.name for m in found.meetings] == ["Sitzung 1"]
    assert warned(found, "broke off at page 2")
    assert found.lists[f"{base}/meetings"] is None


# ── Pagination that never ends ─────────────────────────────────────────────────────────────────


def test_a_next_link_back_to_a_seen_page_ends_the_list(loopback):
    base = loopback.base
    url = serve(loopback, [[meeting(base, 1)], [meeting(base, 2)]])
    loopback.route("/meetings?page=2", j({"data": [meeting(base, 2)], "links": {"next": f"{base}/meetings"}}))
    with http() as c:
        found = discover_oparl(url, c)
    assert len(found.meetings) == 2 and warned(found, "links back")


def test_the_page_cap_ends_a_list_and_withholds_its_watermark(loopback):
    base = loopback.base
    url = serve(loopback, [[meeting(base, n)] for n in range(1, 6)])
    with http() as c:
        found = discover_oparl(url, c, max_pages=3)
    assert len(found.meetings) == 3
    assert warned(found, "more than 3 pages")
    assert found.lists[f"{base}/meetings"] is None
    assert loopback.hits["/meetings"] == 3


def test_pages_that_repeat_themselves_under_new_urls_end_the_list(loopback):
    base = loopback.base
    url = serve(loopback, [[meeting(base, 1), meeting(base, 2)]] * 6)
    with http() as c:
        found = discover_oparl(url, c)
    assert len(found.meetings) == 2
    assert warned(found, "page 2 repeats objects already seen")
    assert loopback.hits["/meetings"] == 2


def test_endless_empty_pages_end_the_list(loopback):
    base = loopback.base
    url = serve(loopback, [[meeting(base, 1)]] + [[]] * 8)
    with http() as c:
        found = discover_oparl(url, c)
    assert len(found.meetings) == 1
    assert warned(found, "keeps linking to empty pages")
    assert loopback.hits["/meetings"] == 4


# ── Filters ────────────────────────────────────────────────────────────────────────────────────


def test_a_filter_dropped_from_the_next_link_is_put_back(loopback):
    base = loopback.base
    serve(loopback, [[meeting(base, 1)], [meeting(base, 2)]])  # the unfiltered list: a trap here
    loopback.route(f"/meetings?modified_since={SINCE}", j({"data": [meeting(base, 5)], "links": {"next": f"{base}/meetings?page=2"}}))
    loopback.route(f"/meetings?page=2&modified_since={SINCE}", j({"data": [meeting(base, 6)], "links": {}}))
    with http() as c:
        found = discover_oparl(f"{base}/system", c, since=SINCE_AT)
    assert [m.name for m in found.meetings] == ["Sitzung 5", "Sitzung 6"]
    assert warned(found, "dropped modified_since from its next link")
    assert ("GET", f"/meetings?page=2&modified_since={SINCE}") in [entry[:2] for entry in loopback.log]
    assert not found.filter_ignored


@pytest.mark.parametrize("empty", [j({"error": "Keine Daten gefunden"}, 404), j([]), j({"data": [], "links": {}})])
def test_an_empty_filtered_list_means_no_changes(loopback, empty):
    base = loopback.base
    serve(loopback, [[meeting(base, 1)]])
    loopback.route(f"/meetings?modified_since={SINCE}", empty)
    with http() as c:
        found = discover_oparl(f"{base}/system", c, since={f"{base}/meetings": SINCE_AT})
    assert found.meetings == [] and found.warnings == []
    assert found.lists == {f"{base}/meetings": None}  # nothing seen: the stored watermark stays


def test_a_server_that_ignores_the_filter_gives_the_full_listing(loopback):
    base = loopback.base
    old = meeting(base, 1, modified="2023-01-10T10:00:00+01:00")
    new = meeting(base, 2, modified="2024-06-03T10:00:00+02:00")
    serve(loopback, [[old, new]])  # answers /meetings?modified_since=… as if unfiltered
    with http() as c:
        found = discover_oparl(f"{base}/system", c, since=SINCE_AT)
    assert [m.name for m in found.meetings] == ["Sitzung 1", "Sitzung 2"]
    assert found.filter_ignored and warned(found, "ignores modified_since")


def test_a_server_that_refuses_the_filter_is_read_in_full(loopback):
    base = loopback.base
    serve(loopback, [[meeting(base, 1)]])
    loopback.route(f"/meetings?modified_since={SINCE}", j({"error": "ungültiges Datum"}, 400))
    with http() as c:
        found = discover_oparl(f"{base}/system", c, since=SINCE_AT)
    assert [m.name for m in found.meetings] == ["Sitzung 1"]
    assert found.filter_ignored and warned(found, "refused the modified_since filter")


def test_placeholder_modified_timestamps_are_detected(loopback):
    base = loopback.base
    stamp = "2000-01-01T00:00:00+01:00"
    url = serve(loopback, [[meeting(base, n, modified=stamp) for n in range(1, 4)]])
    with http() as c:
        found = discover_oparl(url, c)
    assert found.placeholder and found.placeholder_lists == {f"{base}/meetings"}
    assert warned(found, "placeholder `modified`")


# ── OParl 1.0 ──────────────────────────────────────────────────────────────────────────────────


def test_oparl_1_0_without_modified_and_with_an_embedded_meeting_list(loopback):
    base = loopback.base
    t10 = "https://schema.oparl.org/1.0/"
    listed = {k: v for k, v in meeting(base, 1).items() if k != "modified"} | {"type": f"{t10}Meeting"}
    embedded = meeting(base, 2) | {"type": f"{t10}Meeting"}
    loopback.route("/system", j({"id": f"{base}/system", "type": f"{t10}System", "body": f"{base}/bodies"}))
    loopback.route("/bodies", j({"data": [
        {"id": f"{base}/body/1", "type": f"{t10}Body", "meeting": f"{base}/meetings"},
        {"id": f"{base}/body/2", "type": f"{t10}Body", "meeting": [embedded]},
    ], "links": {}}))
    loopback.route("/meetings", j({"data": [listed], "nextPage": None}))
    with http() as c:
        found = discover_oparl(f"{base}/system", c)
    assert [m.name for m in found.meetings] == ["Sitzung 1", "Sitzung 2"]
    assert found.lists == {f"{base}/meetings": None}  # no `modified`: nothing to filter by next time
    assert found.warnings == []


def test_a_meeting_list_of_bare_urls_is_followed_object_by_object(loopback):
    base = loopback.base
    loopback.route("/system", Reply(200, json.dumps({"id": f"{base}/system", "body": f"{base}/bodies"}).encode()))
    loopback.route("/bodies", Reply(200, json.dumps({"data": [{"id": f"{base}/body/1", "meeting": f"{base}/meetings"}]}).encode()))
    loopback.route("/meetings", Reply(200, json.dumps({"data": [f"{base}/meeting/1", f"{base}/meeting/2"]}).encode()))
    for n in (1, 2):
        loopback.route(f"/meeting/{n}", Reply(200, json.dumps({"id": f"{base}/meeting/{n}", "name": f"Sitzung {n}"}).encode()))
    with HttpClient(Settings(http_min_interval=0.0), retries=0) as c:
        found = discover_oparl(f"{base}/system", c)
    assert [m.name for m in found.meetings] == ["Sitzung 1", "Sitzung 2"]
