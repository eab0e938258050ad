"""CSV output (fiscal_sim/io/tables.py): written by polars, byte for byte the text pandas' ``to_csv`` writes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import fiscal_sim
from fiscal_sim.io.tables import _CHUNK, Batches, _rounded, _safe_text, csv_bytes, significant, write_csv_file


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


def reference_significant(values: np.ndarray, digits: int = 10) -> np.ndarray:
    """The rounding written out whole-array (what the chunked :func:`significant` must give, bit for bit)."""
    scale = np.abs(values)
    finite = np.isfinite(scale) & (scale != 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.log10(scale, out=scale, where=finite)
        scale = np.nan_to_num(np.clip(digits - 1 - np.floor(scale), -300, 15), nan=0.0)
        scale = (10.0 ** np.arange(-300, 16))[scale.astype(np.intp) + 300]
        out = np.round(values * scale) / scale
    return np.where(finite, out, values)


def test_significant_is_the_whole_array_rounding_chunk_by_chunk():
    rng = np.random.default_rng(7)
    powers = 10.0 ** np.arange(-320, 309, dtype=float)
    values = np.concatenate(
        [
            rng.standard_normal(3 * _CHUNK + 11) * 10.0 ** rng.integers(-30, 30, 3 * _CHUNK + 11),
            powers,
            np.nextafter(powers, np.inf),
            np.nextafter(powers, -np.inf),
            -powers,
            EDGE_FLOATS,
            [5e-324, 1e-310, 1e-17, 999.9999999999999, 9.999999999999999e-5],
        ]
    )
    assert significant(values).view(np.int64).tolist() == reference_significant(values).view(np.int64).tolist()
    assert significant(np.zeros(5)).tolist() == [0.0] * 5
    assert np.signbit(significant(np.array([-0.0, 0.0]))).tolist() == [True, False]
    strided = values[: len(values) // 7 * 7].reshape(-1, 7)[:, ::2]  # a 2-d view that is not contiguous
    assert significant(strided).shape == strided.shape
    assert np.array_equal(significant(strided).view(np.int64), reference_significant(strided).view(np.int64))


@pytest.mark.parametrize("where", [0, _CHUNK - 1, _CHUNK, 2 * _CHUNK + 5])
def test_tiny_and_nan_are_found_in_any_chunk(where):
    values = np.full(3 * _CHUNK, 1234.5)
    assert _rounded(values)[1:] == (False, False)
    tiny, gap = values.copy(), values.copy()
    tiny[where], gap[where] = -3e-7, np.nan
    assert _rounded(tiny)[1:] == (True, False)
    assert _rounded(gap)[1:] == (False, True)
    below = values.copy()
    below[where] = 1e-20  # rounds to 0 (15 decimals at most): not written as 1e-20
    assert _rounded(below)[1:] == (False, False)


def test_batches_write_the_text_of_the_whole_table(tmp_path):
    frame = pd.DataFrame(
        {
            "year": np.array([2021, 2021, 2022, 2022], dtype=np.int64),
            "town": pd.Categorical(["=T1", "T2", "=T1", "T2"]),
            "x": [1.5, np.nan, 2e-5, 1e16],  # the tiny value and the gap in the second batch only
        }
    )
    batches = Batches([frame.iloc[:2], frame.iloc[2:]])
    assert csv_bytes(batches) == csv_bytes(frame) == pandas_csv(frame)
    write_csv_file(Batches([frame.iloc[:2], frame.iloc[2:]]), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == csv_bytes(frame)
    with pytest.raises(ValueError, match="at least one batch"):
        csv_bytes(Batches([]))


@pytest.mark.parametrize("names", ["unique", "repeated"])
def test_result_batches_are_the_frames_text(make_scenario, names):
    towns = {"T1": {"id": "=T1", "name": "+甲镇"}, "T3": {"name": "甲镇" if names == "repeated" else "丙乡"}}
    document = make_scenario(towns=towns, years=[2021, 2024])
    document["towns"][1]["name"] = "+甲镇" if names == "repeated" else "乙镇"
    result = fiscal_sim.simulate(document)
    assert (result.scenario.name_categories is None) == (names == "repeated")
    for name in result.BATCHED_TABLES:
        batches = list(result.batches(name))
        assert len(batches) == 4
        frame = getattr(result, name)
        assert csv_bytes(Batches(batches)) == csv_bytes(frame) == pandas_csv(frame), name
    with pytest.raises(ValueError, match="not 'county'"):
        result.batches("county")


def test_core_commands_do_not_import_the_plugins(small_dir):
    code = (
        "import sys; from fiscal_sim.io.cli import main; "
        f"main(['validate', {str(small_dir / 'base.yaml')!r}]); print('api' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    assert done.stdout.strip().splitlines()[-1] == "False"
