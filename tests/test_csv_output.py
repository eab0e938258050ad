"""CSV output (fiscal_sim/io/tables.py): written by polars, byte for byte the text pandas' ``to_csv`` writes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import fiscal_sim
from fiscal_sim.io.tables import _safe_text, csv_bytes, significant, write_csv_file


def pandas_csv(frame: pd.DataFrame) -> bytes:
    """The reference: floats to 10 significant digits, formulas defused, then pandas' to_csv."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column.dtype):
            out[name] = pd.Series(significant(column.to_numpy(np.float64)), index=column.index)
        elif column.dtype == object or pd.api.types.is_string_dtype(column.dtype) or column.dtype == "category":
            out[name] = column.astype(object).map(_safe_text)
        else:
            out[name] = column
    return pd.DataFrame(out, index=frame.index).to_csv(index=False).encode("utf-8-sig")


EDGE_FLOATS = [0.0, -0.0, 1.0, 946665.0000000001, 0.1 + 0.2, 1e-4, 1e15, 1e16, 1.2345e16, 1e22, -2.5e-12]
EDGE_FLOATS += [np.nan, np.inf, -np.inf, 1.7976931348623157e308, 12345.678901, 0.001, 123456789012.0]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"x": EDGE_FLOATS}),
        pd.DataFrame({"tiny": [1e-5, 1.5e-7, 2.0, np.nan]}),  # Python writes 1e-05, polars would write 0.00001
        pd.DataFrame(
            {
                "year": np.array([2021, 2022, 2023], dtype=np.int64),
                "pilot": [True, False, True],
                "town": pd.Categorical(["T1", "=cmd", None], categories=["T1", "=cmd", "-x"]),
                "name": pd.array(["甲,镇", 'say "hi"', None], dtype="str"),
                "text": ["+1", "", "line\nbreak"],
                "mixed": [1, 1.5, "@a"],
                "values": [[1, 2], {"a": 1}, np.nan],
                "ints": pd.array([1, None, 3], dtype="Int64"),
            }
        ),
        pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
        pd.DataFrame({"lone": ["a", "", None]}),
    ],
    ids=["floats", "tiny_floats", "mixed_columns", "empty", "one_column"],
)
def test_csv_bytes_are_what_pandas_writes(frame):
    assert csv_bytes(frame) == pandas_csv(frame)


def test_result_tables_are_what_pandas_writes(fixtures_dir, tmp_path):
    result = fiscal_sim.simulate(fixtures_dir / "special" / "scenario.yaml")
    for name in ("towns", "county", "indicators", "revenue", "projects", "revocations"):
        frame = getattr(result, name)
        assert csv_bytes(frame) == pandas_csv(frame), name
        write_csv_file(frame, tmp_path / f"{name}.csv")
        assert (tmp_path / f"{name}.csv").read_bytes() == csv_bytes(frame), name


def test_core_commands_do_not_import_the_plugins(small_dir):
    code = (
        "import sys; from fiscal_sim.io.cli import main; "
        f"main(['validate', {str(small_dir / 'base.yaml')!r}]); print('api' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    assert done.stdout.strip().splitlines()[-1] == "False"
