"""POST /api/v1/exports: a comparison as an .xlsx workbook."""

from __future__ import annotations

import io

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from .. import runner
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
        body = {**body, "lang": runner.language()}
        return runner.cached("exports", body, workbook, enabled=not body["montecarlo"])


def workbook(body: dict) -> flask.Response:
    from fiscal_sim.io.excel_results import write_workbook

    compared, results = comparison(body)
    bands = runner.montecarlo_bands(results) if body["montecarlo"] else None
    buffer = io.BytesIO()
    write_workbook(buffer, results, comparison=compared, charts=body["charts"], montecarlo=bands, lang=body["lang"])
    return flask.Response(
        buffer.getvalue(), mimetype=XLSX, headers={"Content-Disposition": 'attachment; filename="fiscal-sim.xlsx"'}
    )
