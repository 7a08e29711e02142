"""Input the readers must survive: JSON as council servers send it, German-looking text, page-shaped HTML."""

from hypothesis import strategies as st

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                    max_leaves=12)

WORDS = st.sampled_from([
    "Sitzung", "Niederschrift", "Tagesordnung", "TOP", "Beschluss", "einstimmig", "angenommen", "abgelehnt",
    "Ausschuss", "Öffentlicher", "Nichtöffentlicher", "Teil", "Punkt", "Zu", "Vorlage", "Drucksache",
    "Bürgermeister", "Integrationskonzept", "Haushalt", "2016", "1.", "2.", "3.", "10.", "Ö", "N", "1.1", "-", "Seite",
    "Gegenstimmen", "Enthaltungen", "Ja", "Nein", "Die", "der", "und", "über", "Straße", "Fläche", "Schluss", "Uhr",
    "Ende", "§", "„", "“", "Kreis-", "tag", "ver-", "waltung", "Anlage", "Protokoll", "\u00ad", "ﬁ", "\t",
])
LINE = st.lists(WORDS | st.text(max_size=12), min_size=0, max_size=10).map(" ".join)
PAGE = st.lists(LINE, max_size=25).map("\n".join)
PAGES = st.lists(PAGE | st.text(max_size=200), max_size=6)

URLISH = st.sampled_from(["https://ris.example.de/f/1.pdf", "http://127.0.0.1/x", "", "not a url", "file:///etc/passwd",
                          "https://ris.example.de/oparl/file/2", "javascript:alert(1)", "http://[::1", "https://"])
TIMESTAMPS = st.sampled_from(["2016-06-20T17:00:00+02:00", "2016-06-20", "gestern", "", "2016-13-45T99:00:00",
                              "2023-03-09T16:00:00Z", "0000-00-00"])
FILE = st.fixed_dictionaries({}, optional={
    "id": URLISH | JSON, "type": st.just("https://schema.oparl.org/1.1/File") | JSON, "name": st.text(max_size=40) | LINE | JSON,
    "fileName": st.sampled_from(["niederschrift.pdf", "Protokoll_2016.pdf", "anlage3.pdf", ""]) | JSON,
    "downloadUrl": URLISH | JSON, "accessUrl": URLISH | JSON, "mimeType": st.sampled_from(["application/pdf", "pdf", "docx", ""]) | JSON,
    "size": st.integers(-5, 10**12) | JSON, "modified": TIMESTAMPS | JSON, "deleted": st.booleans() | JSON,
})
AGENDA_ITEM = st.fixed_dictionaries({}, optional={
    "id": URLISH | JSON, "number": st.sampled_from(["1", "2.1", "Ö 3", "", " 4 "]) | JSON, "name": LINE | JSON,
    "public": st.booleans() | JSON, "order": st.integers(-3, 50) | JSON, "deleted": st.booleans() | JSON,
    "resolutionFile": FILE | st.lists(FILE, max_size=2) | JSON, "auxiliaryFile": st.lists(FILE, max_size=2) | JSON,
})
MEETING = st.fixed_dictionaries({"id": st.sampled_from(["https://ris.example.de/oparl/meeting/1", "m-2"])}, optional={
    "type": st.just("https://schema.oparl.org/1.1/Meeting") | JSON, "name": LINE | JSON, "start": TIMESTAMPS | JSON,
    "end": TIMESTAMPS | JSON, "modified": TIMESTAMPS | JSON, "deleted": st.booleans() | JSON,
    "organization": st.lists(URLISH, max_size=2) | URLISH | JSON,
    "resultsProtocol": FILE | URLISH | JSON, "verbatimProtocol": FILE | JSON, "auxiliaryFile": st.lists(FILE, max_size=3) | JSON,
    "agendaItem": st.lists(AGENDA_ITEM | URLISH, max_size=6) | JSON,
})


HREFS = st.sampled_from([
    "to0050.asp?__ktonr=12", "to0050.php?__ktonr=7&x=1", "getfile.asp?id=3&type=do", "getfile.php?id=9",
    "to020.asp?TOLFDNR=5", "to020_r.asp?TOLFDNR=6", "do027.asp", "https://other.example.org/x.pdf", "#", "", "mailto:a@b.de",
    "javascript:void(0)", "../../..//", "vo020.asp?VOLFDNR=1", "si0057.asp?__ksinr=4", "http://[::1", "%zz",
])
CELL_TEXT = LINE | st.sampled_from(["Datum:", "Sitzungsdatum", "20.06.2016", "Zeit:", "17:00 - 19:30 Uhr", "Gremium:",
                                    "Raum:", "Niederschrift", "Ö 1", "N 2", "TOP", "Bezeichnung:", "31.02.2016", "Mo, 20.06."])
LINK = st.tuples(HREFS, CELL_TEXT).map(lambda a: f'<a href="{a[0]}">{a[1]}</a>')
FORM = st.tuples(HREFS, CELL_TEXT).map(
    lambda a: f'<form action="{a[0]}"><input type="hidden" name="DOLFDNR" value="{a[1]}"><input type="submit" value="Niederschrift"></form>')
CELL_CONTENT = st.lists(CELL_TEXT | LINK | FORM, max_size=3).map("".join)
CELL = st.tuples(st.sampled_from(["td", "th"]), CELL_CONTENT, st.sampled_from(["", "smc_field_label", "tofnum", "text1"])).map(
    lambda a: f'<{a[0]} class="{a[2]}">{a[1]}</{a[0]}>')
ROW = st.lists(CELL, max_size=5).map(lambda cells: f"<tr>{''.join(cells)}</tr>")
TABLE = st.lists(ROW, max_size=8).map(lambda rows: f"<table>{''.join(rows)}</table>")
JUNK = st.text(max_size=60) | st.sampled_from(["<div>", "</table>", "<tr><td>", "<!--", "<script>x</script>", "&amp;", "&#0;"])
HTML_PAGE = st.lists(TABLE | LINK | FORM | JUNK | st.tuples(CELL_TEXT).map(lambda a: f"<h1>{a[0]}</h1>"), max_size=6).map(
    lambda parts: f"<html><head><title>Sitzung - Rhein-Sieg-Kreis</title></head><body>{''.join(parts)}</body></html>")
