"""Reading the sheets of a filled template: key/value sheets (one setting a row) and table or records sheets
(a header row, then one record a row), into nested dicts.

:class:`_WorkbookReader` collects every problem, each under a key that names the sheet, the row and the
column in words (``revenue_items row 2 column D (elasticity)``), and raises them together; :func:`_put`
and :func:`_get` walk the nested dicts for it and for the document's assembly (:mod:`.document`).
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from ...errors import Message, ScenarioError
from ...scenario.table_files import WORD_COLUMNS, number_or_text
from ..excel_template import Row, Sheet
from .cells import PARSERS, _CellError, _is_blank, _parser, _text

_EMPTY = object()


def _put(tree: dict, keys: tuple[str, ...], value) -> None:
    *parents, last = keys
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[last] = value


class _WorkbookReader:
    """Reads the sheets of a filled template, collecting every cell problem before raising."""

    def __init__(self, wb, source: str | None):
        self.wb = wb
        self.source = source
        self.errors: dict[str, list[str]] = {}

    def error(self, key: str, message: Message) -> None:
        self.errors.setdefault(key, []).append(message)

    def parse(self, parser, value, sheet: str, row: int, col: int, field: str):
        """A cell's value; _EMPTY for a blank cell or a bad one (the error is kept)."""
        if _is_blank(value):
            return _EMPTY
        try:
            return parser(value)
        except _CellError as exc:
            self.error(f"{sheet} row {row} column {get_column_letter(col)} ({field})", exc.args[0])
            return _EMPTY

    def rows(self, sheet: str) -> list[tuple[int, tuple]]:
        """Non-empty rows with their spreadsheet row numbers; [] without the sheet."""
        if sheet not in self.wb.sheetnames:
            return []
        ws = self.wb[sheet]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        return [
            (n, row)
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1)
            if any(not _is_blank(v) for v in row)
        ]

    def key_values(self, sheet: Sheet) -> dict:
        """A key/value sheet as a nested dict of the values filled in (keys relative to its block)."""
        known = {row.key: row for row in sheet.rows if not row.pattern}
        patterns = [row for row in sheet.rows if row.pattern]
        out: dict = {}
        seen: dict[str, int] = {}
        for n, cells in self.rows(sheet.name):
            if n == 1:
                continue
            key = _text(cells[0]) if cells and not _is_blank(cells[0]) else ""
            value = cells[1] if len(cells) > 1 else None
            if not key:
                if not _is_blank(value):
                    self.error(f"{sheet.name} row {n} column A (key)", Message("sheet_value_without_key"))
                continue
            row = known.get(key)
            target = row.target if row is not None else None
            if row is None:
                for p in patterns:
                    if key.startswith(p.key + ".") and len(key) > len(p.key) + 1:
                        row, target = p, (*p.target, key[len(p.key) + 1 :])
                        break
            if row is None:
                keys = ", ".join([*known, *(f"{p.key}.…" for p in patterns)])
                self.error(
                    f"{sheet.name} row {n} column A (key)", Message("sheet_unknown_key", key=repr(key), keys=keys)
                )
                continue
            if key in seen:
                self.error(
                    f"{sheet.name} row {n} column A (key)",
                    Message("sheet_key_twice", key=key, first=seen[key], second=n),
                )
                continue
            seen[key] = n
            spec = row.field.values if row.pattern and row.field.values is not None else row.field
            parsed = self.parse(_parser(spec, sheet, key), value, sheet.name, n, 2, key)
            if parsed is not _EMPTY:
                if row.field.kind == "growth":
                    target = (*target, row.cls or "")
                _put(out, target, parsed)
        for row in sheet.rows:
            if row.field.kind == "growth" and row.cls is None:
                self._growth(out, row, sheet.name)
        return out

    def _growth(self, out: dict, row: Row, sheet: str) -> None:
        """A growth key's rows as one value: the rate, or ``{pilot, other}`` (per-year lists zipped)."""
        *parents, key = row.target
        node = _get(out, tuple(parents))
        given = node.get(key)
        if not isinstance(given, dict):
            return
        if set(given) == {""}:
            node[key] = given[""]
            return
        if "" in given:
            self.error(sheet, Message("sheet_growth_both", key=row.key))
        elif set(given) != {"pilot", "other"}:
            self.error(sheet, Message("sheet_growth_pair", key=row.key))
        else:
            pilot, other = given["pilot"], given["other"]
            if isinstance(pilot, list) or isinstance(other, list):
                n = len(pilot) if isinstance(pilot, list) else len(other)
                p = pilot if isinstance(pilot, list) else [pilot] * n
                o = other if isinstance(other, list) else [other] * n
                if len(p) != len(o):
                    self.error(sheet, Message("sheet_growth_lengths", key=row.key, pilot=len(p), other=len(o)))
                    return
                node[key] = [{"pilot": a, "other": b} for a, b in zip(p, o)]
            else:
                node[key] = {"pilot": pilot, "other": other}
            return
        del node[key]

    def table(self, sheet: Sheet) -> list[dict]:
        """A table or records sheet as records of the cells filled in (free columns in ``towns``)."""
        rows = self.rows(sheet.name)
        if not rows:
            return []
        header_row, header = rows[0][0], [None if _is_blank(h) else _text(h) for h in rows[0][1]]
        specs = {name: (spec, target) for name, spec, target in sheet.columns}
        columns = []
        for j, name in enumerate(header, start=1):
            if name is None:
                continue
            where = f"{sheet.name} row {header_row} column {get_column_letter(j)}"
            if name in [c[1] for c in columns]:
                self.error(where, Message("sheet_column_twice", name=repr(name)))
            elif name not in specs and sheet.name != "towns":
                self.error(where, Message("sheet_unknown_column", name=repr(name), columns=", ".join(specs)))
            else:
                columns.append((j, name))
        records = []
        for n, cells in rows[1:]:
            record: dict = {}
            for j, name in columns:
                value = cells[j - 1] if j - 1 < len(cells) else None
                spec, target = specs.get(name, (None, (name,)))
                parser = _parser(spec, sheet, name) if spec is not None else PARSERS["raw"]
                if spec is None and name not in WORD_COLUMNS:
                    value = number_or_text(value)  # a number stored as text in Excel is the number it shows
                parsed = self.parse(parser, value, sheet.name, n, j, name)
                if parsed is not _EMPTY:
                    _put(record, target, parsed)
                elif sheet.name == "towns":
                    record[name] = None  # the towns table keeps every column; a gap is checked later
            records.append(record)
        return records

    def raise_if_any(self) -> None:
        if self.errors:
            raise ScenarioError(self.errors, self.source)


def _get(tree: dict, path: tuple[str, ...]) -> dict:
    for key in path:
        tree = tree.get(key) or {}
    return tree
