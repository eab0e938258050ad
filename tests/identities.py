"""The positions of docs/model.md §1.6, checked on any result: shared by the engine's example tests
(tests/test_engine.py) and the property tests of every arrangement (tests/test_money_identities.py)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

# county column ← the towns' column it sums (what the county receives from and pays to its towns)
COUNTY_SUMS = {
    "shared_revenue": "county_retained",
    "remittances": "remittance",
    "over_collection_received": "over_collection_to_county",
    "tax_returns_paid": "tax_return",
    "contract_transfers_paid": "contract_transfer",
    "incentives_paid": "incentive",
    "general_transfers_paid": "general_transfer",
    "special_transfers_paid": "special_transfer",
}
RECEIVED = ["own_revenue", "shared_revenue", "remittances", "over_collection_received", "upper_transfers"]
SPENT = [
    "own_expenditure", "town_function_expenditure", "general_transfers_paid", "special_transfers_paid",
    "tax_returns_paid", "contract_transfers_paid", "incentives_paid",
]  # fmt: skip


def check_positions(towns: pd.DataFrame, county: pd.DataFrame, close: Callable) -> pd.DataFrame:
    """Each town's balance and resources, and the county's: every column it pays or receives is the sum of
    the towns' column, Σ collected = Σ (own + remittance + over-collection) + shared revenue, and its
    balance is what it receives less what it spends. Returns the towns' sums by year."""
    has = towns["own_revenue"] + towns["tax_return"] + towns["contract_transfer"] + towns["incentive"]
    close(towns["balance"], has + towns["general_transfer"] - towns["standard_expenditure"] - towns["cofinancing"])
    close(towns["resources"], has + towns["general_transfer"] + towns["special_transfer"])
    per_year = towns.groupby("year")[[*COUNTY_SUMS.values(), "revenue_collected", "own_revenue", "gap"]].sum()
    c = county.set_index("year")
    for county_column, town_column in COUNTY_SUMS.items():
        close(c[county_column], per_year[town_column])
    close(
        per_year["revenue_collected"],
        per_year["own_revenue"] + per_year["remittance"] + per_year["over_collection_to_county"] + c["shared_revenue"],
    )
    close(c["total_revenue"], c[[*RECEIVED, "upper_special_grants"]].sum(axis=1))
    close(c["balance"], c["total_revenue"] - c[SPENT].sum(axis=1))
    return per_year
