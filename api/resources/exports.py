"""POST /api/v1/exports: a comparison as an .xlsx workbook."""

from __future__ import annotations

import io

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from fiscal_sim import ScenarioError

from .. import answers, runner, sources
from ..errors import ApiError
from ..language import language
from ..limits import check_band_draws, limits
from ..schemas import ExportRequestSchema
from .comparisons import EXAMPLE, comparison

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports", description="Excel workbooks (导出Excel)")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("")
class Exports(MethodView):
    @blp.arguments(ExportRequestSchema, example=EXAMPLE)
    @blp.doc(
        responses={
            "200": {
                "description": "the workbook: results, comparison and (unless charts: false) charts",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    )
    def post(self, body):
        """The scenarios' results and their comparison in one workbook, built in memory."""
        body = {**body, "lang": language()}
        return answers.cached("exports", body, workbook, enabled=not body["montecarlo"])


def workbook(body: dict) -> flask.Response:
    labelled, baseline = sources.sources(body)
    if body["montecarlo"]:
        check_band_draws(labelled)
    options = {key: body[key] for key in ("charts", "montecarlo", "lang")}
    data = runner.compute(workbook_bytes, labelled, baseline, options, limits())
    return flask.Response(
        data, mimetype=XLSX, headers={"Content-Disposition": 'attachment; filename="fiscal-sim.xlsx"'}
    )


def workbook_bytes(labelled: list, baseline: str, options: dict, limits: dict) -> bytes:
    """(In a worker.) The workbook; 422 before writing it when a sheet would pass Excel's rows."""
    from fiscal_sim.io.excel_results import write_workbook

    compared, results = comparison(labelled, baseline, limits)
    bands = sources.montecarlo_bands(results, limits) if options["montecarlo"] else None
    buffer = io.BytesIO()
    try:
        write_workbook(
            buffer, results, comparison=compared, charts=options["charts"], montecarlo=bands, lang=options["lang"]
        )
    except ScenarioError as exc:  # too many rows for Excel: the scenarios asked for are at fault
        raise ApiError(422, {"scenarios" if k == "_schema" else k: v for k, v in exc.errors.items()}) from None
    return buffer.getvalue()
