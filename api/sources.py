"""From a request body to fiscal_sim objects: which scenario, which overrides, within which limits.

Kept free of routing so each resource module stays a thin view. Errors leave as :class:`ApiError` with
the field named the way the client wrote it (``scenario.towns``, ``overrides.growth.gdp``,
``scenarios[1].label``).

In the server, :func:`source` / :func:`sources` turn a body into plain data a worker can be given (refused
first when it breaks a limit, :mod:`api.limits`); in a worker, :func:`scenario_of` and :func:`results_of`
build the scenarios and their results from it. The page's views read theirs through
:func:`labelled_results` / :func:`page_comparison`, computed in a worker (:func:`api.runner.compute`) and
kept in the answer cache (:func:`api.answers.cached`).
"""

from __future__ import annotations

import pickle
import re

import flask
import pandas as pd

import fiscal_sim
from fiscal_sim import Scenario, ScenarioError

from . import runner  # looked up at call time: runner.compute, as the views call it (and tests count it)
from .answers import cached
from .cache import ScenarioCache
from .errors import ApiError, prefixed
from .limits import check_cells, check_document_size, check_draws, check_scenario_size, document_size, limits
from .state import cache, store
from .storage import NotFoundError

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
        return flask.Response(runner.compute(pickled_results, labelled, limits()), mimetype="application/octet-stream")

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
        data = runner.compute(pickled_comparison, labelled, baseline, limits())
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
# Monte Carlo bands


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
