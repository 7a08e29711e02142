"""The flow formerly called `ingest` is `sync` (flows/sync.py); this name stays for old imports."""

from flows.sync import sync as ingest

__all__ = ["ingest"]
