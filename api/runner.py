"""From a request body to fiscal_sim objects: which scenario, which overrides, within which limits.

Kept free of routing so each resource module stays a thin view. Errors leave as :class:`ApiError` with
the field named the way the client wrote it (``scenario.towns``, ``overrides.growth.gdp``,
``scenarios[1].label``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

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


def _limit_errors(towns: int | None, projects: int | None, years: int | None, prefix: str) -> dict:
    """Messages for every per-request limit a scenario of this size breaks."""
    config = flask.current_app.config
    errors = {}
    checks = (
        ("towns", towns, config["MAX_TOWNS"], "towns"),
        ("special_transfers.projects", projects, config["MAX_PROJECTS"], "projects"),
        ("years", years, config["MAX_YEARS"], "simulated years"),
    )
    for key, count, limit, what in checks:
        if count is not None and count > limit:
            errors[f"{prefix}.{key}"] = [f"at most {limit:,} {what} per request, got {count:,}"]
    return errors


def check_document_size(document: dict, prefix: str) -> None:
    """Refuse an oversized document before the (costly) validation."""
    towns = document.get("towns")
    special = document.get("special_transfers")
    projects = special.get("projects") if isinstance(special, dict) else None
    years = document.get("years")
    n_years = None
    if (
        isinstance(years, list)
        and len(years) == 2
        and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
    ):
        n_years = years[1] - years[0] + 1
    errors = _limit_errors(
        len(towns) if isinstance(towns, list) else None,
        len(projects) if isinstance(projects, list) else None,
        n_years,
        prefix,
    )
    if errors:
        raise ApiError(422, errors)


def check_scenario_size(scenario: Scenario, prefix: str) -> None:
    """The same limits on a loaded scenario (overrides may have grown it)."""
    projects = scenario.projects
    errors = _limit_errors(
        len(scenario.towns), None if projects is None else len(projects), len(scenario.years), prefix
    )
    if errors:
        raise ApiError(422, errors)


# ------------------------------------------------------------------------------------------------
# scenarios


def validated(document: dict, prefix: str) -> Scenario:
    """``fiscal_sim.load_scenario`` on a self-contained document; errors named under ``prefix``."""
    check_document_size(document, prefix)
    try:
        scenario = fiscal_sim.load_scenario(document)
    except ScenarioError as exc:
        raise ApiError(422, prefixed(exc.errors, prefix)) from None
    check_scenario_size(scenario, prefix)
    return scenario


def stored_scenario(scenario_id: str, version: int | None, field: str = "scenario_id") -> Scenario:
    """A stored version, validated once and then served from the cache."""
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


def request_scenario(body: dict, prefix: str = "") -> Scenario:
    """The scenario a body names (``scenario_id``/``version`` or ``scenario``) with its ``overrides``."""
    at = f"{prefix}." if prefix else ""
    if "scenario_id" in body:
        scenario = stored_scenario(body["scenario_id"], body.get("version"), f"{at}scenario_id")
        scenario_prefix = f"{at}scenario_id"
    else:
        scenario = validated(body["scenario"], f"{at}scenario")
        scenario_prefix = f"{at}scenario"
    overrides = body.get("overrides") or {}
    if overrides:
        try:
            scenario = scenario.with_overrides(overrides)
        except ScenarioError as exc:
            raise ApiError(422, _override_errors(exc.errors, overrides, f"{at}overrides", scenario_prefix)) from None
        check_scenario_size(scenario, scenario_prefix)
    return scenario


def simulate(scenario: Scenario) -> fiscal_sim.Result:
    """Run; a problem only a run can find (a ScenarioError) is the client's (422), not a 500."""
    try:
        return fiscal_sim.simulate(scenario)
    except ScenarioError as exc:
        raise ApiError(422, exc.errors) from None


def labelled_results(body: dict) -> tuple[dict[str, fiscal_sim.Result], str]:
    """The results of a comparison body by label, and the baseline label."""
    entries = body["scenarios"]
    limit = flask.current_app.config["MAX_SCENARIOS_PER_REQUEST"]
    if len(entries) > limit:
        raise ApiError(422, {"scenarios": [f"at most {limit} scenarios per request, got {len(entries)}"]})
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
    results = {}
    for n, (label, entry) in enumerate(zip(labels, entries)):
        results[label] = simulate(request_scenario(entry, f"scenarios[{n}]"))
    return results, baseline


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


def check_draws(scenario: Scenario, draws: int | None, field: str) -> None:
    """Per-request limits of a Monte Carlo run: draws, and draws × towns × years held at once."""
    config = flask.current_app.config
    uncertainty = scenario.config.get("uncertainty") or {}
    effective = draws if draws is not None else uncertainty.get("draws", DEFAULT_DRAWS)
    limit = config["MAX_DRAWS_PER_REQUEST"]
    if effective > limit:
        raise ApiError(422, {field: [f"at most {limit:,} draws per request, got {effective:,}"]})
    size = len(scenario.towns) * len(scenario.years)
    if effective * size > config["MAX_MONTECARLO_CELLS"]:
        most = max(1, config["MAX_MONTECARLO_CELLS"] // size)
        raise ApiError(
            422,
            {
                field: [
                    f"{effective:,} draws of {len(scenario.towns):,} towns × {len(scenario.years)} years are too many"
                    f" for one request: at most {most:,} for this scenario"
                ]
            },
        )


def montecarlo_bands(results: dict[str, fiscal_sim.Result]) -> dict[str, pd.DataFrame] | None:
    """The Monte Carlo summary of each compared scenario that has an uncertainty block (for charts)."""
    bands = {}
    for n, (label, result) in enumerate(results.items()):
        if result.scenario.config.get("uncertainty"):
            check_draws(result.scenario, None, f"scenarios[{n}].uncertainty.draws")
            bands[label] = fiscal_sim.montecarlo(result.scenario).summary
    return bands or None
