"""Every failure ratsflow knows, typed, each with a message an operator can act on and an exit code.

`retryable` tells the Prefect task wrappers whether another attempt can help: a server
hiccup can, a file that is not a PDF cannot. `exit_code` is what the `ratsflow` command exits
with when this error stops it (OCRmyPDF's `ExitCode` is the model); docs/OPERATING.md lists them.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit status of `ratsflow`: scripts and schedulers branch on these, so they never change meaning."""

    ok = 0
    internal_error = 1  # a bug: the message says so; --verbose shows the traceback
    bad_input = 2  # a command line option, parameter, input file or setting that cannot work
    documents_failed = 3  # the run completed, but some documents failed (each listed with its reason)
    source_unavailable = 4  # the council system could not be reached or answered nonsense
    database_unavailable = 5  # the database could not be opened (down, refused, not a database)
    schema_outdated = 6  # the database schema is older (or newer) than this ratsflow: `ratsflow db upgrade`
    interrupted = 130  # Ctrl-C or SIGTERM


class RatsflowError(Exception):
    """Base class: `str(err)` is the operator-facing message."""

    retryable = False
    kind = "error"
    exit_code = ExitCode.internal_error


class SourceUnavailable(RatsflowError):
    """The council system did not answer usefully (refused, DNS, timeouts, 5xx, 429): try again later."""

    retryable = True
    kind = "source_unavailable"
    exit_code = ExitCode.source_unavailable


class SourceUnreachable(SourceUnavailable):
    """Nothing answered at all: connection refused, no DNS entry, timed out. `problem` names which."""

    def __init__(self, message: str, problem: str = "unreachable"):
        super().__init__(message)
        self.problem = problem


class SourceInvalid(RatsflowError):
    """The council system answered, but not with what its standard promises."""

    kind = "source_invalid"
    exit_code = ExitCode.source_unavailable


class DocumentRejected(RatsflowError):
    """A file that can never be processed as it is: not a PDF, encrypted, too large, gone (404)."""

    kind = "document_rejected"
    exit_code = ExitCode.bad_input


class ExtractionFailed(RatsflowError):
    """A PDF that opened but whose pages could not be turned into text."""

    kind = "extraction_failed"
    exit_code = ExitCode.bad_input


class SchemaOutdated(RatsflowError):
    """The database schema is older than this ratsflow: run `ratsflow db upgrade`."""

    kind = "schema_outdated"
    exit_code = ExitCode.schema_outdated


class DatabaseUnavailable(RatsflowError):
    """The database cannot be opened: server down or refusing, wrong credentials, a file that is no database."""

    retryable = True
    kind = "database_unavailable"
    exit_code = ExitCode.database_unavailable


class ConfigurationError(RatsflowError):
    """A setting or argument that cannot work (bad URL, unknown database driver, reversed dates, …)."""

    kind = "configuration"
    exit_code = ExitCode.bad_input


class DocumentTooLarge(DocumentRejected):
    """A file past one of ratsflow's limits (bytes, pages, pixels, inflated streams): refused before it costs memory.

    Each limit is a setting; the message names the measured size, the limit and the variable
    that raises it, so an operator can tell a bomb from an unusually big but real file.
    """

    kind = "too_large"


class DownloadTimedOut(SourceUnavailable):
    """A download that did not finish within its total deadline (a server trickling bytes or sending forever)."""

    retryable = False  # another attempt would cost the same deadline again; the next run tries once more
    kind = "download_timed_out"


class AddressRefused(DocumentRejected):
    """A URL ratsflow will not fetch: not http(s), another host than the source's, or a loopback,
    link-local or private address while the source lives elsewhere (a link must not reach inside the network)."""

    kind = "address_refused"


class NoTextFound(ExtractionFailed):
    """A minutes file that opened, but no page yielded any text (blank pages, or scans OCR reads nothing on)."""

    kind = "no_text"
