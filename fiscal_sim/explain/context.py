"""What every explanation of a town's number needs: the town, the year, the run, and its labels."""

from __future__ import annotations

import numpy as np

from ..catalogue import Text
from ..errors import Message, ScenarioError
from ..model.projection import cumulative_factor
from .node import Explanation, column_text


class Context:
    def __init__(self, result, town: str, year: int):
        m = result.model
        if town not in m.town_ids:
            raise ScenarioError({"town": [Message("unknown_town", town=repr(town))]})
        years = m.years.tolist()
        if year not in years:
            raise ScenarioError({"year": [Message("between", min=years[0], max=years[-1], value=year)]})
        self.result, self.m = result, m
        self.i = m.town_ids.index(town)
        self.t = years.index(year)
        self.unit = result.unit
        self.town, self.year = town, year

    def value(self, column):
        return float(self.result.town_array(column)[self.t, self.i])

    def node(self, column, formula: Text | str = "", inputs=(), note: Text | str = "") -> Explanation:
        if column == "pilot":
            value = bool(self.result.pilot[self.t, self.i])
        else:
            value = float(self.result.town_array(column)[self.t, self.i])
        return Explanation(column, column_text(column), value, formula, list(inputs), note, self.unit)

    @property
    def pilot(self) -> bool:
        return bool(self.result.pilot[self.t, self.i])

    def column(self, name: str) -> float:
        """A towns column in this year, grown as ``growth.drivers`` says (docs/model.md §1.1)."""
        m = self.m
        base = float(m.scenario.towns[name].iat[self.i])
        rate = m.scenario.config["growth"]["drivers"].get(name, 0.0)
        return base * float(cumulative_factor(rate, len(m.years))[self.t])

    def before(self, column: str) -> float:
        """Last year's value of a towns result column (the base year's own revenue for the first year)."""
        if self.t > 0:
            return float(self.result.town_array(column)[self.t - 1, self.i])
        return float("nan")

    def previous_array(self, column: str) -> np.ndarray:
        return self.result.town_array(column)[self.t - 1] if self.t > 0 else None
