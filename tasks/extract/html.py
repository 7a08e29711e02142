"""HTML minutes → one `PageText`: the page's main content, line by line, without its furniture.

Some councils publish the minutes as a web page instead of a PDF (ALLRIS `si016.asp`, the
"Protokoll" button). Such a page is still the minutes: its text is read from the HTML, keeping
the structure the segmenter relies on (a heading or paragraph per line, blank lines between
blocks, a table row per line) and leaving out what every page of the site repeats: menus,
navigation, header and footer, forms and scripts. The bytes are decoded as the page declares
them (`iso-8859-1` read as windows-1252, as browsers do), the same rules as discovery's.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import selectolax
from selectolax.lexbor import LexborHTMLParser, LexborNode

from schemas.errors import DocumentRejected
from schemas.pipeline import PageText
from tasks.sources.html import decode_html

HTML_ENGINE_VERSION = f"{selectolax.__version__}-1"  # -1: the rules below; raise it when they change
MIN_LETTERS = 80  # less than this is a refusal or an empty page, not minutes

# Never content: scripts, forms and the site's own chrome.
DROPPED_TAGS = {"script", "style", "noscript", "template", "head", "nav", "header", "footer", "aside", "form",
                "select", "button", "input", "textarea", "iframe", "svg", "img", "map"}  # fmt: skip
FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:nav|navi|navigation|menu|menue|menü|breadcrumbs?|footer|header|kopfzeile|fusszeile|sidebar|"
    r"toolbar|skip|banner|cookie|logo|search|suche|risdeco|risfoot|risnav|smcnav|smc-?navigation|smc_?header|"
    r"smc_?footer|print(?:link)?s?|druck)(?:$|[\s_-])",
    re.IGNORECASE,
)
# The part of the page that holds the document, best first; the body when none is there.
MAIN_CONTENT = ("[role=main]", "main", "#allriscontent", "#allriscontainer", "#smc_page_content", "#content",
                "#inhalt", "div.content", "article")  # fmt: skip
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "blockquote", "pre",
              "section", "article", "main", "center", "hr", "address", "fieldset"}  # fmt: skip
LINE_TAGS = {"tr", "li", "dt", "dd", "caption"}
CELL_TAGS = {"td", "th"}
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
LINE, BLOCK = "\x00", "\x01"  # break marks while walking: a run of them becomes one line end or one blank line
_BREAKS = re.compile(r"\s*[\x00\x01][\x00\x01\s]*")


def is_html_blob(path: Path) -> bool:
    """True for a stored file that is an HTML page rather than a PDF: its first bytes decide."""
    with path.open("rb") as stream:
        head = stream.read(2048)
    if b"%PDF-" in head:
        return False
    text = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    return text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<meta", b"<!--")) and (
        b"<html" in text or b"<body" in text or b"<head" in text
    )


def _is_furniture(node: LexborNode) -> bool:
    if node.tag in DROPPED_TAGS:
        return True
    marks = f"{node.attributes.get('id') or ''} {node.attributes.get('class') or ''} {node.attributes.get('role') or ''}"
    return bool(FURNITURE.search(marks)) or (node.attributes.get("role") or "") in {"navigation", "banner", "contentinfo"}


def _lines(node: LexborNode, out: list[str], pre: bool = False) -> None:
    """Append the node's text to `out`, with LINE after a line and BLOCK around a block."""
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            text = child.text_content or ""
            out.append(text.replace("\n", LINE) if pre else text)
        elif tag == "br":
            out.append(LINE)
        elif tag.startswith("-") or _is_furniture(child):
            continue
        elif tag in BLOCK_TAGS:
            out.append(BLOCK)
            _lines(child, out, pre or tag == "pre")
            out.append(BLOCK)
        elif tag in LINE_TAGS:
            out.append(LINE)
            _lines(child, out, pre)
            out.append(LINE)
        elif tag in CELL_TAGS:
            out.append(" ")
            _lines(child, out, pre)
            out.append(" ")
        else:
            _lines(child, out, pre)


def html_minutes_text(markup: str) -> str:
    """The main content of an HTML page as lines: one per heading, paragraph or table row; blank between blocks."""
    tree = LexborHTMLParser(markup)
    root = next((found for selector in MAIN_CONTENT if (found := tree.css_first(selector)) is not None), None)
    root = root or tree.body or tree.root
    out: list[str] = []
    if root is not None:
        _lines(root, out)
    text = _BREAKS.sub(lambda m: "\n\n" if BLOCK in m.group(0) else "\n", "".join(out).replace("\n", " "))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def extract_html_pages(path: Path) -> list[PageText]:
    """The minutes text of a stored HTML page as one page (`method='html'`); a page without text is rejected."""
    text = html_minutes_text(decode_html(path.read_bytes()))
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_LETTERS:
        raise DocumentRejected(
            f"the HTML minutes page holds no minutes text ({letters} letters; a refusal or an empty page?)"
        )
    return [PageText(number=1, method="html", engine="selectolax-lexbor", engine_version=HTML_ENGINE_VERSION,
                     raw_text=text)]  # fmt: skip
