"""Serving the hand-written council fixture pages from the loopback server."""

import re
from pathlib import Path

from loopback import Reply

FIXTURES = Path(__file__).parent / "fixtures"


def page(name: str, content_type: str | None = "text/html") -> Reply:
    """A fixture page as its server sends it: encoded in the charset its own meta tag declares.

    Fixtures are kept as UTF-8 text so they stay readable; the bytes on the wire are what
    a windows-1252 or iso-8859-1 installation really sends.
    """
    text = (FIXTURES / name).read_text(encoding="utf-8")
    declared = re.search(r"charset=[\"']?([\w-]+)", text)
    raw = text.encode(declared.group(1) if declared else "utf-8")
    return Reply(200, raw, {"Content-Type": content_type} if content_type else {})
