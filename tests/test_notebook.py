"""The walkthrough notebook (演练笔记本) runs top to bottom and shows what it promises.

It runs in a real kernel (nbclient + ipykernel) started with this interpreter: a ``python3``
kernelspec is written into a temporary folder that ``JUPYTER_PATH`` puts first, so a kernelspec
elsewhere on the machine (another Python without fiscal_sim) cannot be picked instead. Charts use
the inline backend the notebook asks for; matplotlib's cache and ``HOME`` are temporary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from fiscal_sim.io.fonts import find_cjk_family

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WALKTHROUGH = NOTEBOOKS / "walkthrough.ipynb"


def _code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _cell_text(cell) -> str:
    """Everything a code cell showed: streams, plain text and HTML of results and displays."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.extend(output.data.get(kind, "") for kind in ("text/plain", "text/html"))
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
    return "\n".join(parts)


def _cell_with(nb, source_fragment: str):
    """The one code cell whose source contains ``source_fragment``."""
    (cell,) = [c for c in _code_cells(nb) if source_fragment in c.source]
    return cell


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(WALKTHROUGH, as_version=4)
    nbformat.validate(nb)
    cells = _code_cells(nb)
    assert cells
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in cells)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A ``python3`` kernelspec for this interpreter, first on JUPYTER_PATH; temporary HOME and caches."""
    from ipykernel.kernelspec import install

    prefix = tmp_path / "jupyter"
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share/jupyter"))
    install(kernel_name="python3", prefix=str(prefix))
    spec = json.loads((prefix / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    return tmp_path


@pytest.fixture
def executed(kernel_env):
    """The walkthrough, executed in a fresh kernel with the notebooks folder as working directory."""
    from nbclient import NotebookClient

    nb = nbformat.read(WALKTHROUGH, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError on the first cell that fails
    return nb


@pytest.mark.slow
def test_walkthrough_runs_and_shows_its_results(executed):
    nb = executed
    cells = _code_cells(nb)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert errors == []

    # the one town's revenue split lists every revenue item of the bundled county
    split = _cell_text(_cell_with(nb, 'revenue["town"] == "T14"'))
    for item in ("vat", "corporate_income_tax", "land_use_tax", "deed_tax"):
        assert item in split

    # the comparison summary names both scenarios; the settings show the one changed path
    summary = _cell_text(_cell_with(nb, "comparison.summary"))
    assert "baseline" in summary and "vat60" in summary
    settings = _cell_text(_cell_with(nb, "comparison.settings"))
    assert "revenue_items.vat.split.town_share" in settings

    # four charts, each shown as a PNG
    charts = _cell_with(nb, "make_chart(name, comparison.results)")
    assert sum("image/png" in o.get("data", {}) for o in charts.outputs) == 4
    if find_cjk_family() is not None:  # with a CJK font installed, Chinese labels render where the notebook shows them
        shown = _cell_text(charts)
        assert "missing from font" not in shown, "a chart shown outside fiscal_sim draws Chinese labels as boxes"

    explanation = _cell_text(_cell_with(nb, 'result.explain("T14", 2018, "general_transfer")'))
    assert "一般性转移支付" in explanation and "T14 2018" in explanation and "标准财政支出" in explanation
    assert "项目 P010" in _cell_text(_cell_with(nb, 'explain_project(result, "P010")'))

    montecarlo = _cell_text(_cell_with(nb, "mc.summary"))
    assert "p_county_deficit" in montecarlo and "county_balance_p95" in montecarlo
    assert "p_revoked" in _cell_text(_cell_with(nb, "mc.pilots"))

    solved = _cell_text(_cell_with(nb, "solution = fiscal_sim.solve("))
    assert "county balance 2020 = 0.00" in solved or "county balance 2020 = -0.00" in solved
    unreachable = _cell_text(_cell_with(nb, "value=1_000_000"))
    assert unreachable.startswith("error: county.balance cannot reach") and "closest is" in unreachable

    revocations = _cell_text(_cell_with(nb, "pilot.revocations"))
    assert "T09" in revocations and "2019" in revocations
    assert "取消试点资格" in _cell_text(_cell_with(nb, 'pilot.explain("T09", 2019, "pilot")'))

    # one county–town arrangement end to end: 收支包干 contracts for the pilots
    contract_rows = _cell_text(_cell_with(nb, 'ct.loc[ct["town"] == "T01", columns]'))
    assert "contract_transfer" in contract_rows and "over_collection_to_county" in contract_rows
    compared = _cell_text(_cell_with(nb, "contracts_vs_baseline = fiscal_sim.compare("))
    assert "county.balance" in compared and "contracts.C01" in compared
    settlement = _cell_text(_cell_with(nb, 'result_contracts.explain("T01", 2017, "contract_transfer")'))
    assert "核定收入基数" in settlement and "核定支出基数" in settlement and "超收上缴" in settlement
    assert "T01 resources 2020 = 7,000.00" in _cell_text(_cell_with(nb, 'parameter="contracts.C01.over_share"'))
