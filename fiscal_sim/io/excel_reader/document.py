"""Assembling the scenario document from the sheets of the template (:data:`SHEETS`): where each sheet's
values land, the scenario's years from two rows, and the tables kept even when empty.

Apart from the sheet reader because it is about the document's shape, not about cells: it walks the
template's sheets in order and asks :class:`_WorkbookReader` for each one's values.
"""

from __future__ import annotations

from ..excel_template import SHEETS
from .sheets import _get, _put, _WorkbookReader


def _scenario_document(reader: _WorkbookReader) -> dict:
    document: dict = {}
    for sheet in SHEETS:
        if sheet.kind == "kv":
            values = reader.key_values(sheet)
            if not sheet.path:  # the scenario's own keys; years as two rows
                years = values.pop("years", None)
                if years is not None:
                    if set(years) != {"0", "1"}:
                        reader.error("scenario", "give both first_year and last_year")
                    else:
                        values["years"] = [years["0"], years["1"]]
                document.update(values)
            elif values:
                _put(document, sheet.path, {**_get(document, sheet.path), **values})
        else:
            records = reader.table(sheet)
            if records or sheet.path in (("towns",), ("revenue_items",), ("expenditure_functions",)):
                _put(document, sheet.path, records)
    special = document.get("special_transfers")
    if isinstance(special, dict) and "projects" not in special:
        special["projects"] = []
    return document
