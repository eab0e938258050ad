"""Running independent pieces of an analysis on a Dask cluster (docs/model.md §1.12).

Monte Carlo chunks and sweep combinations are independent runs of the model. With a
``dask.distributed.Client`` they run on its workers: what they share (a compiled model, a scenario)
is sent to every worker once, and each task carries only its own small arguments. Results come back
as they finish; the callers put each in its place, so the numbers never depend on the order or on
how the work was cut. Dask is imported only by :func:`local_cluster`; the rest uses the client the
caller passes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from ..errors import ScenarioError

WORKER_MEMORY_SHARE = 2  # a chunk may take 1/2 of a worker's memory per thread (the rest: model, results)


def check_client(client) -> None:
    """A ScenarioError unless ``client`` looks like a ``dask.distributed.Client``."""
    if not all(callable(getattr(client, name, None)) for name in ("scatter", "map", "nthreads", "cancel")):
        raise ScenarioError({"client": [f"must be a dask.distributed.Client, got {type(client).__name__}"]})


def client_threads(client) -> int:
    """Worker threads of the cluster (at least 1: workers may still be joining)."""
    return max(1, sum(client.nthreads().values()))


def client_budget(client, budget: int) -> int:
    """``budget`` bytes, or less when a worker's memory limit per thread, halved, is smaller."""
    for worker in client.scheduler_info()["workers"].values():
        limit, threads = worker.get("memory_limit") or 0, worker.get("nthreads") or 1
        if limit > 0:
            budget = min(budget, int(limit) // threads // WORKER_MEMORY_SHARE)
    return budget


def run_on_client(client, func: Callable, shared, arguments: Iterable[tuple]) -> Iterator:
    """``func(shared, *args)`` for each tuple of ``arguments`` on the client's workers, yielded as each
    finishes (not in order). ``shared`` is sent to every worker once; the tasks are cancelled if the
    caller stops early or one fails."""
    from distributed import as_completed  # imported on use: only a caller with a client gets here

    shared_future = client.scatter(shared, broadcast=True, hash=False)
    futures = [client.submit(func, shared_future, *args, pure=False) for args in arguments]
    try:
        for _, result in as_completed(futures, with_results=True):
            yield result
    finally:
        client.cancel([*futures, shared_future])


@contextmanager
def local_cluster(n_workers: int, memory_limit: str | int = "auto") -> Iterator:
    """A ``dask.distributed.Client`` on a new LocalCluster of ``n_workers`` single-threaded worker
    processes, closed on exit.

    The workers start without Dask's default ``MALLOC_TRIM_THRESHOLD_=65536``: setting it switches off
    glibc's adaptive mmap threshold, so every large numpy temporary of the engine is mapped and unmapped
    afresh, which doubled the CPU time of a Monte Carlo chunk (benchmarks/bench_dask.py). The dashboard
    asks for a free port (the scheduler serves HTTP even without one; the default 8787 may be taken).
    """
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            memory_limit=memory_limit,
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster) as client:
        yield client
