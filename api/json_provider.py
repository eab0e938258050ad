"""The app's JSON: Chinese kept readable, numpy scalars as numbers, NaN and ±inf as null, and request bodies
refused (400) when they nest deeper than a scenario can or hold text that is not valid Unicode.

Its own module so the app and the answers computed in worker processes (:mod:`api.answers`) write JSON the
same way without either importing the other.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime

from flask.json.provider import DefaultJSONProvider

from fiscal_sim import catalogue
from fiscal_sim.errors import text_of
from fiscal_sim.scenario.plain_data import plain_data_problem

REQUEST_DEPTH = catalogue.MAX_DEPTH + 8  # a scenario document inside a request body


class JSONProvider(DefaultJSONProvider):
    """Chinese kept readable, numpy scalars as numbers, NaN/±inf as null (JSON has no NaN)."""

    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(value):
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        if hasattr(value, "item") and hasattr(value, "dtype"):  # numpy scalar
            return value.item()
        return DefaultJSONProvider.default(value)

    def loads(self, s, **kwargs):
        """JSON of a request, refused (400) when it nests deeper than a scenario can or holds text that is not
        valid Unicode (a lone surrogate cannot be stored)."""
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(f"nested deeper than {REQUEST_DEPTH} levels") from None
        problem = plain_data_problem(value, REQUEST_DEPTH)
        if problem is not None:
            where, message = problem
            raise ValueError(f"{where}: {text_of(message, 'en')}")
        return value

    def dumps(self, obj, **kwargs) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        kwargs["allow_nan"] = False
        try:
            return json.dumps(obj, **kwargs)
        except ValueError:  # a NaN or inf somewhere: replace, then dump again
            return json.dumps(finite(obj), **kwargs)


def finite(value):
    """The same structure with every non-finite float as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if hasattr(value, "item") and hasattr(value, "dtype"):
        return finite(value.item())
    return value
