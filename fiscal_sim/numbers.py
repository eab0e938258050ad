"""Numbers as the model takes them: one test of a finite number, one money epsilon."""

from __future__ import annotations

import math
import numbers

MONEY_EPSILON = 1e-9  # in the scenario's unit: amounts below it are rounding, not money (1e-9 万元 = 0.00001 元)


def is_number(value) -> bool:
    """A finite real number, not a bool and not text (no strings coerced).

    >>> [is_number(v) for v in (1, 2.5, True, "3", float("nan"), float("inf"))]
    [True, True, False, False, False, False]
    """
    return not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)


def is_integer(value) -> bool:
    """A whole number given as an integer (``3``, not ``3.0``, ``"3"`` or ``True``)."""
    return not isinstance(value, bool) and isinstance(value, numbers.Integral)
