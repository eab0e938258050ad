"""Marshmallow schemas of a scenario document (SPEC §2), shared by the loader and the HTTP API.

The schemas check each block on its own (types, ranges, allowed keys, a split rule's own parameters);
checks that need the towns table (columns, ids) live in :mod:`fiscal_sim.scenario`.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

SPLIT_RULES = ("town", "county", "proportional", "base_plus_increment", "tiered")
RATIONING = ("proportional", "need_adjusted", "factor")
PRIORITY_KEYS = ("key_project", "score", "pilot")
INDICATORS = ("gdp_growth", "revenue_growth")
MAX_DRAWS = 100_000

SHARE = validate.Range(min=0, max=1, error="must be a share between 0 and 1")
NON_NEGATIVE = validate.Range(min=0, error="must not be negative")
GROWTH = validate.Range(min=-1, min_inclusive=False, error="must be a growth rate above -1")


class Strict(Schema):
    """Unknown keys are errors (a typo must not pass silently)."""

    class Meta:
        unknown = RAISE


def _finite_number(value, name: str):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValidationError(f"{name} must be a finite number, got {value!r}")


class SplitSchema(Strict):
    """A split rule (收入划分): who keeps what of an item's collected amount."""

    RULE_KEYS = {
        "town": set(),
        "county": set(),
        "proportional": {"town_share"},
        "base_plus_increment": {"base_share", "increment_share", "base", "base_column"},
        "tiered": {"thresholds", "town_shares"},
    }
    REQUIRED = {
        "proportional": {"town_share"},
        "base_plus_increment": {"base_share", "increment_share"},
        "tiered": {"thresholds", "town_shares"},
    }

    rule = fields.String(required=True, validate=validate.OneOf(SPLIT_RULES))
    town_share = fields.Float(validate=SHARE)
    base_share = fields.Float(validate=SHARE)
    increment_share = fields.Float(validate=SHARE)
    base = fields.Float(validate=NON_NEGATIVE)
    base_column = fields.String()
    thresholds = fields.List(fields.Float(validate=NON_NEGATIVE))
    town_shares = fields.List(fields.Float(validate=SHARE))

    @validates_schema
    def _rule_parameters(self, data, **kwargs):
        rule = data.get("rule")
        if rule not in self.RULE_KEYS:
            return
        given = set(data) - {"rule"}
        errors = {}
        for key in sorted(given - self.RULE_KEYS[rule]):
            errors[key] = [f"not a parameter of the '{rule}' rule"]
        for key in sorted(self.REQUIRED.get(rule, set()) - given):
            errors[key] = [f"required by the '{rule}' rule"]
        if rule == "base_plus_increment" and {"base", "base_column"} <= given:
            errors["base"] = ["give either base or base_column, not both"]
        if rule == "tiered" and not errors:
            t, s = data["thresholds"], data["town_shares"]
            if any(b <= a for a, b in zip(t, t[1:])):
                errors["thresholds"] = [f"must be strictly increasing, got {t}"]
            if len(s) != len(t) + 1:
                errors["town_shares"] = [
                    f"needs one share per band: {len(t) + 1} for {len(t)} thresholds, got {len(s)}"
                ]
        if errors:
            raise ValidationError(errors)


class RevenueItemSchema(Strict):
    """A shared revenue item (税种) and its split rule."""

    id = fields.String(required=True, validate=validate.Length(min=1))
    name = fields.String(load_default="")
    column = fields.String()
    elasticity = fields.Float(load_default=1.0, validate=NON_NEGATIVE)
    capacity_rate = fields.Float(load_default=1.0, validate=SHARE)
    split = fields.Nested(SplitSchema, required=True)


_SplitOverrideFields = Strict.from_dict(
    {
        "town": fields.String(),
        "class": fields.String(),  # a Python keyword, hence from_dict
        "item": fields.String(required=True),
        "split": fields.Nested(SplitSchema, required=True),
    },
    name="SplitOverrideFields",
)


class SplitOverrideSchema(_SplitOverrideFields):
    """A split rule replaced for one town (``town``) or a class of towns (``class: pilot``)."""

    @validates_schema
    def _one_target(self, data, **kwargs):
        if ("town" in data) == ("class" in data):
            raise ValidationError("give exactly one of 'town' or 'class'", "_schema")


class RemittancesSchema(Strict):
    """定额上解: a towns column with the fixed amount each town remits every year."""

    column = fields.String(required=True)


class ExpenditureFunctionSchema(Strict):
    """An expenditure responsibility (事权) costed by a standard formula."""

    id = fields.String(required=True, validate=validate.Length(min=1))
    name = fields.String(load_default="")
    driver = fields.String(required=True)
    unit_cost = fields.Float(required=True, validate=NON_NEGATIVE)
    cost_factor = fields.String(load_default=None, allow_none=True)
    town_share = fields.Float(required=True, validate=SHARE)
    growth = fields.Float(load_default=0.0, validate=GROWTH)


class CountySchema(Strict):
    """The county's own budget outside the towns, base-year amounts."""

    own_revenue = fields.Float(load_default=0.0, validate=NON_NEGATIVE)
    own_revenue_growth = fields.Float(load_default=0.0, validate=GROWTH)
    own_expenditure = fields.Float(load_default=0.0, validate=NON_NEGATIVE)
    own_expenditure_growth = fields.Float(load_default=0.0, validate=GROWTH)
    upper_transfers = fields.Float(load_default=0.0, validate=NON_NEGATIVE)
    upper_transfers_growth = fields.Float(load_default=0.0, validate=GROWTH)


class GrowthRate(fields.Field):
    """A growth specification: number, {pilot, other}, a towns column name, or a per-year list."""

    def __init__(self, allow_classes: bool = True, allow_column: bool = True, **kwargs):
        self.allow_classes = allow_classes
        self.allow_column = allow_column
        super().__init__(**kwargs)

    def _one(self, value):
        if isinstance(value, str):
            if not self.allow_column:
                raise ValidationError(f"a column name is not allowed here, got {value!r}")
            return value
        if isinstance(value, dict):
            if not self.allow_classes:
                raise ValidationError("a {pilot, other} map is not allowed here")
            if set(value) != {"pilot", "other"}:
                raise ValidationError(f"a class map needs exactly the keys pilot and other, got {sorted(value)}")
            return {k: self._one(v) for k, v in value.items()}
        _finite_number(value, "growth rate")
        if value <= -1:
            raise ValidationError(f"growth rate must be above -1, got {value}")
        return float(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            if not value:
                raise ValidationError("a per-year list must not be empty")
            return [self._one(v) for v in value]
        return self._one(value)


class GrowthSchema(Strict):
    """Growth of GDP (and so of revenue) and of the towns' driver columns."""

    gdp = GrowthRate(load_default=0.0)
    drivers = fields.Dict(
        keys=fields.String(),
        values=GrowthRate(allow_classes=False, allow_column=False),
        load_default=dict,
    )


class PoolField(fields.Field):
    """null (cover every gap), a base-year amount, or ``county_surplus``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or value == "county_surplus":
            return value
        if isinstance(value, str):
            raise ValidationError(f"must be null, a number or 'county_surplus', got {value!r}")
        _finite_number(value, "pool")
        if value < 0:
            raise ValidationError("must not be negative")
        return float(value)


class FactorSchema(Strict):
    """A factor of the factor method (因素法): a towns column, or a product of columns, and its weight."""

    column = fields.String()
    columns = fields.List(fields.String(), validate=validate.Length(min=1))
    weight = fields.Float(required=True, validate=SHARE)

    @validates_schema
    def _one_of(self, data, **kwargs):
        if ("column" in data) == ("columns" in data):
            raise ValidationError("give exactly one of 'column' or 'columns'", "_schema")


class GrowthLimitsSchema(Strict):
    """增幅控制: a town's transfer may move only within [min, max] of last year's."""

    min = fields.Float(load_default=None, allow_none=True, validate=GROWTH)
    max = fields.Float(load_default=None, allow_none=True, validate=GROWTH)

    @validates_schema
    def _ordered(self, data, **kwargs):
        lo, hi = data.get("min"), data.get("max")
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError(f"min ({lo}) must not exceed max ({hi})", "min")


class GeneralTransferSchema(Strict):
    """一般性转移支付: how each town's gap is covered."""

    pool = PoolField(load_default=None, allow_none=True)
    pool_growth = fields.Float(load_default=0.0, validate=GROWTH)
    coefficient = fields.Float(load_default=None, allow_none=True, validate=SHARE)
    priority = fields.List(fields.String(), load_default=list)
    rationing = fields.String(load_default="proportional", validate=validate.OneOf(RATIONING))
    eligible = fields.String(load_default="gap", validate=validate.OneOf(("gap", "all")))
    factors = fields.List(fields.Nested(FactorSchema), load_default=list)
    growth_limits = fields.Nested(GrowthLimitsSchema, load_default=None, allow_none=True)

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("coefficient") is not None and data.get("pool") is not None:
            raise ValidationError("give either a pool or a fixed coefficient, not both", "coefficient")
        if data.get("rationing") == "factor":
            if data.get("pool") is None:
                raise ValidationError("the factor method needs a pool (a number or county_surplus)", "pool")
            factors = data.get("factors") or []
            if not factors:
                raise ValidationError("the factor method needs at least one factor", "factors")
            total = sum(f["weight"] for f in factors)
            if abs(total - 1) > 1e-9:
                raise ValidationError(f"factor weights must sum to 1, they sum to {total:g}", "factors")
        elif data.get("factors"):
            raise ValidationError("factors are used only with rationing: factor", "factors")


class SpecialTransfersSchema(Strict):
    """专项转移支付: earmarked project grants under a yearly budget."""

    budget = fields.Float(required=True, validate=NON_NEGATIVE)
    budget_growth = fields.Float(load_default=0.0, validate=GROWTH)
    category_caps = fields.Dict(keys=fields.String(), values=fields.Float(validate=NON_NEGATIVE), load_default=dict)
    method = fields.String(load_default="priority", validate=validate.OneOf(("priority", "optimal")))
    priority_order = fields.List(
        fields.String(validate=validate.OneOf(PRIORITY_KEYS)),
        load_default=lambda: list(PRIORITY_KEYS),
    )
    pilot_weight = fields.Float(load_default=1.0, validate=validate.Range(min=0, min_inclusive=False))
    key_weight = fields.Float(load_default=1.0, validate=validate.Range(min=0, min_inclusive=False))
    require_cofinancing = fields.Boolean(load_default=False)
    carry_over = fields.Boolean(load_default=False)
    projects = fields.Raw(required=True)


class AssessmentSchema(Strict):
    """考评: pilot towns are held against growth targets every year."""

    enabled = fields.Boolean(load_default=True)
    targets = fields.Dict(
        keys=fields.String(validate=validate.OneOf(INDICATORS)), values=fields.Float(), load_default=dict
    )
    failures_to_revoke = fields.Integer(load_default=3, validate=validate.Range(min=1))


class UncertaintySchema(Strict):
    """Monte Carlo of GDP growth."""

    draws = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=MAX_DRAWS))
    seed = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, error="must not be negative")
    )
    gdp_growth_sd = fields.Float(load_default=0.0, validate=NON_NEGATIVE)
    common_share = fields.Float(load_default=0.0, validate=SHARE)


class ScenarioSchema(Strict):
    """A whole scenario (SPEC §2.1). ``towns`` and ``projects`` arrive as lists of records."""

    schema_version = fields.Integer(required=True, validate=validate.OneOf([1], error="only schema_version 1 exists"))
    name = fields.String(required=True, validate=validate.Length(min=1))
    description = fields.String(load_default="")
    unit = fields.String(load_default="万元")
    years = fields.List(fields.Integer(), required=True, validate=validate.Length(equal=2))
    towns = fields.Raw(required=True)
    revenue_items = fields.List(fields.Nested(RevenueItemSchema), required=True, validate=validate.Length(min=1))
    split_overrides = fields.List(fields.Nested(SplitOverrideSchema), load_default=list)
    remittances = fields.Nested(RemittancesSchema, load_default=None, allow_none=True)
    expenditure_functions = fields.List(
        fields.Nested(ExpenditureFunctionSchema), required=True, validate=validate.Length(min=1)
    )
    county = fields.Nested(CountySchema, load_default=lambda: CountySchema().load({}))
    growth = fields.Nested(GrowthSchema, load_default=lambda: GrowthSchema().load({}))
    general_transfer = fields.Nested(GeneralTransferSchema, load_default=lambda: GeneralTransferSchema().load({}))
    special_transfers = fields.Nested(SpecialTransfersSchema, load_default=None, allow_none=True)
    assessment = fields.Nested(AssessmentSchema, load_default=None, allow_none=True)
    uncertainty = fields.Nested(UncertaintySchema, load_default=None, allow_none=True)

    @validates_schema
    def _years(self, data, **kwargs):
        years = data.get("years")
        if years and len(years) == 2:
            if years[0] > years[1]:
                raise ValidationError(f"first year {years[0]} is after last year {years[1]}", "years")
            if years[1] - years[0] >= 100:
                raise ValidationError("at most 100 simulated years", "years")
        for key in ("revenue_items", "expenditure_functions"):
            ids = [r.get("id") for r in data.get(key) or []]
            dups = sorted(i for i, n in Counter(ids).items() if n > 1)
            if dups:
                raise ValidationError(f"duplicate id {', '.join(dups)}", key)
