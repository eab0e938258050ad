"""Reading one cell by the kind its catalogue field has: text, numbers, lists, booleans, targets, pools and
growth rates (:data:`PARSERS`, chosen for a field by :func:`_parser`).

Kept apart from the sheets so that how a value is written in a cell (lists separated by ``,`` or ``；``,
``county_average+0.01``, ``county_surplus``) can be read in one place; a bad value raises
:class:`_CellError`, which the sheet reader turns into a message naming the sheet, row and column.
"""

from __future__ import annotations

import math

from ...errors import Message
from ...scenario.table_files import parse_bool
from ..excel_template import Sheet

LIST_SEPARATORS = (",", "，", ";", "；")


class _CellError(ValueError):
    pass


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _split(text: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",")]


def _number(value) -> float:
    if isinstance(value, bool):
        raise _CellError(Message("not_a_number", value=repr(value)))
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise _CellError(Message("not_finite", value=repr(value)))
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _CellError(Message("not_a_number", value=repr(value))) from None
        if not math.isfinite(number):
            raise _CellError(Message("not_finite", value=repr(value)))
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    raise _CellError(Message("not_a_number", value=repr(value)))


def _integer(value) -> int:
    number = _number(value)
    if float(number) != int(number):
        raise _CellError(Message("not_an_integer", value=repr(value)))
    return int(number)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _numbers(value) -> list:
    if isinstance(value, str):
        parts = _split(value)
        if any(p == "" for p in parts):
            raise _CellError(Message("cell_list_empty_item", value=repr(value)))
        return [_number(p) for p in parts]
    return [_number(value)]


def _growth(value):
    """A number, per-year comma-separated numbers, or a towns column name."""
    if isinstance(value, str):
        text = value.strip()
        if any(sep in text for sep in LIST_SEPARATORS):
            return _numbers(text)
        try:
            return _number(text)
        except _CellError:
            return text  # a towns column
    return _number(value)


def _per_year(value):
    """A number or per-year comma-separated numbers."""
    if isinstance(value, str) and any(sep in value for sep in LIST_SEPARATORS):
        return _numbers(value)
    return _number(value)


def _target(value):
    """A target: a number; ``county_average`` with an optional margin (``county_average+0.01``); or
    per-year numbers with an optional margin after a semicolon (``0.07, 0.08; +0.01``)."""
    if not isinstance(value, str):
        return _number(value)
    text = value.strip().replace(" ", "").replace("；", ";")
    if text.startswith("county_average"):
        rest = text[len("county_average") :]
        return {"benchmark": "county_average", "margin": _number(rest) if rest else 0.0}
    numbers, _, margin = text.partition(";")
    if any(sep in numbers for sep in LIST_SEPARATORS) or margin:
        return {"benchmark": _numbers(numbers), "margin": _number(margin) if margin else 0.0}
    return _number(text)


def _pool(value):
    if isinstance(value, str) and value.strip().lower() in ("county_surplus", "null", "none"):
        return None if value.strip().lower() in ("null", "none") else "county_surplus"
    return _number(value)


def _boolean(value) -> bool:
    parsed = parse_bool(value)
    if parsed is None:
        raise _CellError(Message("cell_bool", value=repr(value)))
    return parsed


PARSERS = {
    "text": _text,
    "choice": _text,
    "number": _number,
    "integer": _integer,
    "bool": _boolean,
    "numbers": _numbers,
    "integers": lambda v: [_integer(x) for x in (_split(v) if isinstance(v, str) else [v])],
    "texts": lambda v: [p for p in _split(_text(v)) if p],
    "choices": lambda v: [p for p in _split(_text(v)) if p],
    "pool": _pool,
    "target": _target,
    "growth": _growth,
    "raw": lambda v: v.strip() if isinstance(v, str) else v,
}


def _parser(spec, sheet: Sheet, name: str):
    if sheet.name == "towns":
        return PARSERS["text" if name in ("id", "name") else "raw"]  # checked as a table later
    if getattr(spec, "per_year", False):
        return _per_year
    return PARSERS[spec.kind]
