"""HTML minutes (ALLRIS `si016.asp`): let in only where the source marked them, read without the site's furniture."""

import pytest
from loopback import Reply

from schemas.errors import DocumentRejected
from schemas.settings import Settings
from storage.blobs import BlobStore
from tasks.extract.html import extract_html_pages, html_minutes_text, is_html_blob
from tasks.fetch import fetch_document
from tasks.http import HttpClient

MINUTES = """<!DOCTYPE html><html><head><meta charset="windows-1252"><title>Niederschrift</title>
<script>var menu = "Sitzungskalender";</script></head><body>
<div class="navigation"><a href="si010_e.asp">Sitzungskalender</a> <a href="pa000.asp">Gremien</a></div>
<div id="allriscontainer">
<h1>Niederschrift – Bauausschuss</h1>
<table><tr><td>Datum:</td><td>Do, 03.09.2026</td></tr><tr><td>Ort:</td><td>Rathaus</td></tr></table>
<h3>TOP Ö 1 Bebauungsplan „Südhang“</h3>
<p>Der Ausschuss berät<br>den Entwurf.</p>
<ul><li>Frau Groß: dafür</li><li>Herr Weiß: dagegen</li></ul>
<pre>Ja  7
Nein 2</pre>
</div>
<div id="risfoot">Impressum · Datenschutz</div>
</body></html>"""


def test_the_main_content_keeps_its_lines_and_loses_menus_scripts_and_footer():
    assert html_minutes_text(MINUTES) == (
        "Niederschrift – Bauausschuss\n\n"
        "Datum: Do, 03.09.2026\nOrt: Rathaus\n\n"
        "TOP Ö 1 Bebauungsplan „Südhang“\n\n"
        "Der Ausschuss berät\nden Entwurf.\n\n"
        "Frau Groß: dafür\nHerr Weiß: dagegen\n\n"
        "Ja 7\nNein 2"
    )


def test_a_windows_1252_page_is_one_html_page_with_its_quotes_and_umlauts(tmp_path):
    blob = tmp_path / "blob.pdf"  # the blob store's name; the bytes decide
    blob.write_bytes(MINUTES.encode("cp1252"))
    assert is_html_blob(blob)
    [page] = extract_html_pages(blob)
    assert page.method == "html" and page.number == 1 and page.confidence is None
    assert "TOP Ö 1 Bebauungsplan „Südhang“" in page.raw_text.splitlines()


def test_a_refusal_page_is_rejected_as_holding_no_minutes(tmp_path):
    blob = tmp_path / "refused.pdf"
    blob.write_bytes(b"<html><body><p>Zugriff verweigert (Programm si016.asp).</p></body></html>")
    with pytest.raises(DocumentRejected, match="holds no minutes text"):
        extract_html_pages(blob)


def test_a_pdf_is_not_taken_for_html(tmp_path):
    blob = tmp_path / "real.pdf"
    blob.write_bytes(b"%PDF-1.4\n<html> in a stream\n%%EOF\n")
    assert not is_html_blob(blob)


def test_the_fetch_stage_lets_html_in_only_for_documents_marked_as_html_minutes(loopback, tmp_path):
    url = loopback.route("/si016.asp", Reply(200, MINUTES.encode("cp1252"), {"Content-Type": "text/html"}))
    blobs = BlobStore(tmp_path / "blobs")
    with HttpClient(Settings(), retries=0) as client:
        with pytest.raises(DocumentRejected, match="is not a PDF"):
            fetch_document(url, client, blobs)  # a "PDF" link answering HTML: rejected as ever
        blob = fetch_document(url, client, blobs, html_minutes=True)
    assert blobs.path_for(blob.sha256).read_bytes() == MINUTES.encode("cp1252")
