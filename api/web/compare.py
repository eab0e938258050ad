"""Views of a comparison: scenarios side by side, charts, their numbers and the workbook."""

from __future__ import annotations

import io
import pickle
from urllib.parse import urlencode

import flask
from flask import g, request

from fiscal_sim.io.records import frame_records as records

from .. import answers, runner, sources, state
from ..errors import ApiError
from .base import (
    CHARTS,
    DIFF_COLUMNS,
    SUMMARY_COLUMNS,
    XLSX,
    bp,
    chosen_year,
    render,
)
from .changes import describe
from .display import display_name, in_list_order
from .words import t


def comparison_labels(ids: list[str]) -> dict[str, str]:
    """A short, unique label per scenario id: the name in the page's language (``name #id`` when two clash)."""
    names = {s.id: display_name(s.name) for s in state.store().list()}
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
    return sources.page_comparison(body)


def query_string(**changes) -> str:
    args = request.args.to_dict(flat=False)
    args.update({k: [v] for k, v in changes.items()})
    args["lang"] = [g.lang]
    return urlencode(args, doseq=True)


@bp.get("/compare")
def compare_page():
    scenarios = in_list_order(state.store().list())
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
        summary=records(comparison.summary),
        summary_columns=SUMMARY_COLUMNS,
        balance_years=[(int(y), [by_year.at[y, lbl] for lbl in comparison.labels]) for y in by_year.index],
        town_tables=[
            (lbl, records(towns[towns["label"] == lbl])) for lbl in comparison.labels if lbl != comparison.baseline
        ],
        diff_columns=DIFF_COLUMNS,
        town_gaps=_town_gaps(comparison),
        settings=_settings_in_words(comparison),
        summary_diffs=_summary_diffs(comparison),
        ids_by_label=ids_by_label,
        year=year,
        years=years,
        charts=CHARTS,
        chart_query=lambda chart: query_string(chart=chart, year=str(year)),
        workbook_query=query_string(),
        unit=next(iter(comparison.results.values())).unit,
    )
    return render("compare.html", **context)


SUMMARY_DIFF_COLUMNS = ("required_transfers", "general_transfers", "special_transfers", "county_balance",
                        "county_balance_min", "coverage", "gini_after", "pilots_active")  # fmt: skip


def _summary_diffs(comparison) -> dict[str, dict]:
    """Each scenario's summary less the baseline's (the columns where a difference means something)."""
    frame = comparison.summary.set_index("label")
    base = frame.loc[comparison.baseline]
    out = {}
    for label in comparison.labels:
        row = frame.loc[label]
        out[label] = {c: (float(row[c]) - float(base[c]) if c in SUMMARY_DIFF_COLUMNS else None) for c in frame.columns}
    return out


def _settings_in_words(comparison) -> list[tuple[str, object]]:
    """``(label, Change)`` for each setting that differs from the baseline, in words."""
    from fiscal_sim.analysis.compare import settings_differences

    base = comparison.results[comparison.baseline].scenario
    rows = []
    for label, result in comparison.results.items():
        if label != comparison.baseline:
            changes = describe(settings_differences(base, result.scenario), result.scenario)
            rows += [(label, change) for change in changes]
    return rows


def _town_gaps(comparison) -> dict[str, str]:
    """For each scenario whose towns differ from the baseline's, a sentence naming the towns only one has."""
    ids = {label: set(r.scenario.towns["id"].astype(str)) for label, r in comparison.results.items()}
    base = ids[comparison.baseline]
    out = {}
    for label, towns in ids.items():
        if label != comparison.baseline and towns != base:
            out[label] = t(
                "towns_differ",
                baseline=comparison.baseline,
                label=label,
                only_baseline="、".join(sorted(base - towns)) or "—",
                only_scenario="、".join(sorted(towns - base)) or "—",
            )
    return out


def page_chart(pickled_comparison: bytes, chart: str, fmt: str, year: int | None, lang: str) -> tuple[bytes, str]:
    """(In a worker.) A chart of the page's comparison as PNG, or the numbers behind it as CSV, drawn from the
    results the comparison holds (nothing is run again)."""
    from ..resources.charts import results_chart

    comparison = pickle.loads(pickled_comparison)
    request_ = {"chart": chart, "format": fmt, "year": year, "montecarlo": False, "lang": lang}
    return results_chart(comparison.results, {**request_, "baseline": comparison.baseline}, {})


def _chart_response(body: dict) -> flask.Response:
    """A chart of the page, computed in a worker from the page's cached comparison: the browser asks for the
    page's charts at once, and each worker draws one (``FISCAL_SIM_WORKERS``, 2 by default)."""
    from ..resources.charts import chart_response

    page = {k: v for k, v in body.items() if k not in ("chart", "format", "lang")}
    comparison = sources.page_comparison(page, pickled=True)
    data, _ = runner.compute(page_chart, comparison, body["chart"], body["format"], body.get("year"), body["lang"])
    return chart_response(data, body["format"], body["chart"])


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
    return answers.cached("web.chart", {**body, "chart": chart, "format": fmt, "lang": g.lang}, _chart_response)


def _chart_png(body: dict, chart: str) -> bytes:
    """A chart of the page as PNG bytes: the page's own (cached) answer, drawn now if it was not asked yet."""
    return answers.cached("web.chart", {**body, "chart": chart, "format": "png"}, _chart_response).get_data()


def comparison_workbook(pickled_comparison: bytes, lang: str, images: dict[str, bytes]) -> bytes:
    """The comparison workbook (in a worker): the page's comparison, its charts as the page drew them."""
    from fiscal_sim.io.excel_results import write_workbook

    comparison = pickle.loads(pickled_comparison)
    buffer = io.BytesIO()
    write_workbook(buffer, comparison.results, comparison=comparison, charts=True, lang=lang, chart_images=images)
    return buffer.getvalue()


def _workbook_response(body: dict) -> flask.Response:
    from fiscal_sim.io.charts import chart_year
    from fiscal_sim.io.excel_results import workbook_charts

    comparison = compared(page := {k: v for k, v in body.items() if k != "lang"})  # the page's, cached
    # the workbook's charts are the page's of the last common year: embedded from the page's chart cache
    chart_body = {**body, "year": chart_year(comparison.results, None)}
    images = {name: _chart_png(chart_body, name) for name in workbook_charts(comparison.results)}
    data = runner.compute(comparison_workbook, sources.page_comparison(page, pickled=True), body["lang"], images)
    return flask.Response(
        data, mimetype=XLSX, headers={"Content-Disposition": 'attachment; filename="fiscal-sim-compare.xlsx"'}
    )


@bp.get("/compare/workbook.xlsx")
def compare_workbook():
    body = comparison_request()
    if body is None:
        raise ApiError(422, {"ids": [t("pick_two")]})
    body.pop("year", None)
    return answers.cached("web.workbook", {**body, "lang": g.lang}, _workbook_response)
