"""Prefect task wrappers of the stages, with the one task retry policy of those that talk to a council system.

Task retries are declared here and nowhere else: exponential backoff with jitter, and only for
trouble that another attempt can cure (`RatsflowError.retryable`); a 404 or an HTML page where
a PDF belongs is final at once. Beneath them, the HTTP client retries a single request within
seconds (a 500 burst, a reset, a body broken off: tasks/http.py, tasks/fetch.py); these retry
the whole stage after that has given up.
"""

from __future__ import annotations

from collections.abc import Callable

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from schemas.errors import RatsflowError
from tasks.fetch import fetch_document
from tasks.sources import detect_source_kind, discover


def is_retryable(task, task_run, state) -> bool:
    """Prefect retry_condition_fn: retry transient source trouble only, never a rejected file."""
    try:
        state.result()
    except RatsflowError as err:
        return err.retryable
    except Exception:
        return True
    return False


def network_task(fn: Callable, *, name: str, first_delay: float, **options):
    """`fn` as a Prefect task with two retries, `first_delay` seconds apart and doubling (±50 %)."""
    return task(
        name=name,
        cache_policy=NO_CACHE,
        retries=2,
        retry_delay_seconds=exponential_backoff(backoff_factor=first_delay),
        retry_jitter_factor=0.5,
        retry_condition_fn=is_retryable,
        **options,
    )(fn)


def discover_task_name() -> str:
    """`discover-oparl-rhein-sieg-kreis-de`: the kind (detected when not given) and the source, never `discover-None`."""
    from prefect.runtime import task_run

    from tasks.run.report import source_slug

    url, kind = task_run.parameters.get("url", ""), task_run.parameters.get("kind")
    try:
        kind = kind or detect_source_kind(url)
    except RatsflowError:
        kind = "source"
    return f"discover-{kind}-{source_slug(url)}"


discover_task = network_task(discover, name="discover", first_delay=30, task_run_name=discover_task_name)
def fetch_task_name() -> str:
    """`fetch-<file name>`: which download this is, readable beside its document's task run."""
    from prefect.runtime import task_run

    from tasks.run.report import file_name

    return f"fetch-{file_name(task_run.parameters.get('url', ''))}"[:120]


fetch_document_task = network_task(fetch_document, name="fetch", first_delay=10, task_run_name=fetch_task_name)
