"""Before an interactive run: does the source answer at all?

A scheduled run retries a source that is down (it may be back in a minute); an operator at the
terminal wants to know in seconds that the address refuses connections, has no DNS entry or
does not answer, not after fifteen attempts over two minutes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from schemas.errors import SourceUnreachable
from schemas.secrets import redacted_url
from schemas.settings import Settings
from tasks.http import HttpClient


def check_source_answers(url: str, settings: Settings) -> None:
    """One request to the source's entry URL, no retries; raises SourceUnreachable when nothing answers.

    Only the network is judged here: an HTTP error status is left to the run, whose retries
    and messages know what it means. Folders and file lists (archive sources) are not asked.
    """
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return
    with HttpClient(settings, retries=0) as client:
        try:
            with client.stream(url):
                pass
        except SourceUnreachable as err:
            raise SourceUnreachable(
                f"{redacted_url(url)}: {err.problem}; check the address, and that the council system is up", problem=err.problem
            ) from None
        except Exception:  # an HTTP status, an answer the run will judge: not this check's business
            return
