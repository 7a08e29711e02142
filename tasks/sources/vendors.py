"""Which council system answers at an address, told from what its pages say about themselves.

A user gives the root of an installation ("https://ris.example.de/bi/"), any page in it, or a
city portal page that links it. The address alone says little (`/bi/` is SessionNet as often as
ALLRIS, ALLRIS 4 lives under `/allris/` as well as `/public/`), so the page given is read, and,
if it says nothing, the vendors' known entry pages next to it. What the pages say decides:

- SessionNet (Somacos): `smc-`/`smc_` classes, `SMCINFO` comments, "SessionNet"/"Somacos" in
  the page, links to `si0040.asp|php`; `.php` or `.asp` from the links the installation gives.
- ALLRIS (CC e-gov): the `<meta name="description" content="ALLRIS net Version 3.9.4 …">`,
  `allriscontainer`/`allriscontent`, `allrisnet.js`, `allris.net.asp`, the refusal "Zugriff
  verweigert (Programm si010_e.asp)"; ALLRIS 4 from "Version 4" or its extension-less programs
  (`si010?`, `to010?SILFDNR=`), classic from `.asp` programs.

The result is chosen once per run; each adapter then applies the quirks of that generation.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

from schemas.errors import SourceInvalid
from tasks.http import HttpClient
from tasks.sources.html import HtmlPage, absolute_url, fetch_html_page, same_host

log = logging.getLogger("ratsflow.sources")

Vendor = Literal["sessionnet", "allris"]
Generation = Literal["sessionnet", "allris-classic", "allris4"]

SESSIONNET_MARK = re.compile(
    r"""class=["'][^"']*\bsmc[-_]|SMCINFO|\bSessionNet\b|\bSomacos\b|\bsi0040\.(?:asp|php)\b""", re.IGNORECASE
)
ALLRIS_MARK = re.compile(
    r"""\bALLRIS\b|allriscontainer|allriscontent|allrisnet\.js|ALLRIS\.ico|allris\.net\.asp|id=["']allris["']|"""
    r"""Zugriff verweigert \(Programm""",
    re.IGNORECASE,
)
ALLRIS_VERSION = re.compile(r"ALLRIS\s*net\s+Version\s+(\d+)(?:\.(\d+))?", re.IGNORECASE)
ALLRIS4_PROGRAM = re.compile(r"""(?:href|action|"u")\s*[=:]\s*["'](?:\./)?(?:si010|to010|gr010|vo040)(?:\?|["'])""")
SESSIONNET_PROGRAM = re.compile(
    r"""(?:href|action)=["'](?P<href>[^"'?#]*?(?P<name>si0040|si0057|info)\.(?P<ext>asp|php))\b""", re.IGNORECASE
)
ALLRIS_PROGRAM = re.compile(
    r"""(?:href|action)=["'](?P<href>[^"'?#]*?(?P<name>si010(?:_[a-z])?\.asp|to010(?:_[a-z])?\.asp|allris\.net\.asp))""",
    re.IGNORECASE,
)
VENDOR_PAGE = re.compile(
    r"^(?:[a-z]{2}\d{3,4}(?:_[a-z])?(?:\.(?:asp|php))?|allris\.net\.asp|info\.(?:asp|php)|index\.(?:asp|php)|doc)$",
    re.IGNORECASE,
)
# Per-committee calendars an entry page may link: ALLRIS `si010_a.asp?PALFDNR=` (a council's calendar,
# its committees included), SessionNet `si0041.asp?__ctopic=gr&__kgrnr=` / `si0046.asp?__kgsgrnr=`.
COMMITTEE_CALENDAR = {
    "allris": re.compile(r"(?:^|/)si010_a\.asp\?(?:[^#]*&)?PALFDNR=\d+", re.IGNORECASE),
    "sessionnet": re.compile(r"(?:^|/)si004[16]\.(?:asp|php)\?(?:[^#]*&)?__kg(?:sg)?rnr=\d+", re.IGNORECASE),
}
# Entry pages tried next to the address given when that page says nothing about itself.
ENTRY_PAGES: dict[str | None, tuple[str, ...]] = {
    "sessionnet": ("si0040.asp", "si0040.php", "info.asp", "info.php"),
    "allris": ("allris.net.asp", "si010_e.asp", "si010"),
}
ENTRY_PAGES[None] = ENTRY_PAGES["sessionnet"] + ENTRY_PAGES["allris"]


@dataclass(frozen=True)
class Installation:
    """A vendor installation as its pages describe it; `folder` ends in '/'."""

    vendor: Vendor
    generation: Generation
    folder: str
    suffix: str  # ".asp", ".php"; "" for ALLRIS 4, whose programs have no extension
    calendar: str | None = None  # the ALLRIS calendar program the installation links, if it names one
    version: str | None = None
    evidence: str = ""  # the page that told, for the log
    committee_calendars: tuple[str, ...] = ()  # per-committee calendars the page links, absolute URLs


def page_folder(url: str) -> str:
    """The folder of a page URL: itself when it ends in '/', else the part before its last segment."""
    parts = urlsplit(url)
    path = parts.path or "/"
    last = path.rsplit("/", 1)[-1]
    if last and (VENDOR_PAGE.match(last) or "." in last):
        path = path[: -len(last)]
    elif not path.endswith("/"):
        path += "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def _linked_folder(page: HtmlPage, pattern: re.Pattern[str]) -> str | None:
    """The folder of the first vendor program the page links on its own host (a portal page linking the RIS)."""
    for m in pattern.finditer(page.text):
        target = absolute_url(m.group("href"), page.final_url)
        if target and same_host(target, page.final_url):
            return page_folder(target)
    return None


def committee_calendars(page: HtmlPage, vendor: Vendor) -> tuple[str, ...]:
    """The per-committee calendars a page links on its own host, each once, in the page's order."""
    found = []
    for link in page.tree.css("a[href]"):
        href = link.attributes.get("href") or ""
        if COMMITTEE_CALENDAR[vendor].search(href) and same_host(url := urljoin(page.final_url, href), page.final_url):
            found.append(url.split("#")[0])
    return tuple(dict.fromkeys(found))


def read_installation(page: HtmlPage) -> Installation | None:
    """The installation a fetched page belongs to, or None when it carries no vendor's marks."""
    text = page.text
    own = urlsplit(page.final_url).path.rsplit("/", 1)[-1]
    if SESSIONNET_MARK.search(text) and not ALLRIS_VERSION.search(text):
        suffix = next((f".{m.group('ext').lower()}" for m in SESSIONNET_PROGRAM.finditer(text)), None)
        if own.lower().endswith((".asp", ".php")) and VENDOR_PAGE.match(own):
            folder, suffix = page_folder(page.final_url), suffix or "." + own.rsplit(".", 1)[-1].lower()
        else:
            folder = _linked_folder(page, SESSIONNET_PROGRAM) or page_folder(page.final_url)
        return Installation("sessionnet", "sessionnet", folder, suffix or ".asp", evidence=page.final_url,
                            committee_calendars=committee_calendars(page, "sessionnet"))  # fmt: skip
    if not ALLRIS_MARK.search(text) and not ALLRIS4_PROGRAM.search(text):
        return None
    version = ALLRIS_VERSION.search(text)
    major = int(version.group(1)) if version else None
    modern = major >= 4 if major is not None else bool(ALLRIS4_PROGRAM.search(text)) and ".asp" not in own.lower()
    if modern:
        return Installation(
            "allris", "allris4", page_folder(page.final_url), "", calendar="si010",
            version=version.group(0) if version else None, evidence=page.final_url,
        )  # fmt: skip
    calendars = [name for m in ALLRIS_PROGRAM.finditer(text)
                 if (name := m.group("name")).lower().startswith("si010") and name.lower() != "si010_a.asp"]  # fmt: skip
    folder = page_folder(page.final_url) if VENDOR_PAGE.match(own) else _linked_folder(page, ALLRIS_PROGRAM)
    return Installation(
        "allris", "allris-classic", folder or page_folder(page.final_url), ".asp",
        calendar=calendars[0] if calendars else None,
        version=version.group(0) if version else None, evidence=page.final_url,
        committee_calendars=committee_calendars(page, "allris"),
    )  # fmt: skip


def probe_installation(url: str, client: HttpClient, kind: Vendor | None = None) -> Installation | None:
    """The installation at `url`: the page itself, else the known entry pages next to it.

    `kind` (the user's `--kind`) only orders the entry pages tried; the pages decide. None when
    `url` answers JSON (an OParl API). Nothing recognisable anywhere is `SourceInvalid` naming
    every page tried.
    """
    tried: list[str] = []
    candidates = [url] + [urljoin(page_folder(url), name) for name in ENTRY_PAGES[kind]]
    for candidate in dict.fromkeys(candidates):
        tried.append(candidate)
        page = fetch_html_page(client, candidate, quiet=True)
        if page is None:
            continue
        if candidate == url and page.text.lstrip().startswith(("{", "[")):
            return None
        found = read_installation(page)
        if found is None:
            continue
        if kind and found.vendor != kind:
            log.warning("%s says it is %s, not %s as given; reading it as %s", candidate, found.vendor, kind, found.vendor)
        log.info("%s: %s (%s) in %s", candidate, found.vendor, found.version or found.generation, found.folder)
        return found
    raise SourceInvalid(
        f"no SessionNet or ALLRIS installation answers at {url}; pages tried: {', '.join(tried)} "
        f"(for an OParl API give its System URL)"
    )
