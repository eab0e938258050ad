"""The per-request limits (``FISCAL_SIM_MAX_*``: towns, projects, years, cells, Monte Carlo draws) and the
checks that refuse a request breaking one, with the field named as the client wrote it.

The same checks run twice: in the server on the body as sent, before any work (:func:`~api.sources.source`,
:func:`check_source_draws`), and in a worker on what was built (:func:`check_scenario_size`,
:func:`check_draws`), where there is no app: there the limits are given as a plain dict (:func:`limits`).
``MAX_SCENARIOS_PER_REQUEST`` is checked with the labels, in :func:`~api.sources.sources`.
"""

from __future__ import annotations

import flask

from fiscal_sim import Scenario, catalogue

from .errors import ApiError

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
# Monte Carlo draws


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
    """``(has an uncertainty block, draws)`` of a :func:`~api.sources.source` as sent: ``draws`` when given, else the
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
