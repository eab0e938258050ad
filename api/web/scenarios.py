"""Views of the scenario list and of one scenario: upload, settings and edit form, results, explanations,
analyses and downloads."""

from __future__ import annotations

import io
import json
import pickle

import flask
import yaml
from flask import g, request
from werkzeug.exceptions import RequestEntityTooLarge

from fiscal_sim import Scenario, ScenarioError, catalogue
from fiscal_sim.catalogue import PoolMode
from fiscal_sim.io.records import frame_records as records
from fiscal_sim.scenario.settings import pool_mode

from .. import auth, runner, sources, state
from ..errors import ApiError
from ..storage import ConflictError, NotFoundError, StoredScenario
from .base import (
    RUN_TOWN_COLUMNS,
    XLSX,
    bp,
    chosen_year,
    lang_strings_for_js,
    query_version,
    render,
    stored_version,
)
from .changes import changes_between
from .display import display_name, in_list_order, records_tables, settings_cards
from .levers import POOL, edit_overrides, field_errors, lever_rows, unusual
from .uploads import parse_upload, validated
from .words import field_label, label, t, words


@bp.get("/")
def index():
    return render("index.html", **index_context())


def index_context(**extra) -> dict:
    """The list, what an editor may restore, and a notice of what was just deleted."""
    may_edit = (who := auth.current()) is not None and who.may(auth.Role.EDITOR)
    deleted = state.store().deleted() if may_edit else []
    just_deleted = next((d for d in deleted if d.id == request.args.get("deleted")), None)
    return {
        "scenarios": in_list_order(state.store().list()),
        "deleted": deleted,
        "just_deleted": just_deleted,
        "errors": None,
        "form": {},
        **extra,
    }


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
        return render("index.html", 413, **index_context(errors=errors))
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
        return render("index.html", 422, **index_context(errors=exc.errors, form=form))
    scenario_id, version = state.store().create(
        name or scenario.name,
        description or scenario.config.get("description") or "",
        scenario.document,
        auth.author(),
    )
    state.cache().put((scenario_id, version), scenario)
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
    lang = g.get("lang", "zh")
    labels = {c.key: c.label(lang) for key in ("towns", "town_data") for c in catalogue.INPUT_TABLES[key].columns}
    labels.update(
        {item.get("column") or item["id"]: item.get("name") or item["id"] for item in config["revenue_items"]}
    )
    if config.get("remittances"):
        labels[config["remittances"]["column"]] = field_label("remittances")
    return labels


def scenario_context(stored: StoredScenario, scenario: Scenario, **extra) -> dict:
    latest = state.store().head(stored.id)[1]
    sections = lever_rows(scenario)
    parent = None
    if stored.parent_id is not None:
        try:
            parent_stored, parent_scenario = stored_version(stored.parent_id, stored.parent_version)
            parent = {"stored": parent_stored, "changes": changes_between(parent_scenario, scenario)}
        except (NotFoundError, ApiError):  # the parent was deleted since: the variant stands on its own
            parent = None
    return {
        "parent": parent,
        "stored": stored,
        "scenario": scenario,
        "config": scenario.config,
        "towns": records(scenario.towns),
        "town_columns": [str(c) for c in scenario.towns.columns],
        "town_labels": town_column_labels(scenario.config),
        "versions": state.store().history(stored.id),
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
    sections = lever_rows(scenario)
    overrides, errors = edit_overrides(scenario.config, sections, request.form)
    save_as = "save_as" in request.form  # 另存为新方案: a variant; the scenario itself stays as it is
    name = (request.form.get("name") or stored.name).strip() or stored.name
    if save_as and name == stored.name:
        name = display_name(stored.name) + t("variant_suffix")
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
    warnings = unusual(sections, overrides)
    if warnings and request.form.get("confirm") != "1":
        context = scenario_context(stored, scenario, submitted=request.form, warnings=warnings)
        return render("scenario.html", 422, **context)
    if save_as:
        new_id, _ = state.store().create(
            name, description, changed.document, auth.author(), parent=(scenario_id, stored.version)
        )
        state.cache().put((new_id, 1), changed)
        return flask.redirect(flask.url_for("web.scenario_page", scenario_id=new_id, saved=1), 303)
    try:
        version = state.store().replace(scenario_id, expected, name, description, changed.document, auth.author())
    except ConflictError:
        latest, latest_scenario = stored_version(scenario_id, None)
        conflict = {"expected": expected, "latest": latest.version, "overrides": overrides}
        return render("scenario.html", 409, **scenario_context(latest, latest_scenario, conflict=conflict))
    state.cache().put((scenario_id, version), changed)
    return flask.redirect(flask.url_for("web.scenario_page", scenario_id=scenario_id, saved=version), 303)


@bp.get("/scenarios/<scenario_id>/run")
def run_page(scenario_id: str):
    stored, scenario = stored_version(scenario_id, query_version())
    result = sources.stored_result(scenario_id, stored.version)
    year = chosen_year(result.years, request.args.get("year", type=int))
    towns = result.towns[result.towns["year"] == year]
    return render(
        "run.html",
        stored=stored,
        latest=state.store().head(scenario_id)[1],
        result=result,
        year=year,
        years=[int(y) for y in result.years],
        indicators=records(result.indicators),
        indicator_columns=list(result.indicators.columns[1:]),
        county=records(result.county),
        county_columns=list(result.county.columns[1:]),
        towns=records(towns),
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
    result = sources.stored_result(scenario_id, stored.version)
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
    return render("explain.html", latest=state.store().head(scenario_id)[1], **context)


@bp.get("/scenarios/<scenario_id>/analysis")
def analysis_page(scenario_id: str):
    """Monte Carlo and goal seeking: forms whose scripts call ``POST /api/v1/montecarlo`` and ``/solve``."""
    from fiscal_sim.analysis.goal_seek import metric_names

    stored, scenario = stored_version(scenario_id, query_version())
    sections = lever_rows(scenario)
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
    metric_labels, seen = [], set()
    for m in metrics:  # an indicator and the county column it repeats (县级收支余额) are offered once
        text = label(m[len("county.") :], "county") if m.startswith("county.") else label(m, "indicators")
        if text not in seen:
            seen.add(text)
            metric_labels.append((m, text))
    return render(
        "analysis.html",
        stored=stored,
        latest=state.store().head(scenario_id)[1],
        config=scenario.config,
        years=[int(y) for y in scenario.years],
        parameters=parameters,
        metrics=metric_labels,
        js_strings=lang_strings_for_js(),
    )


@bp.get("/scenarios/<scenario_id>/download.<fmt>")
def download(scenario_id: str, fmt: str):
    """The stored document as YAML, JSON or an Excel scenario workbook."""
    stored = state.store().get(scenario_id, query_version())
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


def results_workbook_bytes(pickled_results: bytes, label: str, name: str, lang: str) -> bytes:
    """A result's workbook, tables only (in a worker)."""
    from fiscal_sim.io.excel_results import write_workbook

    buffer = io.BytesIO()
    write_workbook(buffer, {name: pickle.loads(pickled_results)[label]}, charts=False, lang=lang)
    return buffer.getvalue()


@bp.get("/scenarios/<scenario_id>/results.xlsx")
def results_workbook(scenario_id: str):
    stored, _ = stored_version(scenario_id, query_version())
    body = {"scenarios": [{"scenario_id": scenario_id, "version": stored.version}]}
    results, _ = sources.labelled_results(body, pickled=True)
    data = runner.compute(results_workbook_bytes, results, scenario_id, display_name(stored.name), g.lang)
    name = f"{scenario_id}-v{stored.version}-results.xlsx"
    return flask.send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)
