"""ALLRIS pages as installations really serve them: released programs, `_r` pages, file buttons.

- Each classic installation releases one calendar program (`si010_e.asp`, `si010.asp`,
  `si010_j.asp`, the responsive `si010_r.asp`) and answers the others with HTTP 200 and
  "Zugriff verweigert (Programm si010_e.asp)." The program is taken from the installation's
  menu where it names one, else the first released one.
- Responsive (`_r`) meeting pages hold their details as `div.row` pairs
  (`<a>Gremium:</a><span>Stadtrat</span>`) and their files as `do027.asp?DOLFDNR=` links whose
  only name is a tooltip ("Öffnet Dokument 'Niederschrift öffentlich' in neuem Fenster").
- Classic pages post forms to `do027.asp` whose only name is the submit button's value or
  title ("NIE öffentl.", "Protokoll 2 (Öffnet PDF-Datei …)"); a "Protokoll" button may instead
  lead to `si016.asp`, the minutes as an HTML page.
- ALLRIS 4 is a Wicket application: meeting pages are plain GETs, but a calendar may be an empty
  shell that a browser session fills in by AJAX; such a list cannot be read here.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from selectolax.lexbor import LexborHTMLParser, LexborNode

from schemas.pipeline import DocumentRef
from tasks.sources.file_names import clean_file_name, minutes_role
from tasks.sources.html import HtmlPage, resolve_link, text_of
from tasks.sources.tables import enclosing_rows

CALENDAR_PROGRAMS = ("si010_e.asp", "si010_j.asp", "si010.asp", "si010_r.asp")
REFUSAL = re.compile(r"Zugriff\s+verweigert\s*\(Programm\s+([^)\s]+?)\.?\)", re.IGNORECASE)
WICKET_SHELL = re.compile(r"Wicket\.Ajax|wicket-ajax|wicket/resource", re.IGNORECASE)
TOOLTIP_NAME = re.compile(r"""['"„‚‘“]([^'"“‘’”]+)['"“‘’”]""")
HTML_MINUTES = re.compile(r"(?:^|/)si016(?:_[a-z])?(?:\.asp)?(?:\?|$)", re.IGNORECASE)
FILE_PROGRAM = re.compile(r"(?:^|/)(?:do027(?:_[a-z])?\.asp|doc)(?:\?|$)", re.IGNORECASE)


def refused_program(page: HtmlPage) -> str | None:
    """The program a short 'Zugriff verweigert (Programm …)' page refuses, or None."""
    m = REFUSAL.search(page.text) if len(page.text) < 4000 else None
    return m.group(1).rsplit("/", 1)[-1] if m else None


def is_session_shell(page: HtmlPage) -> bool:
    """An ALLRIS 4 list page that only a browser session fills in (Wicket AJAX, no meeting links)."""
    return bool(WICKET_SHELL.search(page.text)) and "SILFDNR=" not in page.text


def row_pairs(tree: LexborHTMLParser) -> list[tuple[LexborNode, LexborNode]]:
    """`_r` details: each `div.row` whose first child names the field and whose next one holds it."""
    pairs = []
    for row in tree.css("div.row"):
        children = [c for c in row.iter() if c.tag in {"a", "span", "div", "label", "strong"}]
        if len(children) >= 2 and text_of(children[0]).endswith(":"):
            pairs.append((children[0], children[1]))
    return pairs


def _ref(url: str, name: str, mime_type: str | None = None) -> DocumentRef:
    return DocumentRef(
        external_id=url, role=minutes_role(name) or "auxiliary_file", url=url, name=clean_file_name(name) or None,
        mime_type=mime_type,
    )  # fmt: skip


def _row_label(node: LexborNode) -> str:
    """The label cell ('Niederschrift öffentlich:') of the table row a form stands in, if it has one."""
    row = next(enclosing_rows(node), None)
    cells = [c for c in row.iter() if c.tag in {"td", "th"}] if row is not None else []
    return next((text_of(c) for c in cells if text_of(c).endswith(":")), "")


def _form_name(form: LexborNode) -> str:
    """A form's file name: its own text, its row's label, its submit button's value, or the button's title."""
    button = form.css_first('input[type="submit"], button')
    candidates = [text_of(form), _row_label(form)]
    if button is not None:
        candidates += [button.attributes.get("value") or "", text_of(button), button.attributes.get("title") or ""]
    named = [c for c in candidates if clean_file_name(c)]
    return next((c for c in named if minutes_role(c)), named[0] if named else "")


def form_refs(tree: LexborHTMLParser, page_url: str, source: str, skip: callable) -> list[DocumentRef]:
    """Files posted by forms: `do027.asp` with a `DOLFDNR`, and `si016.asp` HTML minutes with a `SILFDNR`."""
    refs = []
    for form in tree.css("form"):
        action = (form.attributes.get("action") or "").split("?")[0]
        if skip(form) or not (FILE_PROGRAM.search(action) or HTML_MINUTES.search(action)):
            continue
        field = "SILFDNR" if HTML_MINUTES.search(action) else "DOLFDNR"
        value = form.css_first(f'input[name="{field}"]')
        base = resolve_link(action, page_url, source)
        if value is None or not value.attributes.get("value") or not base:
            continue
        url = f"{base}?{urlencode({field: value.attributes['value']})}"
        if field == "SILFDNR":
            refs.append(_ref(url, "Niederschrift", "text/html"))
        else:
            refs.append(_ref(url, _form_name(form)))
    return refs


def link_refs(tree: LexborHTMLParser, page_url: str, source: str, skip: callable) -> list[DocumentRef]:
    """Files linked directly: `do027`/`doc?DOLFDNR=` (named by text, title or tooltip) and `si016` pages."""
    refs = []
    for link in tree.css("a[href]"):
        href = link.attributes.get("href") or ""
        if skip(link) or not (FILE_PROGRAM.search(href.split("?")[0]) or HTML_MINUTES.search(href)):
            continue
        if not (url := resolve_link(href, page_url, source)):
            continue
        if HTML_MINUTES.search(href):
            refs.append(_ref(url, "Niederschrift", "text/html"))
            continue
        tooltip = TOOLTIP_NAME.search(link.attributes.get("data-simpletooltip-text") or "")
        name = text_of(link) or (tooltip.group(1) if tooltip else "") or (link.attributes.get("title") or "")
        refs.append(_ref(url, name))
    return refs
