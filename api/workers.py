"""The worker processes heavy requests are computed in, away from the server's threads (pebble's ProcessPool).

Use it through :func:`api.runner.compute`, which reads the app's settings (``WORKERS``, ``REQUEST_TIMEOUT``)
and turns what goes wrong into the API's errors. Here:

- one pool per process and worker count, created on first use (so the server's boot stays fast) and
  stopped at exit;
- workers are forked from a forkserver that imported the service's modules once: a new worker is ready in
  milliseconds and inherits none of the server's threads or locks. A worker exits as soon as the server
  process is gone (even SIGKILLed, even mid-task), and the forkserver with the last worker;
- at most ``workers`` tasks are handed to the pool at once; the others wait (at most ``wait`` seconds) for
  a free worker, so a task's time limit is its own running time, never time spent queueing;
- a task past its time limit is stopped: pebble kills its worker (its memory goes back to the system) and
  starts another one.

A task is ``fn(*args, **kwargs)`` with ``fn`` a module-level function and everything picklable. Client
errors it raises (:class:`~api.errors.ApiError`, ``ScenarioError``, ``SolveError``) come back as a
:class:`Failure`; anything else is re-raised in the server with the worker's traceback logged.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import logging
import multiprocessing
import os
import select
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

# imported once in the forkserver, so every worker starts with them
PRELOAD = [
    "api.resources",
    "fiscal_sim.io.records",
    "fiscal_sim.io.charts",
    "fiscal_sim.io.excel_results",
    "scipy.optimize",  # goal seeking; imported on use in fiscal_sim, so here ahead of the first solve
]
STARTUP_GRACE = 60.0  # seconds a first task may wait, beyond its own limit, for the forkserver and a worker
STOP_WAIT = 5.0  # seconds given to the pool to stop at exit


class Busy(Exception):
    """Every worker stayed busy for the whole wait."""


class Stopped(Exception):
    """The task ran past its time limit; its worker was killed (and is being replaced)."""


class Crashed(Exception):
    """The worker died while running the task (killed from outside, out of memory …)."""

    def __init__(self, exitcode):
        super().__init__(exitcode)
        self.exitcode = exitcode


@dataclass(frozen=True)
class Failure:
    """A client error raised by a task: the answer's status and ``{field: [messages]}``."""

    status: int
    errors: dict


def run(fn, args: tuple, kwargs: dict):
    """``fn(*args, **kwargs)``; a client error is returned as a :class:`Failure` (it pickles, unlike them)."""
    from fiscal_sim.errors import ScenarioError, SolveError

    from .errors import ApiError

    try:
        return fn(*args, **kwargs)
    except ApiError as exc:
        return Failure(exc.status, exc.errors)
    except ScenarioError as exc:
        return Failure(422, exc.errors)
    except SolveError as exc:
        return Failure(422, {"target": [str(exc)]})


def _worker_started(server: int) -> None:
    """In each new worker: leave as soon as the server process ``server`` is gone, even killed mid-task;
    make matplotlib ready to draw (:func:`fiscal_sim.io.charts.warm`).

    (A worker's parent is the forkserver, which lives as long as any worker does: without this, a worker
    orphaned by a killed server would finish its task first.)
    """
    threading.Thread(target=_exit_with, args=(server,), name="exit-with-the-server", daemon=True).start()
    try:  # the CJK font looked up and loaded now, not by the worker's first chart
        from fiscal_sim.io import charts

        charts.warm()
    except Exception:  # noqa: BLE001 - the first chart does the same work all the same
        log.debug("chart warm-up failed", exc_info=True)


def _exit_with(server: int) -> None:
    try:
        handle = os.pidfd_open(server)  # readable once the process has exited (Linux ≥ 5.3)
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while True:
            time.sleep(1.0)
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                continue
    os._exit(1)


class Pool:
    """``workers`` worker processes; tasks beyond them wait for a free one."""

    def __init__(self, workers: int):
        self.workers = workers
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._pool = None

    def _pebble(self):
        """The pebble pool, created (or re-created, when it broke) on demand; its workers start with it."""
        from pebble import ProcessPool

        with self._lock:
            if self._pool is not None and not self._pool.active:
                log.warning("the worker pool stopped working: starting a new one")
                _stop(self._pool)
                self._pool = None
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self._pool = ProcessPool(
                    max_workers=self.workers, context=context, initializer=_worker_started, initargs=(os.getpid(),)
                )
            return self._pool

    def call(self, fn, args: tuple, kwargs: dict, *, timeout: float, wait: float):
        """``run(fn, args, kwargs)`` in a worker: its result, or Busy, Stopped or Crashed."""
        if not self._slots.acquire(timeout=wait):
            raise Busy()
        try:
            future = self._pebble().schedule(run, args=(fn, args, kwargs), timeout=timeout)
            try:
                return future.result(timeout=timeout + STARTUP_GRACE)  # pebble itself stops it after timeout
            except Exception as exc:
                from pebble import ProcessExpired

                remote = getattr(exc.__cause__, "traceback", None)  # set when the task itself raised
                if isinstance(exc, concurrent.futures.TimeoutError | concurrent.futures.CancelledError) and not remote:
                    future.cancel()  # in case pebble's own limit did not fire: stop the worker now
                    raise Stopped() from None
                if isinstance(exc, ProcessExpired):
                    raise Crashed(exc.exitcode) from None
                if isinstance(exc, concurrent.futures.BrokenExecutor):  # every worker died: a new pool next time
                    raise Crashed(None) from None
                log.error("task %s failed in its worker:\n%s", getattr(fn, "__qualname__", fn), remote or exc)
                raise
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                _stop(self._pool)
                self._pool = None


def _stop(pool) -> None:
    try:
        pool.stop()
        pool.join(timeout=STOP_WAIT)
    except Exception:  # noqa: BLE001 - stopping at exit: nothing left to tell
        log.debug("worker pool did not stop cleanly", exc_info=True)


_pools: dict[int, Pool] = {}
_pools_lock = threading.Lock()


def pool(workers: int) -> Pool:
    """The process's pool of ``workers`` workers (created on first use; processes start with its first task)."""
    with _pools_lock:
        found = _pools.get(workers)
        if found is None:
            found = _pools[workers] = Pool(workers)
        return found


def _ready() -> bool:
    return True


def warm(workers: int, timeout: float = STARTUP_GRACE) -> threading.Thread | None:
    """Start the pool and its workers in the background (the server answers meanwhile), so the first heavy
    request does not wait for the forkserver to import everything."""
    if workers <= 0:
        return None

    def start():
        try:
            pool(workers).call(_ready, (), {}, timeout=timeout, wait=timeout)
        except Exception:  # noqa: BLE001 - a first real request starts the pool all the same
            log.debug("worker warm-up failed", exc_info=True)

    thread = threading.Thread(target=start, name="fiscal-sim-warm-workers", daemon=True)
    thread.start()
    return thread


@atexit.register
def shutdown() -> None:
    """Stop every pool (at exit; tests may call it too)."""
    with _pools_lock:
        pools = list(_pools.values())
    for each in pools:
        each.close()
