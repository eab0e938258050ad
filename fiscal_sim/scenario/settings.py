"""Settings of a validated config read as typed values, decided once for the engine, explain and the page."""

from __future__ import annotations

from ..catalogue import PoolMode


def pool_mode(general_transfer: dict) -> tuple[PoolMode, float | None]:
    """How the general-transfer money is set, and its amount (or the coefficient φ).

    >>> pool_mode({"pool": None, "coefficient": None})
    (<PoolMode.FULL: 'full'>, None)
    >>> pool_mode({"pool": 500.0, "coefficient": None})
    (<PoolMode.AMOUNT: 'amount'>, 500.0)
    """
    if general_transfer.get("coefficient") is not None:
        return PoolMode.COEFFICIENT, general_transfer["coefficient"]
    pool = general_transfer.get("pool")
    if pool is None:
        return PoolMode.FULL, None
    if pool == PoolMode.COUNTY_SURPLUS:
        return PoolMode.COUNTY_SURPLUS, None
    return PoolMode.AMOUNT, pool


def pool_settings(mode: PoolMode, amount: float | None) -> dict:
    """``general_transfer.pool`` and ``.coefficient`` that give ``mode`` (the inverse of :func:`pool_mode`)."""
    return {
        PoolMode.FULL: {"pool": None, "coefficient": None},
        PoolMode.AMOUNT: {"pool": amount, "coefficient": None},
        PoolMode.COUNTY_SURPLUS: {"pool": PoolMode.COUNTY_SURPLUS.value, "coefficient": None},
        PoolMode.COEFFICIENT: {"pool": None, "coefficient": amount},
    }[mode]
