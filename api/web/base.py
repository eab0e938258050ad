"""The page's blueprint and what every view shares: language, rendering, errors, template helpers."""

from __future__ import annotations

import re

import flask
from flask import g, request

from fiscal_sim import Scenario, ScenarioError, SolveError, catalogue
from fiscal_sim.analysis.curve import metric_unit, parameter_unit
from fiscal_sim.errors import text_of
from fiscal_sim.explain import EXPLAINERS

from .. import auth, sources, state
from ..errors import ApiError
from ..storage import MAX_VERSION, ConflictError, NotFoundError, StoredScenario
from .display import (
    column_kind,
    display_name,
    format_number,
    format_setting,
    input_value,
    is_negative,
    local_time,
    percent,
    rule_text,
)
from .levers import shown_value
from .words import LANG_COOKIE, LANGS, chosen_lang, field_label, label, lang_url, t, words

bp = flask.Blueprint("web", __name__)

API_PREFIX = "/api/v1"
CHARTS = tuple(catalogue.CHARTS)  # names only: matplotlib is imported when a chart is drawn
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# result columns shown in the town table of a run (the full frame has 20; these fit a 1366-wide screen)
RUN_TOWN_COLUMNS = (
    "pilot", "revenue_collected", "own_revenue", "capacity", "standard_expenditure", "gap", "general_transfer",
    "special_transfer", "cofinancing", "balance", "resources", "resources_per_capita",
)  # fmt: skip
# per-town differences of a comparison: the change of each, and resources in full
DIFF_COLUMNS = ("own_revenue_diff", "general_transfer_diff", "special_transfer_diff", "gap_diff", "balance_diff")
SUMMARY_COLUMNS = (
    "required_transfers", "general_transfers", "coverage", "special_transfers", "county_balance",
    "county_balance_min", "gini_before", "gini_after", "pilots_active",
)  # fmt: skip


@bp.before_request
def _set_lang():
    g.lang = chosen_lang()


@bp.after_request
def _remember_lang(response: flask.Response):
    if request.args.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, g.lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


# ------------------------------------------------------------------------------------------------
# helpers of the views


def render(template: str, status: int = 200, **context):
    return flask.render_template(f"web/{template}", **context), status


def render_error(status: int, errors: dict[str, list[str]]):
    if request.args.get("partial"):
        return render("_errors.html", status, errors=errors)
    return render("error.html", status, code=status, errors=errors)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return render_error(error.status, error.errors)


@bp.errorhandler(ConflictError)
def _conflict(error: ConflictError):
    return render_error(409, {"version": [str(error)]})


@bp.errorhandler(NotFoundError)
def _not_found(error: NotFoundError):
    return render_error(404, {"id": [str(error)]})


@bp.errorhandler(ScenarioError)
def _scenario_error(error: ScenarioError):
    return render_error(422, error.errors)


@bp.errorhandler(SolveError)
def _solve_error(error: SolveError):
    return render_error(422, {"target": [str(error)]})


def query_version() -> int | None:
    """``?version=N``; a number no version can have (beyond the database's integers) names none: 404."""
    version = request.args.get("version", type=int)
    if version is not None and not 1 <= version <= MAX_VERSION:
        raise NotFoundError(f"no version {request.args['version'][:20]}")
    return version


def stored_version(scenario_id: str, version: int | None) -> tuple[StoredScenario, Scenario]:
    """The stored row and its validated scenario (404 when absent)."""
    stored = state.store().get(scenario_id, version)
    return stored, sources.stored_scenario(scenario_id, stored.version, "id")


def lang_strings_for_js() -> dict:
    """The strings the page's scripts need, the column headings of Monte Carlo tables and the analysis
    charts' names (captions and alternative texts)."""
    keys = (
        "computing", "failed", "solved", "not_exact", "year", "p_deficit", "town", "name", "p_revoked",
        "percentiles", "pilots_revoked", "chart_csv", "chart_failed",
    )  # fmt: skip
    out = {key: t(key) for key in keys}
    out.update(draws=field_label("uncertainty.draws"), seed=field_label("uncertainty.seed"))  # 模拟次数, 随机数种子
    out["columns"] = {c: label(c, "indicators") for c in ("required_transfers", "general_transfers", "county_balance")}
    out["charts"] = {name: words(chart.text) for name, chart in catalogue.ANALYSIS_CHARTS.items()}
    return out


def value_kind(unit: catalogue.Unit | None) -> str:
    """How the page's scripts show a value of this unit: percent (shares, rates), money (with the unit), plain."""
    if unit is not None and unit.percent:
        return "percent"
    return "money" if unit is not None and unit.money else "plain"


@bp.context_processor
def _template_globals():
    return {
        "t": t,
        "label": label,
        "field_label": field_label,
        "words": words,
        "charts_catalogue": catalogue.CHARTS,
        "error_where": lambda key: catalogue.describe_key(
            re.sub(r"^(document|scenario)\.", "", key), g.get("lang", "zh")
        ),
        "error_text": lambda message: text_of(message, g.get("lang", "zh")),
        "fmt": format_number,
        "signed": lambda value, column: ("+" if value > 0.005 else "") + format_number(value, column, "summary"),
        "fmt_setting": format_setting,
        "percent": percent,
        "negative": is_negative,
        "display_name": display_name,
        "local_time": local_time,
        "input_value": input_value,
        "shown_value": shown_value,
        "rule_text": rule_text,
        "lang": g.get("lang", "zh"),
        "lang_url": lang_url,
        "explainable": EXPLAINERS,
        "api_prefix": request.script_root + API_PREFIX,
        "column_kind": column_kind,
        "parameter_kind": lambda path: value_kind(parameter_unit(path)),
        "metric_kind": lambda name: value_kind(metric_unit(name)),
        "who": auth.current(),
        "may_edit": (lambda who: who is not None and who.may(auth.Role.EDITOR))(auth.current()),
    }


def chosen_year(years, asked: int | None) -> int:
    years = [int(y) for y in years]
    return asked if asked in years else years[-1]
