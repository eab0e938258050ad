"""Running heavy work: :func:`compute` runs a module-level function in the pool of :mod:`api.workers`
under ``REQUEST_TIMEOUT`` and turns what goes wrong there into the API's errors.

Heavy work runs in a worker process (:func:`compute`), light work in the server. A request is answered in
three steps:

1. in the server, :func:`~api.sources.source` / :func:`~api.sources.sources` turn the body into plain data
   (the stored or inline document, its overrides, the field names) and refuse, before any work starts,
   what breaks a per-request limit (towns, projects, years, ``MAX_CELLS``, draws: :mod:`api.limits`);
2. ``compute(task, source, limits())`` runs a module-level ``task`` in a worker:
   :func:`~api.sources.scenario_of` and :func:`~api.sources.results_of` build the scenarios there (validated
   stored versions cached per worker), and the task returns its answer ready to send (JSON bytes from
   :func:`~api.answers.json_bytes`, chart or workbook bytes);
3. the server wraps the bytes in a response (:func:`~api.answers.json_response`);
   :func:`~api.answers.cached` keeps it, so a repeated request never reaches a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import flask

from .errors import ApiError

# ------------------------------------------------------------------------------------------------
# heavy work in a worker process

T = TypeVar("T")


def compute(fn: Callable[..., T], /, *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` computed in a worker process; its result, or an :class:`ApiError`.

    ``fn`` is a module-level function (it is sent by name) and the arguments are picklable plain data
    (dicts, lists, strings, numbers: documents, overrides, :func:`~api.sources.source` dicts,
    :func:`~api.limits.limits`), never Flask objects; it runs without an app or request, so it is given what
    it needs (the limits, the language). Let it return the answer ready to send (JSON bytes from
    :func:`~api.answers.json_bytes`, PNG or XLSX bytes) so the server has little left to do. Call it from a
    request (it reads the app's settings):

    - a client error ``fn`` raises (:class:`ApiError`, ``ScenarioError``, ``SolveError``) arrives as the
      :class:`ApiError` the app would have answered (same status and fields); other exceptions are re-raised
      here (a 500) with the worker's traceback logged;
    - ``fn`` running longer than ``REQUEST_TIMEOUT`` seconds is stopped, its worker killed and replaced:
      503 ``{"_request": ["the computation was stopped after 60 s (FISCAL_SIM_REQUEST_TIMEOUT) …"]}``; so are
      waiting that long for a free worker (all ``WORKERS`` busy) and a worker that dies;
    - with ``WORKERS`` = 0, ``fn`` runs in the request's thread (no time limit): for tests that patch code.

    The pool starts with the first call (the server boots without it) and stops at exit. Workers start as
    new processes that import the main module: a script calling this guards its entry point with
    ``if __name__ == "__main__":`` (``fiscal-sim serve`` and ``python -c "import api; api.serve()"`` do).

    E.g. a view: ``labelled, baseline = sources.sources(body)`` (404s and limits, here), then
    ``data = runner.compute(task, labelled, baseline, limits())`` with ``def task(labelled, baseline, limits)``
    at module level returning ``answers.json_bytes(...)``, then ``return answers.json_response(data)``.
    """
    from . import workers

    count = int(flask.current_app.config["WORKERS"])
    outcome = workers.run(fn, args, kwargs) if count <= 0 else _in_worker(fn, args, kwargs, count)
    return _answer(outcome)


def _answer(outcome):
    from . import workers

    if isinstance(outcome, workers.Failure):
        raise ApiError(outcome.status, outcome.errors)
    return outcome


def _busy(count: int, seconds: str) -> ApiError:
    message = (
        f"the server is busy: its {count} worker process{'es' if count > 1 else ''} (FISCAL_SIM_WORKERS)"
        f" stayed busy for {seconds} (FISCAL_SIM_REQUEST_TIMEOUT); try again later"
    )
    return ApiError(503, {"_request": [message]})


def _in_worker(fn, args: tuple, kwargs: dict, count: int, wait: float | None = None):
    """``workers.run(fn, args, kwargs)`` in a worker of the pool, waiting at most ``wait`` seconds (default:
    ``REQUEST_TIMEOUT``) for a free one; :class:`workers.Busy` when ``wait`` is 0 and none is free."""
    from . import workers

    timeout = float(flask.current_app.config["REQUEST_TIMEOUT"])
    seconds = f"{timeout:g} s"
    try:
        return workers.pool(count).call(fn, args, kwargs, timeout=timeout, wait=timeout if wait is None else wait)
    except workers.Busy:
        if wait == 0:
            raise
        raise _busy(count, seconds) from None
    except workers.Stopped:
        message = (
            f"the computation was stopped after {seconds} (FISCAL_SIM_REQUEST_TIMEOUT):"
            " ask for less (fewer towns, years, scenarios or draws), or try again when the server is less busy"
        )
        raise ApiError(503, {"_request": [message]}) from None
    except workers.Crashed as exc:
        code = "" if exc.exitcode is None else f" (exit code {exc.exitcode})"
        message = (
            f"the worker process computing this request stopped unexpectedly{code};"
            " another one has been started: try again, or ask for less"
        )
        raise ApiError(503, {"_request": [message]}) from None
