"""Marshmallow schemas of a scenario document (docs/scenario-format.md), built from the catalogue.

Each block of :data:`fiscal_sim.catalogue.SCENARIO` becomes a strict schema (unknown keys are
errors); each field's kind, range, choices, default and error wording come from its catalogue entry.
Checks across fields of one block are the functions of :data:`CHECKS`; checks that need the towns
table (columns, ids) live in :func:`fiscal_sim.scenario.scenario.from_document`.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from .. import catalogue
from ..catalogue import SPLIT_PARAMETERS, Block, Field, SplitRule, Unit
from ..errors import Message
from ..numbers import is_integer, is_number

BASIC = {"required": Message("required"), "null": Message("null")}


def _fail(code: str, **params):
    raise ValidationError(Message(code, **params))


def check_range(f: Field, value: float) -> None:
    """Raise the catalogue's message when ``value`` is outside ``f``'s range (its own, or its unit's)."""
    lo, hi, lo_in, hi_in = f.range
    below = lo is not None and (value < lo or (value == lo and not lo_in))
    above = hi is not None and (value > hi or (value == hi and not hi_in))
    if not (below or above):
        return
    if f.unit is Unit.SHARE and (lo, hi) == (0.0, 1.0):
        _fail("share", value=value)
    if f.unit is Unit.RATE and (lo, hi) == (-1.0, 1.0):
        _fail("growth_rate", value=value)
    if f.key == "schema_version":
        _fail("only_version")
    finite_hi = hi is not None and hi != float("inf")
    finite_lo = lo is not None and lo != -float("inf")
    if below and lo == 0 and lo_in:
        _fail("negative", value=value)
    if finite_lo and finite_hi:
        _fail("between", min=lo, max=hi, value=value)
    if below:
        _fail("at_least" if lo_in else "above", min=lo, value=value)
    _fail("at_most", max=hi, value=value)


def _metadata(f: Field) -> dict:
    """What the OpenAPI document says of a field: its words, range, choices and default (from the catalogue)."""
    text = f"{f.label('en')} ({f.label('zh')})"
    if f.help("en"):
        text += f": {f.help('en')}"
    meta = {"description": text}
    if f.kind in ("number", "integer"):
        lo, hi, lo_in, hi_in = f.range
        if lo is not None and lo != -float("inf"):
            meta["minimum"] = lo
            if not lo_in:
                meta["exclusiveMinimum"] = True
        if hi is not None and hi != float("inf"):
            meta["maximum"] = hi
            if not hi_in:
                meta["exclusiveMaximum"] = True
    if f.choices is not None and f.kind in ("choice", "choices"):
        meta["enum"] = list(f.choices.codes())
    if f.default is not None and not callable(f.default):
        meta["default"] = f.default
    return meta


class _Spec:
    """A marshmallow field that knows its catalogue entry: plain messages, OpenAPI words."""

    def __init__(self, spec: Field, *args, **kwargs):
        self.spec = spec
        kwargs.setdefault("metadata", _metadata(spec))
        super().__init__(*args, error_messages={**BASIC}, **kwargs)


class Number(_Spec, fields.Float):
    """A JSON/YAML number (no strings coerced), finite, within the field's range."""

    def _deserialize(self, value, attr, data, **kwargs):
        if self.spec.per_year and isinstance(value, list):
            if not value:
                _fail("per_year_empty")
            return [self._one(v) for v in value]
        return self._one(value)

    def _one(self, value):
        if not is_number(value):
            if not isinstance(value, bool) and isinstance(value, (int, float)):
                _fail("not_finite", value=value)
            _fail("not_a_number", value=repr(value))
        check_range(self.spec, value)
        return float(value)


class Integer(_Spec, fields.Integer):
    def _deserialize(self, value, attr, data, **kwargs):
        if not is_integer(value):
            _fail("not_an_integer", value=repr(value))
        check_range(self.spec, value)
        return int(value)


class Text(_Spec, fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and self.spec.key == "id":
            value = str(value)  # ids written as numbers in YAML (e.g. 101)
        if not isinstance(value, str):
            _fail("not_text", value=repr(value))
        if self.spec.min_length and len(value.strip()) < self.spec.min_length:
            _fail("empty_text")
        limit = self.spec.max_length or catalogue.MAX_TEXT
        if len(value) > limit:
            _fail("text_too_long", n=limit, got=len(value))
        return value


class Choice(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        codes = self.spec.choices.codes()
        if value not in codes:
            _fail("not_a_choice", choices=", ".join(codes), value=repr(value))
        return value


class Bool(_Spec, fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            _fail("not_a_bool", value=repr(value))
        return value


class GrowthSpec(_Spec, fields.Raw):
    """``growth.gdp``: a rate, ``{pilot, other}``, a towns column name, or a per-year list of these."""

    def _one(self, value):
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            if set(value) != {"pilot", "other"}:
                _fail("class_map_keys", keys=repr(sorted(map(str, value))))
            return {k: self._one(value[k]) for k in ("pilot", "other")}
        if not is_number(value):
            _fail("not_a_number", value=repr(value))
        check_range(self.spec, value)
        return float(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            if not value:
                _fail("per_year_empty")
            return [self._one(v) for v in value]
        return self._one(value)


class Target(_Spec, fields.Raw):
    """A target growth rate: a number, or relative ``{benchmark: county_average | [one per year], margin}``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if is_number(value):
            return float(value)
        if not isinstance(value, dict):
            _fail("target_value", value=repr(value))
        unknown = sorted(set(value) - {"benchmark", "margin"})
        if unknown:
            raise ValidationError({key: [Message("unknown_key")] for key in unknown})
        if "benchmark" not in value:
            raise ValidationError({"benchmark": [Message("required")]})
        benchmark = value["benchmark"]
        if isinstance(benchmark, list):
            if not benchmark or not all(is_number(b) for b in benchmark):
                raise ValidationError({"benchmark": [Message("benchmark_value", value=repr(benchmark))]})
            benchmark = [float(b) for b in benchmark]
        elif benchmark not in self.spec.choices.codes():
            raise ValidationError({"benchmark": [Message("benchmark_value", value=repr(benchmark))]})
        margin = value.get("margin", 0.0)
        if not is_number(margin):
            raise ValidationError({"margin": [Message("not_a_number", value=repr(margin))]})
        return {"benchmark": benchmark, "margin": float(margin)}


class Pool(_Spec, fields.Raw):
    """``general_transfer.pool``: null (cover every gap), a base-year amount, or ``county_surplus``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value == catalogue.PoolMode.COUNTY_SURPLUS.value:
            return value
        if not is_number(value):
            _fail("pool_value", value=repr(value))
        check_range(self.spec, value)
        return float(value)


class ListOf(fields.List):
    def __init__(self, spec: Field, inner: fields.Field, **kwargs):
        self.spec = spec
        kwargs.setdefault("metadata", _metadata(spec))
        super().__init__(inner, error_messages={**BASIC, "invalid": Message("not_a_list")}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        out = super()._deserialize(value, attr, data, **kwargs)
        if self.spec.length is not None and len(out) != self.spec.length:
            _fail("length_exact", n=self.spec.length, got=len(out))
        if self.spec.min_length is not None and len(out) < self.spec.min_length:
            _fail("length_min", n=self.spec.min_length)
        return out


class MapOf(fields.Dict):
    def __init__(self, spec: Field, **kwargs):
        keys = Choice(spec) if spec.choices is not None else Text(spec)
        kwargs.setdefault("metadata", _metadata(spec))
        super().__init__(keys=keys, values=marshmallow_field(spec.values), **kwargs)
        self.error_messages = {**self.error_messages, **BASIC, "invalid": Message("not_a_mapping")}


class Strict(Schema):
    """Unknown keys are errors (a typo must not pass silently)."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": Message("unknown_key"), "type": Message("not_a_mapping")}


def marshmallow_field(f: Field, *, top: bool = True) -> fields.Field:
    """The marshmallow field of a catalogue field (``top``: with its default and required flags)."""
    options = {}
    if top:
        options["required"] = f.required
        options["allow_none"] = f.nullable
        if not f.required:
            if f.kind == "block" and not f.nullable:
                block_schema = schema_class(f.block)
                options["load_default"] = lambda: block_schema().load({})
            elif f.default is not None or f.nullable:  # otherwise a key left out stays out
                options["load_default"] = f.default
    kind = f.kind
    element = {"numbers": "number", "integers": "integer", "texts": "text", "choices": "choice"}.get(kind)
    if element is not None:
        inner = Field(f.key, element, f.text, unit=f.unit, choices=f.choices, minimum=f.minimum, maximum=f.maximum)
        return ListOf(f, marshmallow_field(inner, top=False), **options)
    if kind == "number":
        return Number(f, **options)
    if kind == "integer":
        return Integer(f, **options)
    if kind == "text":
        return Text(f, **options)
    if kind == "choice":
        return Choice(f, **options)
    if kind == "bool":
        return Bool(f, **options)
    if kind == "growth":
        return GrowthSpec(f, **options)
    if kind == "pool":
        return Pool(f, **options)
    if kind == "target":
        return Target(f, **options)
    if kind == "map":
        return MapOf(f, **options)
    if kind == "block":
        return fields.Nested(schema_class(f.block), error_messages=BASIC, metadata=_metadata(f), **options)
    if kind == "records":
        nested = fields.Nested(schema_class(f.block), error_messages=BASIC)
        return ListOf(f, nested, **options)
    return fields.Raw(
        error_messages=BASIC, metadata=_metadata(f), **options
    )  # a table: checked as a table by fiscal_sim.scenario.tables


# ------------------------------------------------------------------------------------------------
# checks across the fields of one block


def _split_rule(data):
    rule = data.get("rule")
    if rule not in SplitRule.codes():
        return
    allowed, required = SPLIT_PARAMETERS[SplitRule(rule)]
    given = set(data) - {"rule"}
    errors = {}
    for key in sorted(given - allowed):
        errors[key] = [Message("not_a_rule_parameter", rule=rule)]
    for key in sorted(required - given):
        errors[key] = [Message("required_by_rule", rule=rule)]
    if rule == SplitRule.BASE_PLUS_INCREMENT and {"base", "base_column"} <= given:
        errors["base"] = [Message("base_or_column")]
    if rule == SplitRule.TIERED and not errors:
        t, s = data["thresholds"], data["town_shares"]
        if any(b <= a for a, b in zip(t, t[1:])):
            errors["thresholds"] = [Message("thresholds_increasing", values=t)]
        if len(s) != len(t) + 1:
            errors["town_shares"] = [Message("shares_per_band", need=len(t) + 1, n=len(t), got=len(s))]
    if errors:
        raise ValidationError(errors)


def _town_or_class(data):
    if ("town" in data) == ("class" in data):
        raise ValidationError(Message("town_or_class"), "_schema")


def _column_or_columns(data):
    if ("column" in data) == ("columns" in data):
        raise ValidationError(Message("column_or_columns"), "_schema")


def _column_or_metric(data):
    if ("column" in data) == ("metric" in data):
        raise ValidationError(Message("column_or_metric"), "_schema")


def _weights_sum_to_one(data):
    total = sum(f["weight"] for f in data.get("factors") or [])
    if data.get("factors") and abs(total - 1) > 1e-9:
        raise ValidationError(Message("weights_sum", total=round(total, 9)), "factors")


def _ordered_limits(data):
    lo, hi = data.get("min"), data.get("max")
    if lo is not None and hi is not None and lo > hi:
        raise ValidationError(Message("min_above_max", lo=lo, hi=hi), "min")


def _general_transfer(data):
    if data.get("coefficient") is not None and data.get("pool") is not None:
        raise ValidationError(Message("pool_or_coefficient"), "coefficient")
    if data.get("rationing") == catalogue.Rationing.FACTOR:
        if data.get("pool") is None:
            raise ValidationError(Message("factor_needs_pool"), "pool")
        factors = data.get("factors") or []
        if not factors:
            raise ValidationError(Message("factor_needs_factors"), "factors")
        total = sum(f["weight"] for f in factors)
        if abs(total - 1) > 1e-9:
            raise ValidationError(Message("weights_sum", total=round(total, 9)), "factors")
    elif data.get("factors"):
        raise ValidationError(Message("factors_only_for_factor"), "factors")
    if data.get("difficulty") is not None:
        if data.get("rationing") != catalogue.Rationing.PROPORTIONAL or data.get("pool") is None:
            raise ValidationError(Message("difficulty_needs_proportional_pool"), "difficulty")


def _scenario(data):
    years = data.get("years")
    if years and len(years) == 2:
        if years[0] > years[1]:
            raise ValidationError(Message("years_order", first=years[0], last=years[1]), "years")
        if years[1] - years[0] >= catalogue.MAX_YEARS:
            raise ValidationError(Message("years_too_many", n=catalogue.MAX_YEARS), "years")
    for key in ("revenue_items", "expenditure_functions", "expenditure_overrides", "contracts"):
        ids = [r.get("id") for r in data.get(key) or [] if r.get("id") is not None]
        dups = sorted(str(i) for i, n in Counter(ids).items() if n > 1)
        if dups:
            raise ValidationError(Message("duplicate_ids", ids=", ".join(dups)), key)


CHECKS = {
    "split": _split_rule,
    "split_overrides": _town_or_class,
    "expenditure_overrides": _town_or_class,
    "contracts": _town_or_class,
    "difficulty_factors": _column_or_metric,
    "difficulty": _weights_sum_to_one,
    "factors": _column_or_columns,
    "growth_limits": _ordered_limits,
    "general_transfer": _general_transfer,
    "scenario": _scenario,
}


@cache
def schema_class(block: Block) -> type[Schema]:
    """The strict schema of a catalogue block (built once)."""
    attrs: dict = {f.key: marshmallow_field(f) for f in block.fields}
    check = CHECKS.get(block.name)
    if check is not None:

        def _check(self, data, **kwargs):
            check(data)

        attrs["_check"] = validates_schema(_check)
    name = "".join(part.title() for part in block.name.split("_")) + "Schema"
    attrs["__doc__"] = f"{block.text.en} ({block.text.zh}): built from the catalogue."
    return type(name, (Strict,), attrs)


ScenarioSchema = schema_class(catalogue.SCENARIO)
SpecialTransfersSchema = schema_class(catalogue.SCENARIO["special_transfers"].block)
