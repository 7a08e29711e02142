"""Every failure ratsflow knows, typed, each with a message an operator can act on.

`retryable` tells the Prefect task wrappers whether another attempt can help: a server
hiccup can, a file that is not a PDF cannot.
"""


class RatsflowError(Exception):
    """Base class: `str(err)` is the operator-facing message."""

    retryable = False
    kind = "error"


class SourceUnavailable(RatsflowError):
    """The council system did not answer usefully (timeouts, 5xx, 429): try again later."""

    retryable = True
    kind = "source_unavailable"


class SourceInvalid(RatsflowError):
    """The council system answered, but not with what its standard promises."""

    kind = "source_invalid"


class DocumentRejected(RatsflowError):
    """A file that can never be processed as it is: not a PDF, encrypted, too large, gone (404)."""

    kind = "document_rejected"


class ExtractionFailed(RatsflowError):
    """A PDF that opened but whose pages could not be turned into text."""

    kind = "extraction_failed"


class SchemaOutdated(RatsflowError):
    """The database schema is older than this ratsflow: run `ratsflow db upgrade`."""

    kind = "schema_outdated"


class ConfigurationError(RatsflowError):
    """A setting or argument that cannot work (bad URL, unknown database driver, …)."""

    kind = "configuration"
