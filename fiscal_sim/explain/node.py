"""An explanation of one number (docs/model.md §1.6 ``explain``): value, formula, inputs, in Chinese or English.

Each node names a catalogue column or field (``key``), so its label comes from the catalogue in the
reader's language; formulas and notes are written once in both languages where they are made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import catalogue
from ..catalogue import Text


def words(value, lang: str) -> str:
    if isinstance(value, Text):
        return value.label(lang)
    return str(value)


@dataclass
class Explanation:
    """One number: its value, the formula that made it, and the explained inputs.

    ``key`` is the catalogue column (``gap``, ``general_transfer`` …) or a leaf's own key (``pool``,
    ``rate``); ``label``, ``formula`` and ``note`` are :class:`~fiscal_sim.catalogue.Text` (both
    languages) or plain text (item and project names).
    """

    key: str
    label: Text | str
    value: float | str | bool
    formula: Text | str = ""
    inputs: list[Explanation] = field(default_factory=list)
    note: Text | str = ""
    unit: str = ""
    where: str = ""  # "T14 2018" on the root

    def name(self, lang: str = "en") -> str:
        text = words(self.label, lang)
        return f"{text} — {self.where}" if self.where else text

    def to_dict(self, lang: str = "en") -> dict:
        value = self.value
        if isinstance(value, np.generic):
            value = value.item()
        return {
            "key": self.key,
            "name": self.name(lang),
            "value": value,
            "formula": words(self.formula, lang),
            "note": words(self.note, lang),
            "unit": self.unit,
            "inputs": [i.to_dict(lang) for i in self.inputs],
        }

    def text(self, lang: str = "en", indent: int = 0) -> str:
        pad = "  " * indent
        value = self.value
        if isinstance(value, (float, np.floating)) and self.unit:
            shown = f"{value:,.2f} {self.unit}"
        elif isinstance(value, (float, np.floating)):  # rates and ratios: enough digits to check by hand
            shown = f"{value:.6g}"
        elif isinstance(value, (bool, np.bool_)):
            shown = catalogue.yes_no(bool(value), lang)
        else:
            shown = str(value)
        line = f"{pad}{self.name(lang)} = {shown}"
        formula = words(self.formula, lang)
        if formula:
            line += f"    [{formula}]"
        lines = [line]
        note = words(self.note, lang)
        if note:
            lines.append(f"{pad}  · {note}")
        lines += [i.text(lang, indent + 1) for i in self.inputs]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def bilingual(zh: str, en: str, **values) -> Text:
    """A text in both languages with ``values`` filled in."""
    return Text(zh.format(**values), en.format(**values))


def leaf(key: str, label: Text | str, value, unit: str = "", note: Text | str = "") -> Explanation:
    return Explanation(key, label, value, unit=unit, note=note)


def column_text(key: str) -> Text:
    col = catalogue.column(key, "towns")
    return col.text if col is not None else Text(key, key)


def field_text(path: str) -> Text:
    f = catalogue.field(path)
    return f.text if f is not None else Text(path, path)


def percent(share: float) -> str:
    """A share as the bureau writes it: 0.35 → ``35%``, 0.125 → ``12.5%``."""
    return f"{share * 100:.4g}%"
