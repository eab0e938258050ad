"""The shapes of the catalogue: units, choices, fields of a scenario, blocks of fields, result columns.

Nothing here names a concrete field; :mod:`.fields`, :mod:`.columns` and :mod:`.choices` do, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

LANGS = ("zh", "en")


class Unit(Enum):
    """What a number measures, and so how it is checked and shown (display format)."""

    #              range by default      page digits  Excel format    percent?
    MONEY = ("money", (0.0, None, True, True), 2, "#,##0.00", False)  # in the scenario's unit (万元)
    SIGNED_MONEY = ("signed_money", (None, None, True, True), 2, "#,##0.00", False)  # balances, differences
    MONEY_PER_CAPITA = ("money_per_capita", (None, None, True, True), 4, "#,##0.0000", False)
    SHARE = ("share", (0.0, 1.0, True, True), 2, "0.00%", True)  # a fraction 0–1, shown as %
    RATE = ("rate", (-1.0, 1.0, False, False), 2, "0.00%", True)  # a yearly growth rate, shown as %
    PROBABILITY = ("probability", (0.0, 1.0, True, True), 1, "0.0%", True)
    FACTOR = ("factor", (0.0, None, True, True), 4, "0.0000", False)  # elasticities, cost factors, weights
    RATIO = ("ratio", (None, None, True, True), 4, "0.0000", False)  # Gini, CV, coefficients
    COUNT = ("count", (0.0, None, True, True), 0, "#,##0", False)
    YEAR = ("year", (None, None, True, True), 0, "0", False)
    SCORE = ("score", (0.0, None, True, True), 2, "#,##0.00", False)
    NONE = ("none", (None, None, True, True), 4, "General", False)

    def __init__(self, code, default_range, digits, excel_format, percent):
        self.code = code
        self.default_range = default_range  # (min, max, min_inclusive, max_inclusive)
        self.digits = digits
        self.excel_format = excel_format
        self.percent = percent

    @property
    def money(self) -> bool:
        return self in (Unit.MONEY, Unit.SIGNED_MONEY)


class Choice(StrEnum):
    """A value a key may take: the code written in files, and its labels in both languages.

    Members are declared as ``NAME = (code, zh, en)`` or ``(code, zh, en, help_zh, help_en)``.
    """

    def __new__(cls, code: str, zh: str, en: str, help_zh: str = "", help_en: str = ""):
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.zh, obj.en, obj.help_zh, obj.help_en = zh, en, help_zh, help_en
        return obj

    def __str__(self) -> str:
        return self.value

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)


# the kinds of value a field holds (how files, forms and workbook cells are read)
KINDS = (
    "number",  # a JSON/YAML number
    "integer",
    "text",
    "bool",
    "choice",  # one code of ``choices``
    "numbers",  # a list of numbers
    "integers",
    "texts",  # a list of texts (towns columns, class names)
    "choices",  # a list of codes of ``choices``
    "map",  # free keys (a towns column, a category, an indicator) → ``values``
    "growth",  # a rate, {pilot, other}, a towns column, or a per-year list of these
    "target",  # a rate, or relative: {benchmark: county_average | [one per year], margin}
    "pool",  # null, an amount, or county_surplus
    "block",  # a nested map of fields
    "records",  # a list of ``block`` records (with ids)
    "table",  # a table of rows: a .csv/.xlsx path or inline records
)


@dataclass(frozen=True)
class Text:
    """A label with its help text, in Chinese and English."""

    zh: str
    en: str
    help_zh: str = ""
    help_en: str = ""

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def help(self, lang: str = "zh") -> str:
        return self.help_zh if lang == "zh" else self.help_en


@dataclass(frozen=True)
class Field:
    """One key of a scenario: its kind, range or choices, unit, default and words.

    ``minimum``/``maximum`` default to the unit's range; ``block`` is the nested block of a ``block``
    or ``records`` field; ``values`` describes the values of a ``map``; ``table`` names the table of a
    ``table`` field (:data:`fiscal_sim.catalogue.tables.TABLES`).
    """

    key: str
    kind: str
    text: Text
    unit: Unit = Unit.NONE
    required: bool = False
    default: Any = None  # the value when left out (a callable for lists and maps); ``REQUIRED`` fields have none
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_inclusive: bool | None = None
    max_inclusive: bool | None = None
    choices: type[Choice] | None = None
    block: Block | None = None
    values: Field | None = None
    table: str | None = None
    per_year: bool = False  # a number, or a list of one per simulated year
    length: int | None = None  # a list of exactly this many values
    min_length: int | None = None
    max_length: int | None = None  # characters of a text (the default for every text: MAX_TEXT)
    formula: str = ""  # the model's symbol or formula (glossary)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} of field {self.key}")

    @property
    def range(self) -> tuple[float | None, float | None, bool, bool]:
        """``(min, max, min_inclusive, max_inclusive)``: the field's own bounds over its unit's."""
        lo, hi, lo_in, hi_in = self.unit.default_range
        if self.minimum is not None or self.min_inclusive is not None:
            lo = self.minimum if self.minimum is not None else lo
            lo_in = self.min_inclusive if self.min_inclusive is not None else True
        if self.maximum is not None or self.max_inclusive is not None:
            hi = self.maximum if self.maximum is not None else hi
            hi_in = self.max_inclusive if self.max_inclusive is not None else True
        return lo, hi, lo_in, hi_in

    def label(self, lang: str = "zh") -> str:
        return self.text.label(lang)

    def help(self, lang: str = "zh") -> str:
        return self.text.help(lang)

    def default_value(self):
        return self.default() if callable(self.default) else self.default


@dataclass(frozen=True)
class Block:
    """A map of fields (a part of a scenario: ``county``, ``general_transfer``, one revenue item …)."""

    name: str
    text: Text
    fields: tuple[Field, ...]
    by_key: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_key", {f.key: f for f in self.fields})

    def __getitem__(self, key: str) -> Field:
        return self.by_key[key]

    def __contains__(self, key: str) -> bool:
        return key in self.by_key

    def label(self, lang: str = "zh") -> str:
        return self.text.label(lang)


@dataclass(frozen=True)
class Column:
    """A column of a table (a towns table input or a result frame): kind, unit and words."""

    key: str
    kind: str  # number | integer | text | bool | choice
    text: Text
    unit: Unit = Unit.NONE
    choices: type[Choice] | None = None
    required: bool = True  # an input table must have it
    formula: str = ""

    def label(self, lang: str = "zh") -> str:
        return self.text.label(lang)

    def help(self, lang: str = "zh") -> str:
        return self.text.help(lang)


@dataclass(frozen=True)
class Table:
    """A table's columns in order (an input table or a result frame)."""

    name: str
    text: Text
    columns: tuple[Column, ...]
    by_key: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})

    def __getitem__(self, key: str) -> Column:
        return self.by_key[key]

    def __contains__(self, key: str) -> bool:
        return key in self.by_key

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def required_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def label(self, lang: str = "zh") -> str:
        return self.text.label(lang)
