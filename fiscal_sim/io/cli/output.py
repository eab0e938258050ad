"""Writing results: every file through a temporary one (``atomic_write``), tables as CSV, a result as CSV
files, one JSON file or one workbook."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from ..records import frame_records, result_records
from ..tables import Batches, write_csv_file

FRAMES = ("towns", "county", "indicators", "revenue", "projects")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp{path.suffix}"
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(path: Path, frame: pd.DataFrame | Batches) -> Path:
    """One frame as CSV (:func:`fiscal_sim.io.tables.csv_bytes`: UTF-8 with BOM, formulas kept as text)."""
    atomic_write(path, lambda p: write_csv_file(frame, p))
    return path


def write_csv_tables(out: Path, source, names) -> list[Path]:
    """``source.<name>`` frames as ``out/<name>.csv`` (a result's large tables a year at a time, never whole).

    The large tables are written side by side, each by a thread of its own: polars formats CSV and numpy
    rounds without holding the interpreter, so one table's rows are prepared while another's are written.
    """
    batched = [name for name in names if name in getattr(source, "BATCHED_TABLES", ())]
    if len(batched) < 2:
        return [write_csv(out / f"{name}.csv", _table(source, name, batched)) for name in names]
    with ThreadPoolExecutor(len(batched)) as pool:
        futures = {name: pool.submit(write_csv, out / f"{name}.csv", _table(source, name, batched)) for name in batched}
        written = {name: write_csv(out / f"{name}.csv", getattr(source, name)) for name in names if name not in futures}
        written |= {name: future.result() for name, future in futures.items()}
    return [written[name] for name in names]


def _table(source, name: str, batched):
    return Batches(source.batches(name)) if name in batched else getattr(source, name)


def write_result(result, out: Path, fmt: str, lang: str = "zh") -> list[Path]:
    """Write a result as CSV files, one JSON file or one workbook into ``out``."""
    written = []
    if fmt == "csv":
        written += write_csv_tables(out, result, FRAMES)
    elif fmt == "json":
        path = out / "result.json"
        text = json.dumps(
            {**result_records(result), "revenue": frame_records(result.revenue)}, ensure_ascii=False, indent=1
        )
        atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
        written.append(path)
    else:
        from ..excel_results import write_workbook  # writes through a temporary file itself

        path = out / "result.xlsx"
        out.mkdir(parents=True, exist_ok=True)
        write_workbook(path, {result.name: result}, lang=lang)
        written.append(path)
    return written
