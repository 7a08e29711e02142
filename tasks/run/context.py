"""The resources one run shares between its document tasks, built from a flow's parameters."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from schemas.errors import ConfigurationError
from schemas.extraction import OcrPolicy
from schemas.params import StoreParams
from schemas.pipeline import Provenance
from schemas.settings import Settings, local_path_or_url
from storage.blobs import BlobStore
from storage.engine import create_db_engine, ensure_schema
from tasks.http import HttpClient
from tasks.normalise import NORMALISER_VERSION
from tasks.run.politeness import HostLimit
from tasks.segment import SEGMENTER_VERSION
from tasks.version import git_commit, ratsflow_version

# Two documents at a time: one downloads or segments while the other OCRs (2 pages in parallel).
DOCUMENT_WORKERS = 2


@dataclass
class PipelineContext:
    """Engine, client, blob store, policy and provenance that one run's document tasks share.

    Pickles as its settings: a Dask worker in another process rebuilds engine and client
    from them (one engine per database URL and process), so document tasks can run there.
    """

    engine: Engine
    client: HttpClient
    blobs: BlobStore
    policy: OcrPolicy
    provenance: Provenance
    settings: Settings = field(default_factory=Settings)
    skip_current: bool = False
    host_limits: dict[str, HostLimit] = field(default_factory=dict)

    def close(self) -> None:
        self.client.close()

    def __reduce__(self):
        return (rebuild_pipeline, (self.settings, self.provenance, self.skip_current, self.host_limits))


@functools.cache
def shared_engine(url: str) -> Engine:
    """One engine (connection pool) per database and process, for contexts rebuilt on workers."""
    return create_db_engine(url)


def rebuild_pipeline(
    settings: Settings, provenance: Provenance, skip_current: bool, host_limits: dict[str, HostLimit]
) -> PipelineContext:
    return PipelineContext(
        engine=shared_engine(settings.resolved_database_url()),
        client=HttpClient(settings),
        blobs=open_blob_store(settings),
        policy=OcrPolicy.from_settings(settings),
        provenance=provenance,
        settings=settings,
        skip_current=skip_current,
        host_limits=host_limits,
    )


def data_dir_path(value: str | Path) -> Path | str:
    """A data folder from a path or `file://` URL as a Path; an fsspec URL (s3://bucket/prefix) stays a URL.

    Whether the URL's file system is installed is checked when the blob store opens it.
    """
    return local_path_or_url(value)


def open_blob_store(settings: Settings) -> BlobStore:
    """The blob store below `<data_dir>/blobs`, local or remote; a missing fsspec backend is a ConfigurationError."""
    data_dir = settings.data_dir
    root = data_dir / "blobs" if isinstance(data_dir, Path) else f"{data_dir.rstrip('/')}/blobs"
    return BlobStore(root, cache_dir=settings.blob_cache_dir)


def settings_for(params: StoreParams) -> Settings:
    overrides: dict[str, object] = {}
    if params.database_url:
        overrides["database_url"] = params.database_url
    if params.data_dir:
        overrides["data_dir"] = data_dir_path(params.data_dir)
    settings = Settings(**overrides)
    settings.data_dir = data_dir_path(settings.data_dir)
    if isinstance(settings.data_dir, str) and not settings.database_url:
        raise ConfigurationError(
            f"data_dir {settings.data_dir} keeps blobs remotely, so there is no local default database: "
            f"set database_url (or RATSFLOW_DATABASE_URL)"
        )
    return settings


def provenance_in_task(provenance: Provenance) -> Provenance:
    """The run's provenance plus the Prefect task run doing this document (None outside Prefect)."""
    from prefect.runtime import task_run

    run_id = task_run.id
    return provenance.model_copy(update={"task_run_id": str(run_id) if run_id else None})


def provenance_for_run(flow_run_id: str | None) -> Provenance:
    return Provenance(
        ratsflow_version=ratsflow_version(),
        git_commit=git_commit(),
        normaliser_version=NORMALISER_VERSION,
        segmenter_version=SEGMENTER_VERSION,
        flow_run_id=flow_run_id,
    )


def open_pipeline(params: StoreParams, flow_run_id: str | None, *, skip_current: bool = False) -> PipelineContext:
    """Engine (schema created in an empty database, else checked), HTTP client, blob store, OCR policy and provenance."""
    settings = settings_for(params)
    engine = create_db_engine(settings.resolved_database_url())
    ensure_schema(engine)
    return PipelineContext(
        engine=engine,
        client=HttpClient(settings),
        blobs=open_blob_store(settings),
        policy=OcrPolicy.from_settings(settings),
        provenance=provenance_for_run(flow_run_id),
        settings=settings,
        skip_current=skip_current,
    )


def document_task_runner():
    """How a flow runs its document tasks: two threads here, or a Dask cluster when configured.

    RATSFLOW_DASK_ADDRESS=tcp://scheduler:8786 sends document tasks (each OCRing its pages in
    threads) to an existing Dask cluster; `local` starts a LocalCluster of this machine's
    cores. Read when the flow module is imported, i.e. per worker process and deployment
    (set it in the work pool's or deployment's job variables).
    """
    from prefect.task_runners import ThreadPoolTaskRunner

    address = os.environ.get("RATSFLOW_DASK_ADDRESS", "").strip()
    if not address:
        return ThreadPoolTaskRunner(max_workers=DOCUMENT_WORKERS)
    return dask_task_runner(address)


def dask_task_runner(address: str, **cluster_kwargs):
    """A DaskTaskRunner for a scheduler address, or a LocalCluster for 'local' (needs prefect-dask)."""
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as err:
        raise ConfigurationError("RATSFLOW_DASK_ADDRESS is set but prefect-dask is not installed (pip install prefect-dask)") from err
    if address == "local":
        # No dashboard: it would listen on every interface of the machine.
        kwargs = {"n_workers": 1, "threads_per_worker": DOCUMENT_WORKERS, "dashboard_address": None, **cluster_kwargs}
        return DaskTaskRunner(cluster_kwargs=kwargs)
    return DaskTaskRunner(address=address)
