"""What an operator's terminal shows during a command: one stderr console for messages, log lines and
the progress bar, so that none of them garbles another.

Prefect's console handler writes through a rich Console of its own; a progress bar on a second
Console is then overwritten by log lines. Here every Prefect console handler prints through `err`,
the console the bar lives on, so rich keeps log lines above the bar. Without `--verbose` the run's
log lines stay in the Prefect log (the UI, or the temporary server's) and the terminal shows the bar
and the closing summary; with it, every INFO line and traceback as well.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

out = Console()
err = Console(stderr=True)

QUIET = logging.CRITICAL + 1


def quiet_prefect_processes(verbose: bool) -> None:
    """Settings read when Prefect starts (here, and in the temporary server it spawns with our environment).

    The temporary server's own services log "Error flushing events" with a traceback when it is
    stopped while they still flush; nothing an operator can act on after a run that worked.
    """
    if not verbose:
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_INTERNAL_LOGGING_LEVEL", "CRITICAL")


def route_prefect_logging(verbose: bool) -> None:
    """Point Prefect's console handlers at `err`; silence them unless `verbose`.

    Safe to call again (the tests run many commands in one process): it only sets attributes.
    """
    import prefect  # noqa: F401 - importing prefect configures its logging, which is changed here
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler):
                handler.console = err
                handler.setLevel(logging.INFO if verbose else QUIET)
            elif type(handler).__name__ == "_SafeStreamHandler":  # Prefect's internal debug handler
                handler.setLevel(logging.WARNING if verbose else QUIET)


class ProgressBar:
    """One bar for the outermost thing a run counts (a backfill's chunks, a sync's documents).

    Counts of nested runs (the documents of the chunk being worked on) are shown in the bar's text
    instead of as bars of their own, so a backfill has one bar from its first to its last chunk.
    """

    def __init__(self, progress) -> None:
        self.progress = progress
        self.outer: str | None = None
        self.task = None
        self.inner: dict[str, tuple[int, int]] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.outer is None:
            self.outer = what
            self.task = self.progress.add_task(what, total=total)
        if what == self.outer:
            self.progress.update(self.task, completed=done, total=total)
        else:
            self.inner[what] = (done, total)
        shown = ", ".join(f"{name} {d}/{t}" for name, (d, t) in self.inner.items())
        self.progress.update(self.task, description=f"{self.outer}" + (f" ({shown})" if shown else ""))


@contextmanager
def progress_bar() -> Iterator[None]:
    """A rich progress bar on `err`, fed by the runs started inside this block (tasks.run.report)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tasks.run.report import progress_listener

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        with progress_listener(ProgressBar(progress)):
            yield
