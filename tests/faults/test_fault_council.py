"""The fault council serves each fault as named, and the same bytes for the same seed."""

import hashlib
import zlib

import httpx
import pdfs
import pypdfium2 as pdfium
import pytest
from council import ENDLESS_DECLARED, FILE_FAULTS, FaultCouncil


def get(url: str, **kw) -> httpx.Response:
    return httpx.get(url, timeout=10, **kw)


def digests(council: FaultCouncil) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in council.files.items()}


def test_the_same_seed_serves_the_same_bytes_and_another_seed_other_garbage(council):
    with FaultCouncil(seed=15) as twin, FaultCouncil(seed=16) as other:
        assert digests(twin) == digests(council)
        assert twin.file_meetings()[0]["id"].rsplit("/", 1)[1] == council.file_meetings()[0]["id"].rsplit("/", 1)[1]
        assert other.files["random-bytes"] != council.files["random-bytes"]
    assert len(council.files["random-bytes"]) == 4096


def test_every_file_fault_has_a_meeting_in_the_files_list(council):
    listed, url = [], f"{council.base}/files/meetings"
    while url:
        page = get(url).json()
        listed += [m["resultsProtocol"]["fileName"].removesuffix(".pdf") for m in page["data"]]
        url = page["links"].get("next")
    assert sorted(listed) == sorted(f.name for f in FILE_FAULTS)


def test_a_500_burst_heals_on_retry_and_429_says_when_to_come_back():
    with FaultCouncil(seed=15) as fresh:
        codes = [get(f"{fresh.base}/files/burst-500.pdf").status_code for _ in range(fresh.burst + 1)]
        assert codes[:-1] and all(c in (500, 502) for c in codes[:-1]) and codes[-1] == 200
        first = get(f"{fresh.base}/files/retry-429.pdf")
        assert first.status_code == 429 and first.headers["Retry-After"] == "1"
        assert get(f"{fresh.base}/files/retry-429.pdf").content.startswith(b"%PDF-")


def test_the_first_answer_of_reset_mid_body_breaks_off_and_the_second_is_whole():
    with FaultCouncil(seed=15) as fresh:
        with pytest.raises(httpx.TransportError):
            get(f"{fresh.base}/files/reset-mid-body.pdf")
        assert get(f"{fresh.base}/files/reset-mid-body.pdf").content == fresh.files["reset-mid-body"]


def test_the_endless_file_declares_600_mb_and_keeps_sending(council):
    with httpx.stream("GET", f"{council.base}/files/endless-600mb.pdf", timeout=10) as response:
        assert int(response.headers["Content-Length"]) == ENDLESS_DECLARED
        received = 0
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > 8 << 20:
                break
    assert received > 8 << 20


def test_the_bombs_are_what_they_claim():
    bomb = pdfs.flate_bomb_stream(2_300 << 20)
    assert len(bomb) < 3_000_000
    inflater, inflated = zlib.decompressobj(), 0
    for start in range(0, len(bomb), 2048):  # ~2 MiB out per call: counted, never held
        inflated += len(inflater.decompress(bomb[start : start + 2048]))
    assert inflated == 2_300 << 20 and inflater.eof  # > 2 GB, with a valid Adler-32

    doc = pdfium.PdfDocument(pdfs.pixel_bomb())
    [image] = list(doc[0].get_objects())
    assert image.get_px_size() == (50_000, 50_000) and len(pdfs.pixel_bomb()) < 5_000
    assert pdfium.PdfDocument(pdfs.giant_scan_page())[0].get_size() == (14_400, 14_400)
    assert len(pdfium.PdfDocument(pdfs.many_pages(2_000))) == 2_000


def test_json_faults_are_served_as_broken_as_promised(council):
    with pytest.raises(ValueError):
        get(f"{council.base}/refs/meeting/invalid-json").json()
    assert b"\x0b" in get(f"{council.base}/refs/meeting/control-characters").content
    huge = get(f"{council.base}/refs/meeting/huge")
    assert "Content-Length" not in huge.headers and len(huge.content) > 50_000_000
    assert get(f"{council.base}/refs/meeting/missing").status_code == 404
    cycle = get(f"{council.base}/cycle/meetings?page=3").json()
    assert cycle["links"]["next"].endswith("/cycle/meetings?page=2")
