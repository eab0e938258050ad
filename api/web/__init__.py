"""The web page for finance officers (docs/model.md §4 "Web page at /"): server-rendered, Chinese with an English switch.

Pages: the scenario list with upload (YAML/JSON/XLSX) and downloads; a scenario's settings with an edit
form for the common levers, each save a new version (乡镇分成比例, 均衡性转移支付资金, 专项预算, GDP增长);
its results, any town number explained; scenarios compared (summary, per-town differences, the four
charts, the workbook); Monte Carlo and goal seeking (forms that call the JSON API from the page).

Validation, storage, limits and caching are the API's own (:mod:`api.runner`, :mod:`api.storage`), so a
document the page accepts is one the API accepts and the other way round. ``?lang=en`` (or ``zh``)
switches the language and is remembered in a cookie.
"""

from __future__ import annotations

import io
import json
import re
from urllib.parse import urlencode

import flask
import yaml
from flask import g, request
from werkzeug.exceptions import RequestEntityTooLarge

from fiscal_sim import Scenario, ScenarioError, SolveError, catalogue
from fiscal_sim.catalogue import PoolMode
from fiscal_sim.errors import text_of
from fiscal_sim.explain import EXPLAINERS
from fiscal_sim.scenario.settings import pool_mode

from .. import runner
from ..errors import ApiError
from ..storage import ConflictError, NotFoundError, StoredScenario
from .display import (
    column_kind,
    display_name,
    format_number,
    format_setting,
    input_value,
    is_negative,
    local_time,
    percent,
    records_tables,
    rule_text,
    settings_cards,
)
from .levers import POOL, edit_overrides, field_errors, lever_rows
from .uploads import parse_upload, validated
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
    return request.args.get("version", type=int)


def stored_version(scenario_id: str, version: int | None) -> tuple[StoredScenario, Scenario]:
    """The stored row and its validated scenario (404 when absent)."""
    stored = runner.store().get(scenario_id, version)
    return stored, runner.stored_scenario(scenario_id, stored.version, "id")


def lang_strings_for_js() -> dict:
    """The strings the page's scripts need, and the column headings of Monte Carlo tables."""
    keys = (
        "computing", "failed", "solved", "not_exact", "year", "p_deficit", "town", "name", "p_revoked", "draws",
        "seed", "percentiles", "pilots_revoked",
    )  # fmt: skip
    out = {key: t(key) for key in keys}
    out["columns"] = {c: label(c, "indicators") for c in ("required_transfers", "general_transfers", "county_balance")}
    return out


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
        "fmt_setting": format_setting,
        "percent": percent,
        "negative": is_negative,
        "display_name": display_name,
        "local_time": local_time,
        "input_value": input_value,
        "rule_text": rule_text,
        "lang": g.get("lang", "zh"),
        "lang_url": lang_url,
        "explainable": EXPLAINERS,
        "api_prefix": request.script_root + API_PREFIX,
        "column_kind": column_kind,
    }


# ------------------------------------------------------------------------------------------------
# views: the scenario list, upload, template


@bp.get("/")
def index():
    return render("index.html", scenarios=runner.store().list(), errors=None, form={})


@bp.post("/scenarios/upload")
def upload():
    """Save an uploaded scenario as version 1 of a new scenario; show the errors and save nothing if invalid."""
    g.back_path = flask.url_for("web.index")
    try:
        file = request.files.get("file")
        form = request.form
    except RequestEntityTooLarge:
        limit = flask.current_app.config["MAX_CONTENT_LENGTH"]
        errors = {"file": [t("too_large", size=f"{limit / 2**20:g} MB")]}
        return render("index.html", 413, scenarios=runner.store().list(), errors=errors, form={})
    name = (form.get("name") or "").strip()
    description = (form.get("description") or "").strip()
    try:
        if file is None or not file.filename:
            raise ScenarioError({"file": [t("no_file")]})
        document = parse_upload(file.filename, file.read())
        if name:
            document["name"] = name
        if description:
            document["description"] = description
        scenario = validated(document)
    except ScenarioError as exc:
        return render("index.html", 422, scenarios=runner.store().list(), errors=exc.errors, form=form)
    scenario_id, version = runner.store().create(
        name or scenario.name, description or scenario.config.get("description") or "", scenario.document
    )
    runner.cache().put((scenario_id, version), scenario)
    return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, saved=version), 303)


@bp.get("/template.xlsx")
def template_workbook():
    from fiscal_sim.io.excel_template import build_template

    buffer = io.BytesIO()
    build_template().save(buffer)
    buffer.seek(0)
    return flask.send_file(buffer, mimetype=XLSX, as_attachment=True, download_name="fiscal-sim-template.xlsx")


# ------------------------------------------------------------------------------------------------
# views: one scenario


def town_column_labels(config: dict) -> dict[str, str]:
    """Headings of the towns table: known columns, and each revenue item's column by the item's name."""
    towns = catalogue.INPUT_TABLES["towns"]
    labels = {c.key: c.label(g.get("lang", "zh")) for c in towns.columns}
    labels.update(
        {item.get("column") or item["id"]: item.get("name") or item["id"] for item in config["revenue_items"]}
    )
    if config.get("remittances"):
        labels[config["remittances"]["column"]] = field_label("remittances")
    return labels


def scenario_context(stored: StoredScenario, scenario: Scenario, **extra) -> dict:
    latest = runner.store().head(stored.id)[1]
    sections = lever_rows(scenario.config)
    return {
        "stored": stored,
        "scenario": scenario,
        "config": scenario.config,
        "towns": runner.records(scenario.towns),
        "town_columns": [str(c) for c in scenario.towns.columns],
        "town_labels": town_column_labels(scenario.config),
        "versions": runner.store().versions(stored.id),
        "latest": latest,
        "sections": sections,
        "cards": settings_cards(stored, scenario),
        "records": records_tables(scenario.config),
        "submitted": {},
        "field_errors": {},
        **extra,
    }


@bp.get("/scenarios/<scenario_id>")
def scenario_page(scenario_id: str):
    stored, scenario = stored_version(scenario_id, query_version())
    return render(
        "scenario.html",
        **scenario_context(
            stored, scenario, saved=request.args.get("saved", type=int), unchanged="unchanged" in request.args
        ),
    )


@bp.post("/scenarios/<scenario_id>/edit")
def edit(scenario_id: str):
    """Save the levers as a new version (append-only); a stale version shows the conflict, nothing saved."""
    g.back_path = flask.url_for("web.scenario_page", scenario_id=scenario_id)
    expected = request.form.get("version", type=int)
    if expected is None or expected < 1:
        raise ApiError(400, {"version": [t("bad_version")]})
    stored, scenario = stored_version(scenario_id, expected)
    sections = lever_rows(scenario.config)
    overrides, errors = edit_overrides(scenario.config, sections, request.form)
    name = (request.form.get("name") or stored.name).strip() or stored.name
    description = (request.form.get("description") if "description" in request.form else stored.description).strip()
    if name != stored.name:
        overrides["name"] = name
    if description != stored.description:
        overrides["description"] = description
    if not errors and not overrides:
        return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, unchanged=1), 303)
    if not errors:
        try:
            changed = scenario.with_overrides(overrides)
        except ScenarioError as exc:
            errors = field_errors(exc.errors, sections)
    if errors:
        context = scenario_context(stored, scenario, submitted=request.form, field_errors=errors)
        return render("scenario.html", 422, **context)
    try:
        version = runner.store().replace(scenario_id, expected, name, description, changed.document)
    except ConflictError:
        latest, latest_scenario = stored_version(scenario_id, None)
        conflict = {"expected": expected, "latest": latest.version, "overrides": overrides}
        return render("scenario.html", 409, **scenario_context(latest, latest_scenario, conflict=conflict))
    runner.cache().put((scenario_id, version), changed)
    return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, saved=version), 303)


def chosen_year(years, asked: int | None) -> int:
    years = [int(y) for y in years]
    return asked if asked in years else years[-1]


@bp.get("/scenarios/<scenario_id>/run")
def run_page(scenario_id: str):
    stored, scenario = stored_version(scenario_id, query_version())
    result = runner.simulate(scenario)
    year = chosen_year(result.years, request.args.get("year", type=int))
    towns = result.towns[result.towns["year"] == year]
    return render(
        "run.html",
        stored=stored,
        latest=runner.store().head(scenario_id)[1],
        result=result,
        year=year,
        years=[int(y) for y in result.years],
        indicators=runner.records(result.indicators),
        indicator_columns=list(result.indicators.columns[1:]),
        county=runner.records(result.county),
        county_columns=list(result.county.columns[1:]),
        towns=runner.records(towns),
        town_columns=RUN_TOWN_COLUMNS,
    )


@bp.get("/scenarios/<scenario_id>/explain")
def explain_page(scenario_id: str):
    """How one number was computed (``Result.explain``): a page, or with ``partial=1`` the panel's HTML."""
    stored, scenario = stored_version(scenario_id, query_version())
    town = request.args.get("town", "")
    year = request.args.get("year", type=int)
    column = request.args.get("column", "general_transfer")
    if year is None:
        raise ApiError(422, {"year": [t("not_a_number", value=request.args.get("year", ""))]})
    result = runner.simulate(scenario)
    explanation = result.explain(town, year, column)  # ScenarioError → 422 page naming the field
    names = dict(zip(result.towns["town"].astype(str), result.towns["name"].astype(str)))
    context = {
        "stored": stored,
        "node": explanation.to_dict(g.lang),
        "text": explanation.text(g.lang),
        "town": town,
        "town_name": names.get(town, town),
        "year": year,
        "column": column,
        "unit": result.unit,
    }
    if request.args.get("partial"):
        return render("_explain.html", **context)
    return render("explain.html", latest=runner.store().head(scenario_id)[1], **context)


@bp.get("/scenarios/<scenario_id>/analysis")
def analysis_page(scenario_id: str):
    """Monte Carlo and goal seeking: forms whose scripts call ``POST /api/v1/montecarlo`` and ``/solve``."""
    from fiscal_sim.analysis.goal_seek import metric_names

    stored, scenario = stored_version(scenario_id, query_version())
    sections = lever_rows(scenario.config)
    parameters = []  # (override path, label) of each numeric lever that is a single number
    for _, rows in sections:
        for row in rows:
            for lever in row.levers:
                if lever.slot is None and lever.kind in ("share", "rate", "amount"):
                    parameters.append(
                        (lever.target, row.title if lever.label == row.title else f"{row.title} — {lever.label}")
                    )
    if pool_mode(scenario.config["general_transfer"])[0] is PoolMode.AMOUNT:
        parameters.append((POOL, f"{field_label('general_transfer')} — {words(PoolMode.AMOUNT)}"))
    metrics = [m for m in metric_names() if not m.startswith("towns.")]
    metric_labels = [
        (m, label(m[len("county.") :], "county") if m.startswith("county.") else label(m, "indicators"))
        for m in metrics
    ]
    return render(
        "analysis.html",
        stored=stored,
        latest=runner.store().head(scenario_id)[1],
        config=scenario.config,
        years=[int(y) for y in scenario.years],
        parameters=parameters,
        metrics=metric_labels,
        js_strings=lang_strings_for_js(),
    )


@bp.get("/scenarios/<scenario_id>/download.<fmt>")
def download(scenario_id: str, fmt: str):
    """The stored document as YAML, JSON or an Excel scenario workbook."""
    stored = runner.store().get(scenario_id, query_version())
    filename = f"{scenario_id}-v{stored.version}.{fmt}"
    if fmt == "yaml":
        text = yaml.safe_dump(stored.document, allow_unicode=True, sort_keys=False, width=120)
        data, mimetype = text.encode("utf-8"), "application/yaml"
    elif fmt == "json":
        data, mimetype = json.dumps(stored.document, ensure_ascii=False, indent=1).encode("utf-8"), "application/json"
    elif fmt == "xlsx":
        from fiscal_sim.io.excel_template import scenario_workbook

        data, mimetype = scenario_workbook(stored.document), XLSX
    else:
        raise ApiError(404, {"format": [t("bad_suffix", name=filename)]})
    return flask.send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)


@bp.get("/scenarios/<scenario_id>/results.xlsx")
def results_workbook(scenario_id: str):
    from fiscal_sim.io.excel_results import write_workbook

    stored, scenario = stored_version(scenario_id, query_version())
    result = runner.simulate(scenario)
    buffer = io.BytesIO()
    write_workbook(buffer, {display_name(stored.name): result}, charts=False, lang=g.lang)
    buffer.seek(0)
    name = f"{scenario_id}-v{stored.version}-results.xlsx"
    return flask.send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=name)


# ------------------------------------------------------------------------------------------------
# views: comparison


def comparison_labels(ids: list[str]) -> dict[str, str]:
    """A short, unique label per scenario id: the name in the page's language (``name #id`` when two clash)."""
    names = {s.id: display_name(s.name) for s in runner.store().list()}
    labels = {i: names.get(i, i) for i in ids}
    counts: dict[str, int] = {}
    for value in labels.values():
        counts[value] = counts.get(value, 0) + 1
    return {i: (v if counts[v] == 1 else f"{v} #{i}") for i, v in labels.items()}


def comparison_request() -> dict | None:
    """The comparison body of the query (``ids``, ``baseline``, ``year``): the API's shape, labels by name."""
    ids = list(dict.fromkeys(i for i in request.args.getlist("ids") if i))
    baseline = request.args.get("baseline") or (ids[0] if ids else None)
    if baseline and baseline not in ids:
        ids.insert(0, baseline)
    if len(ids) < 2:
        return None
    labels = comparison_labels(ids)
    body = {"scenarios": [{"label": labels[i], "scenario_id": i} for i in ids], "baseline": labels[baseline]}
    year = request.args.get("year", type=int)
    if year is not None:
        body["year"] = year
    return body


def compared(body: dict):
    from fiscal_sim import compare

    results, baseline = runner.labelled_results(body)
    return compare(results, baseline=baseline)


def query_string(**changes) -> str:
    args = request.args.to_dict(flat=False)
    args.update({k: [v] for k, v in changes.items()})
    args["lang"] = [g.lang]
    return urlencode(args, doseq=True)


@bp.get("/compare")
def compare_page():
    scenarios = runner.store().list()
    ids = request.args.getlist("ids")
    body = comparison_request()
    context = {
        "scenarios": scenarios,
        "ids": ids,
        "baseline": request.args.get("baseline") or (ids[0] if ids else None),
        "comparison": None,
        "errors": {"ids": [t("pick_two")]} if ids and body is None else None,
    }
    if body is None:
        return render("compare.html", 422 if context["errors"] else 200, **context)
    try:
        comparison = compared(body)
    except ApiError as exc:
        return render("compare.html", exc.status, **{**context, "errors": exc.errors})
    years = [int(y) for y in comparison.summary_by_year["year"].unique()]
    year = chosen_year(years, request.args.get("year", type=int))
    ids_by_label = {entry["label"]: entry["scenario_id"] for entry in body["scenarios"]}
    towns = comparison.towns[comparison.towns["year"] == year]
    by_year = comparison.summary_by_year.pivot(index="year", columns="label", values="county_balance")
    context.update(
        comparison=comparison,
        summary=runner.records(comparison.summary),
        summary_columns=SUMMARY_COLUMNS,
        balance_years=[(int(y), [by_year.at[y, lbl] for lbl in comparison.labels]) for y in by_year.index],
        town_tables=[
            (lbl, runner.records(towns[towns["label"] == lbl]))
            for lbl in comparison.labels
            if lbl != comparison.baseline
        ],
        diff_columns=DIFF_COLUMNS,
        settings=runner.records(comparison.settings),
        ids_by_label=ids_by_label,
        year=year,
        years=years,
        charts=CHARTS,
        chart_query=lambda chart: query_string(chart=chart, year=str(year)),
        workbook_query=query_string(),
        unit=next(iter(comparison.results.values())).unit,
    )
    return render("compare.html", **context)


def _chart_response(body: dict) -> flask.Response:
    """A chart as PNG or the numbers behind it as CSV (``make_chart`` + ``figure_bytes`` / ``chart_data``)."""
    from fiscal_sim.io.charts import chart_data, figure_bytes, make_chart
    from fiscal_sim.io.tables import csv_bytes

    results, _ = runner.labelled_results(body)
    options = {"year": body.get("year")}
    if body["format"] == "csv":
        response = flask.Response(csv_bytes(chart_data(body["chart"], results, **options)), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{body["chart"]}.csv"'
        return response
    figure = make_chart(body["chart"], results, lang=body["lang"], **options)
    return flask.Response(figure_bytes(figure, "png"), mimetype="image/png")


@bp.get("/compare/chart.<fmt>")
def compare_chart(fmt: str):
    chart = request.args.get("chart", "")
    if fmt not in ("png", "csv"):
        raise ApiError(404, {"format": [t("bad_suffix", name=f"chart.{fmt}")]})
    if chart not in CHARTS:
        raise ApiError(422, {"chart": [t("unknown_chart", name=chart)]})
    body = comparison_request()
    if body is None:
        raise ApiError(422, {"ids": [t("pick_two")]})
    return runner.cached("web.chart", {**body, "chart": chart, "format": fmt, "lang": g.lang}, _chart_response)


def _workbook_response(body: dict) -> flask.Response:
    from fiscal_sim.io.excel_results import write_workbook

    comparison = compared(body)
    buffer = io.BytesIO()
    write_workbook(buffer, comparison.results, comparison=comparison, charts=True, lang=body["lang"])
    return flask.Response(
        buffer.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": 'attachment; filename="fiscal-sim-compare.xlsx"'},
    )


@bp.get("/compare/workbook.xlsx")
def compare_workbook():
    body = comparison_request()
    if body is None:
        raise ApiError(422, {"ids": [t("pick_two")]})
    body.pop("year", None)
    return runner.cached("web.workbook", {**body, "lang": g.lang}, _workbook_response)
