"""From a request body to fiscal_sim objects: which scenario, which overrides, within which limits.

Kept free of routing so each resource module stays a thin view. Errors leave as :class:`ApiError` with
the field named the way the client wrote it (``scenario.towns``, ``overrides.growth.gdp``,
``scenarios[1].label``).

Heavy work runs in a worker process (:func:`compute`), light work in the server. A request is answered in
three steps:

1. in the server, :func:`source` / :func:`sources` turn the body into plain data (the stored or inline
   document, its overrides, the field names) and refuse, before any work starts, what breaks a per-request
   limit (towns, projects, years, ``MAX_CELLS``, draws);
2. ``compute(task, source, limits())`` runs a module-level ``task`` in a worker: :func:`scenario_of` and
   :func:`results_of` build the scenarios there (validated stored versions cached per worker), and the
   task returns its answer ready to send (JSON bytes from :func:`json_bytes`, chart or workbook bytes);
3. the server wraps the bytes in a response (:func:`json_response`); :func:`cached` keeps it, so a repeated
   request never reaches a worker.
"""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Callable
from typing import TypeVar

import flask
import pandas as pd

import fiscal_sim
from fiscal_sim import Scenario, ScenarioError, catalogue
from fiscal_sim.io.records import frame_records as records  # noqa: F401  (used by the pages)
from fiscal_sim.io.records import result_records

from .cache import CachedResponse, ResponseCache, ScenarioCache
from .errors import ApiError, prefixed
from .language import language  # noqa: F401  (the resources ask the runner)
from .storage import NotFoundError, Store

# ------------------------------------------------------------------------------------------------
# per-app state


def store() -> Store:
    return flask.current_app.extensions["fiscal_sim"]["store"]


def cache() -> ScenarioCache:
    return flask.current_app.extensions["fiscal_sim"]["cache"]


def responses() -> ResponseCache:
    return flask.current_app.extensions["fiscal_sim"]["responses"]


# ------------------------------------------------------------------------------------------------
# limits

LIMIT_KEYS = (
    "MAX_TOWNS",
    "MAX_PROJECTS",
    "MAX_YEARS",
    "MAX_CELLS",
    "MAX_DRAWS_PER_REQUEST",
    "MAX_MONTECARLO_CELLS",
    "MAX_SCENARIOS_PER_REQUEST",
)


def limits() -> dict:
    """The app's per-request limits as a plain dict: what a task in a worker (no app there) is given."""
    config = flask.current_app.config
    return {key: config[key] for key in LIMIT_KEYS}


def _limit_errors(
    towns: int | None, projects: int | None, years: int | None, prefix: str, limits_: dict | None = None
) -> dict:
    """Messages for every per-request limit a scenario of this size breaks."""
    config = limits_ or limits()
    errors = {}
    checks = (
        ("towns", towns, "MAX_TOWNS", "towns"),
        ("special_transfers.projects", projects, "MAX_PROJECTS", "projects"),
        ("years", years, "MAX_YEARS", "simulated years"),
    )
    for key, count, setting, what in checks:
        limit = config[setting]
        if count is not None and count > limit:
            errors[f"{prefix}.{key}"] = [f"at most {limit:,} {what} per request, got {count:,} (FISCAL_SIM_{setting})"]
    return errors


def _year_count(years) -> int | None:
    if (
        isinstance(years, list)
        and len(years) == 2
        and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
    ):
        return years[1] - years[0] + 1
    return None


def document_size(document: dict, overrides: dict | None = None) -> tuple[int | None, int | None, int | None]:
    """``(towns, projects, years)`` of a document as sent, the overrides that replace them applied
    (None where the document does not say: its validation will)."""
    overrides = overrides or {}
    towns = overrides.get("towns", document.get("towns"))
    special = overrides.get("special_transfers", document.get("special_transfers"))
    projects = special.get("projects") if isinstance(special, dict) else None
    projects = overrides.get("special_transfers.projects", projects)
    years = overrides.get("years", document.get("years"))
    return (
        len(towns) if isinstance(towns, list) else None,
        len(projects) if isinstance(projects, list) else None,
        _year_count(years),
    )


def check_document_size(document: dict, prefix: str, limits_: dict | None = None, overrides: dict | None = None):
    """Refuse an oversized document before the (costly) validation."""
    errors = _limit_errors(*document_size(document, overrides), prefix, limits_)
    if errors:
        raise ApiError(422, errors)


def check_scenario_size(scenario: Scenario, prefix: str, limits_: dict | None = None) -> None:
    """The same limits on a loaded scenario (overrides may have grown it), ``MAX_CELLS`` included."""
    projects = scenario.projects
    errors = _limit_errors(
        len(scenario.towns), None if projects is None else len(projects), len(scenario.years), prefix, limits_
    )
    if errors:
        raise ApiError(422, errors)
    check_cells([(len(scenario.towns), len(scenario.years))], prefix, limits_)


def check_cells(sizes: list[tuple[int | None, int | None]], field: str, limits_: dict | None = None) -> None:
    """``MAX_CELLS``: towns × years summed over the ``(towns, years)`` of a request's scenarios."""
    limit = (limits_ or limits())["MAX_CELLS"]
    cells = sum((towns or 0) * (years or 0) for towns, years in sizes)
    if cells > limit:
        shape = "towns × years" if len(sizes) == 1 else f"towns × years over {len(sizes)} scenarios"
        raise ApiError(
            422,
            {
                field: [
                    f"{cells:,} cells ({shape}) are more than one request may compute:"
                    f" FISCAL_SIM_MAX_CELLS is {limit:,}"
                ]
            },
        )


# ------------------------------------------------------------------------------------------------
# scenarios


def validated(document: dict, prefix: str, limits_: dict | None = None) -> Scenario:
    """``fiscal_sim.load_scenario`` on a self-contained document; errors named under ``prefix``.

    ``limits_``: the limits to apply (:func:`limits`); the app's when None (then an app context is needed).
    """
    check_document_size(document, prefix, limits_)
    try:
        scenario = fiscal_sim.load_scenario(document)
    except ScenarioError as exc:
        raise ApiError(422, prefixed(exc.errors, prefix)) from None
    check_scenario_size(scenario, prefix, limits_)
    return scenario


def stored_scenario(scenario_id: str, version: int | None, field: str = "scenario_id") -> Scenario:
    """A stored version, validated once and then served from the app's cache (in the server's process)."""
    try:
        key = store().head(scenario_id, version)
        scenario = cache().get(key)
        if scenario is None:
            stored = store().get(*key)
    except NotFoundError as exc:
        raise ApiError(404, {field: [str(exc)]}) from None
    if scenario is None:
        scenario = validated(stored.document, field)
        cache().put(key, scenario)
    return scenario


_RECORD_INDEX = re.compile(r"\[([^\]]+)\]")


def _override_errors(errors: dict, overrides: dict, prefix: str, scenario_prefix: str) -> dict:
    """Name the override at fault: a bad path as ``overrides.PATH``; a bad value at the key it set."""
    out: dict[str, list[str]] = {}
    paths = [str(p) for p in overrides]
    for key, messages in errors.items():
        if key.startswith("set."):
            out.setdefault(f"{prefix}.{key[4:]}", []).extend(messages)
            continue
        dotted = _RECORD_INDEX.sub(r".\1", key)  # revenue_items[vat].split → revenue_items.vat.split
        culprit = next(
            (p for p in paths if dotted == p or dotted.startswith(p + ".") or p.startswith(dotted + ".")), None
        )
        if culprit is not None:
            out.setdefault(f"{prefix}.{culprit}", []).extend(messages)
        else:
            where = scenario_prefix if key == "_schema" else f"{scenario_prefix}.{key}"
            out.setdefault(where, []).extend(f"{m} (after the overrides)" for m in messages)
    return out


def source(body: dict, prefix: str = "") -> dict:
    """The scenario a body names as plain data a worker can be given, refused first when it is too large.

    In the server, before any work: the stored version is read (404 when unknown), and the towns, projects,
    years (the overrides that replace them included) and ``MAX_CELLS`` are checked. Returns ``{"document",
    "key", "overrides", "field", "at"}``: ``key`` is ``(database, id, version)`` for a stored version (the
    workers' cache key), None inline; ``field`` names the scenario in errors (``scenario_id``,
    ``scenarios[1].scenario``), ``at`` is the prefix of the body's fields (``scenarios[1].``).
    """
    at = f"{prefix}." if prefix else ""
    overrides = body.get("overrides") or {}
    if "scenario_id" in body:
        field = f"{at}scenario_id"
        try:
            stored = store().get(body["scenario_id"], body.get("version"))
        except NotFoundError as exc:
            raise ApiError(404, {field: [str(exc)]}) from None
        document, key = stored.document, (store().url, stored.id, stored.version)
    else:
        field = f"{at}scenario"
        document, key = body["scenario"], None
    config = limits()
    check_document_size(document, field, config, overrides)
    towns, _, years = document_size(document, overrides)
    check_cells([(towns, years)], field, config)
    return {"document": document, "key": key, "overrides": dict(overrides), "field": field, "at": at}


def sources(body: dict) -> tuple[list[tuple[str, dict]], str]:
    """``([(label, source)], baseline label)`` of a comparison body (charts, exports), refused before any
    work when it breaks a limit: scenarios per request, each scenario's size, ``MAX_CELLS`` over them all."""
    entries = body["scenarios"]
    config = limits()
    limit = config["MAX_SCENARIOS_PER_REQUEST"]
    if len(entries) > limit:
        raise ApiError(
            422,
            {
                "scenarios": [
                    f"at most {limit} scenarios per request, got {len(entries)} (FISCAL_SIM_MAX_SCENARIOS_PER_REQUEST)"
                ]
            },
        )
    labels = []
    for n, entry in enumerate(entries):
        label = entry.get("label") or entry.get("scenario_id")
        if label is None:
            name = entry["scenario"].get("name")
            label = name if isinstance(name, str) and name else f"scenario {n + 1}"
        labels.append(label)
    errors = {}
    for n, label in enumerate(labels):
        if labels.index(label) != n:
            errors[f"scenarios[{n}].label"] = [f"duplicate label {label!r}: give each scenario its own label"]
    baseline = body.get("baseline", labels[0])
    if baseline not in labels:
        errors["baseline"] = [f"{baseline!r} is none of the labels {labels}"]
    if errors:
        raise ApiError(422, errors)
    labelled = [(label, source(entry, f"scenarios[{n}]")) for n, (label, entry) in enumerate(zip(labels, entries))]
    sizes = [document_size(src["document"], src["overrides"]) for _, src in labelled]
    check_cells([(towns, years) for towns, _, years in sizes], "scenarios", config)
    return labelled, baseline


# validated stored versions in this process (a worker's own cache), by (database, id, version): never stale
_validated = ScenarioCache(64)


def scenario_of(src: dict, limits_: dict) -> Scenario:
    """The scenario of a :func:`source`: validated (a stored version once per process), overrides applied,
    limits checked again on what was built. Runs in a worker: no app, the limits are given."""
    key = src["key"]
    scenario = _validated.get(key) if key is not None else None
    if scenario is None:
        scenario = validated(src["document"], src["field"], limits_)
        if key is not None:
            _validated.put(key, scenario)
    overrides = src["overrides"]
    if overrides:
        try:
            scenario = scenario.with_overrides(overrides)
        except ScenarioError as exc:
            raise ApiError(
                422, _override_errors(exc.errors, overrides, f"{src['at']}overrides", src["field"])
            ) from None
        check_scenario_size(scenario, src["field"], limits_)
    return scenario


def results_of(labelled: list[tuple[str, dict]], limits_: dict) -> dict[str, fiscal_sim.Result]:
    """The results of :func:`sources`' labelled sources, by label (in a worker)."""
    return {label: simulate(scenario_of(src, limits_)) for label, src in labelled}


def simulate(scenario: Scenario) -> fiscal_sim.Result:
    """Run; a problem only a run can find (a ScenarioError) is the client's (422), not a 500."""
    try:
        return fiscal_sim.simulate(scenario)
    except ScenarioError as exc:
        raise ApiError(422, exc.errors) from None


def pickled_results(labelled: list[tuple[str, dict]], limits_: dict) -> bytes:
    """:func:`results_of`, pickled (a worker's answer to the page's views; read back by the server only)."""
    return pickle.dumps(results_of(labelled, limits_), protocol=pickle.HIGHEST_PROTOCOL)


def labelled_results(body: dict, *, pickled: bool = False) -> tuple[dict[str, fiscal_sim.Result] | bytes, str]:
    """The results of a comparison body by label, and the baseline label, for the page's views.

    Computed like the API's answers: refused before any work when a limit is broken, run in a worker under
    ``REQUEST_TIMEOUT`` (so a heavy page cannot hold the server), and kept in the answer cache by stored
    version, so a page, its charts, its workbook and every explanation clicked on it share one run;
    ``pickled``: the results as the worker sent them, to hand to another worker."""

    def run(pinned_body: dict) -> flask.Response:
        labelled, _ = sources(pinned_body)
        return flask.Response(compute(pickled_results, labelled, limits()), mimetype="application/octet-stream")

    _, baseline = sources(body)  # the labels and limits checked (422) before the cache is asked
    data = cached("page-results", body, run).get_data()
    return (data if pickled else pickle.loads(data)), baseline


def pickled_comparison(labelled: list[tuple[str, dict]], baseline: str, limits_: dict) -> bytes:
    """``fiscal_sim.compare`` of :func:`results_of`, pickled (a worker's answer to the compare page)."""
    comparison = fiscal_sim.compare(results_of(labelled, limits_), baseline=baseline)
    return pickle.dumps(comparison, protocol=pickle.HIGHEST_PROTOCOL)


def page_comparison(body: dict, *, pickled: bool = False):
    """The comparison of a comparison body for the page's views, computed and kept as
    :func:`labelled_results` keeps results (the compare page, its workbook); ``pickled``: as the worker
    sent it, to hand to another worker."""

    def run(pinned_body: dict) -> flask.Response:
        labelled, baseline = sources(pinned_body)
        data = compute(pickled_comparison, labelled, baseline, limits())
        return flask.Response(data, mimetype="application/octet-stream")

    body = {k: v for k, v in body.items() if k != "year"}  # one comparison serves every year's view
    sources(body)  # the labels and limits checked (422) before the cache is asked
    data = cached("page-comparison", body, run).get_data()
    return data if pickled else pickle.loads(data)


def stored_result(scenario_id: str, version: int) -> fiscal_sim.Result:
    """The result of one stored version for the page's views (:func:`labelled_results`)."""
    results, _ = labelled_results({"scenarios": [{"scenario_id": scenario_id, "version": version}]})
    return results[scenario_id]


# ------------------------------------------------------------------------------------------------
# heavy work in a worker process

T = TypeVar("T")


def compute(fn: Callable[..., T], /, *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` computed in a worker process; its result, or an :class:`ApiError`.

    ``fn`` is a module-level function (it is sent by name) and the arguments are picklable plain data
    (dicts, lists, strings, numbers: documents, overrides, :func:`source` dicts, :func:`limits`), never
    Flask objects; it runs without an app or request, so it is given what it needs (the limits, the
    language). Let it return the answer ready to send (JSON bytes from :func:`json_bytes`, PNG or XLSX
    bytes) so the server has little left to do. Call it from a request (it reads the app's settings):

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

    E.g. a view: ``labelled, baseline = sources(body)`` (404s and limits, here), then
    ``data = compute(task, labelled, baseline, limits())`` with ``def task(labelled, baseline, limits)`` at
    module level returning ``json_bytes(...)``, then ``return json_response(data)``.
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


def json_bytes(payload) -> bytes:
    """``payload`` as the app's JSON answer would be (Chinese readable, numpy numbers, NaN as null), in bytes."""
    from .app import JSONProvider, _finite

    options = {"default": JSONProvider.default, "ensure_ascii": False, "separators": (",", ":"), "allow_nan": False}
    try:
        text = json.dumps(payload, **options)
    except ValueError:  # a NaN or inf somewhere
        text = json.dumps(_finite(payload), **options)
    return (text + "\n").encode()


def json_response(data: bytes) -> flask.Response:
    """A JSON answer from :func:`json_bytes`."""
    return flask.Response(data, mimetype="application/json")


# ------------------------------------------------------------------------------------------------
# answers of deterministic endpoints, cached


def pinned(body: dict) -> dict:
    """The body with every ``scenario_id`` given the version it resolves to now (404 when unknown)."""

    def pin(entry: dict, field: str) -> dict:
        if "scenario_id" not in entry:
            return entry
        try:
            _, version = store().head(entry["scenario_id"], entry.get("version"))
        except NotFoundError as exc:
            raise ApiError(404, {field: [str(exc)]}) from None
        return {**entry, "version": version}

    body = pin(body, "scenario_id")
    if isinstance(body.get("scenarios"), list):
        body = {**body, "scenarios": [pin(e, f"scenarios[{n}].scenario_id") for n, e in enumerate(body["scenarios"])]}
    return body


def cached(endpoint: str, body: dict, compute: Callable[[dict], flask.Response], *, enabled: bool = True):
    """``compute(pinned body)``, or the same answer computed before for the same pinned body."""
    body = pinned(body)
    cache_ = responses()
    if not enabled or not cache_.max_bytes:
        return compute(body)
    key = cache_.key(endpoint, body)
    hit = cache_.get(key)
    if hit is None:
        with cache_.key_lock(key):  # the same request arriving meanwhile waits here, then finds the answer
            hit = cache_.get(key)
            if hit is None:
                try:
                    response = compute(body)
                    if response.status_code != 200 or response.is_streamed:
                        return response
                    hit = CachedResponse(
                        response.get_data(),
                        response.mimetype,
                        tuple((k, v) for k, v in response.headers.items() if k in ("Content-Disposition",)),
                    )
                    cache_.put(key, hit)
                finally:
                    cache_.release_key(key)
    return flask.Response(hit.data, mimetype=hit.mimetype, headers=list(hit.headers))


# ------------------------------------------------------------------------------------------------
# payloads


def result_payload(result: fiscal_sim.Result) -> dict:
    """The result frames as lists of records (docs/model.md §1.6)."""
    return result_records(result)


# ------------------------------------------------------------------------------------------------
# Monte Carlo


DEFAULT_DRAWS = catalogue.SCENARIO["uncertainty"].block["draws"].default


def _draws_errors(draws, towns: int | None, years: int | None, field: str, limits_: dict | None) -> dict:
    config = limits_ or limits()
    if not isinstance(draws, int) or isinstance(draws, bool):
        return {}  # not a number of draws: the scenario's validation says so
    limit = config["MAX_DRAWS_PER_REQUEST"]
    if draws > limit:
        return {field: [f"at most {limit:,} draws per request, got {draws:,} (FISCAL_SIM_MAX_DRAWS_PER_REQUEST)"]}
    size = (towns or 0) * (years or 0)
    cells = config["MAX_MONTECARLO_CELLS"]
    if size and draws * size > cells:
        return {
            field: [
                f"{draws:,} draws of {towns:,} towns × {years} years are too many for one request: at most"
                f" {max(1, cells // size):,} for this scenario (FISCAL_SIM_MAX_MONTECARLO_CELLS is {cells:,})"
            ]
        }
    return {}


def check_draws(scenario: Scenario, draws: int | None, field: str, limits_: dict | None = None) -> None:
    """Per-request limits of a Monte Carlo run: draws, and draws × towns × years held at once."""
    uncertainty = scenario.config.get("uncertainty") or {}
    effective = draws if draws is not None else uncertainty.get("draws", DEFAULT_DRAWS)
    errors = _draws_errors(effective, len(scenario.towns), len(scenario.years), field, limits_)
    if errors:
        raise ApiError(422, errors)


def source_draws(src: dict, draws: int | None = None) -> tuple[bool, object]:
    """``(has an uncertainty block, draws)`` of a :func:`source` as sent: ``draws`` when given, else the
    overrides' or the document's ``uncertainty.draws``, else the default."""
    overrides = src["overrides"]
    block = overrides.get("uncertainty", src["document"].get("uncertainty"))
    block = block if isinstance(block, dict) else {}
    if draws is None:
        draws = overrides.get("uncertainty.draws", block.get("draws", DEFAULT_DRAWS))
    return bool(block) or "uncertainty.draws" in overrides, draws


def check_source_draws(src: dict, draws: int | None, field: str) -> None:
    """:func:`check_draws` on a source, in the server before any work (the worker checks again)."""
    towns, _, years = document_size(src["document"], src["overrides"])
    errors = _draws_errors(source_draws(src, draws)[1], towns, years, field, limits())
    if errors:
        raise ApiError(422, errors)


def check_band_draws(labelled: list[tuple[str, dict]]) -> None:
    """:func:`check_source_draws` of the compared sources with an uncertainty block (their Monte Carlo bands)."""
    for n, (_, src) in enumerate(labelled):
        if source_draws(src)[0]:
            check_source_draws(src, None, f"scenarios[{n}].uncertainty.draws")


def montecarlo_bands(
    results: dict[str, fiscal_sim.Result], limits_: dict | None = None
) -> dict[str, pd.DataFrame] | None:
    """The Monte Carlo summary of each compared scenario that has an uncertainty block (for charts)."""
    bands = {}
    for n, (label, result) in enumerate(results.items()):
        if result.scenario.config.get("uncertainty"):
            check_draws(result.scenario, None, f"scenarios[{n}].uncertainty.draws", limits_)
            bands[label] = fiscal_sim.montecarlo(result.scenario).summary
    return bands or None
