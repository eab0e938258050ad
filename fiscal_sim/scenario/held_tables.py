"""Tables held whole in a document: the towns and projects tables as a :class:`Table`.

A document holds a table whole (a file's frame as read, or validated inline records) so copies and overrides
share it; :class:`Table` is that holder (pickled with a Scenario to worker processes), and these helpers find
the tables a document holds and make them inline records where that is needed:
a self-contained document (:func:`with_records`), ``extends`` merging two tables by id
(:func:`_records_to_merge`) and an override that reaches into a table's cells (:func:`_apply`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .table_files import frame_records, read_frame
from .variants import apply_overrides

_SURROGATE = re.compile("[\ud800-\udfff]")


class Table:
    """A table held whole in a document: the frame read from a .csv/.xlsx file, or inline records.

    Immutable in use, so copies of a document share it (``copy.deepcopy`` returns it); :meth:`records`
    gives the inline records a self-contained document holds (made once, from a file's frame).
    """

    __slots__ = ("_frame", "_records", "name")

    def __init__(self, *, frame: pd.DataFrame | None = None, records: list | None = None, name: str | None = None):
        self._frame, self._records, self.name = frame, records, name

    @classmethod
    def read(cls, path: Path) -> Table:
        return cls(frame=read_frame(path), name=path.name)

    @property
    def from_file(self) -> bool:
        """Cells of a table file have no types: numbers written as text there are numbers."""
        return self._frame is not None

    def __len__(self) -> int:
        return len(self._frame) if self._frame is not None else len(self._records)

    def __deepcopy__(self, memo) -> Table:
        return self

    def __copy__(self) -> Table:
        return self

    def __eq__(self, other) -> bool:
        """Equal to a table or a list of records that stands for the same records."""
        if isinstance(other, Table):
            if self is other:
                return True
            if self._frame is not None and other._frame is not None:
                return self._frame.equals(other._frame) and list(self._frame.columns) == list(other._frame.columns)
            return self.records() == other.records()
        if isinstance(other, list):
            return self.records() == other
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"<Table {self.name or 'inline'}: {len(self)} rows>"

    def records(self) -> list[dict]:
        """The inline records this table stands for (a file's numbers written as text become numbers)."""
        if self._records is None:
            self._records = frame_records(self._frame)
        return self._records

    def frame(self) -> pd.DataFrame:
        """The cells as a frame, to check column by column."""
        return self._frame if self._frame is not None else pd.DataFrame.from_records(self._records)

    def unicode_problem(self, key: str) -> str | None:
        """``key[n].column`` of the first text cell that is not valid Unicode (a lone surrogate), or None.

        Only a workbook can hold one (openpyxl reads ``_xD800_`` as a character); reading a CSV file decodes
        strict UTF-8, which has none, and inline records are checked with the rest of their document.
        """
        if self._frame is None or Path(self.name or "").suffix.lower() == ".csv":
            return None
        for column in self._frame.columns:
            values = self._frame[column]
            if values.dtype.kind in "biuf":
                continue
            texts = [v for v in values.to_numpy(object) if isinstance(v, str)]
            try:
                "".join(texts).encode("utf-8")
            except UnicodeEncodeError:
                for n, value in enumerate(values.to_numpy(object)):
                    if isinstance(value, str) and _SURROGATE.search(value):
                        return f"{key}[{n}].{column}"
        return None


TABLE_KEYS = ("towns", "special_transfers.projects")  # where a document holds a table


def _table(document: dict, key: str):
    node = document
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _with_table(document: dict, key: str, value) -> dict:
    """A shallow copy of ``document`` with the table at ``key`` replaced (nothing else copied)."""
    head, _, rest = key.partition(".")
    out = dict(document)
    out[head] = _with_table(out[head], rest, value) if rest else value
    return out


def with_records(document: dict, keys=TABLE_KEYS) -> dict:
    """``document`` with the tables held whole at ``keys`` as inline records (the document itself if none is)."""
    for key in keys:
        table = _table(document, key)
        if isinstance(table, Table):
            document = _with_table(document, key, table.records())
    return document


def _held(document: dict) -> dict:
    """``document`` with its validated inline tables held whole, so copies and overrides share them."""
    for key in TABLE_KEYS:
        table = _table(document, key)
        if isinstance(table, list):
            document = _with_table(document, key, Table(records=table))
    return document


def _records_to_merge(parent: dict, child: dict) -> tuple[dict, dict]:
    """``extends`` merges the records of a table both files give by id: those tables as records."""
    both = [key for key in TABLE_KEYS if _table(parent, key) is not None and _table(child, key) is not None]
    return with_records(parent, both), with_records(child, both)


def _apply(document: dict, overrides, source: str | None = None) -> dict:
    """:func:`apply_overrides`, with a held table made records first where an override reaches into its cells."""
    if isinstance(overrides, dict):
        paths = [str(p) for p in overrides]
        touched = [key for key in TABLE_KEYS if any(p.startswith(key + ".") for p in paths)]
        document = with_records(document, touched)
    return apply_overrides(document, overrides, source)
