"""End to end in headless Chromium (Playwright driving Debian's /usr/bin/chromium, never a downloaded
browser): the real app under waitress on a free loopback port and a temporary SQLite file.

An officer uploads a scenario, raises the towns' VAT share, saves, compares against the baseline, sees
the changed numbers and the five charts, clicks a number for its explanation and downloads the
workbook; a bad upload shows its error and saves nothing; Monte Carlo and goal seeking run from the page,
with their charts. Full-page screenshots of the compare and analysis pages (1366×768 viewport) are written
to the tests' tmp folders.
"""

from __future__ import annotations

import copy
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

import fiscal_sim

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
VAT_SHARE = "revenue_items.vat.split.town_share"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``(base URL, database file)`` of ``api.serve`` (waitress) in a subprocess, bundled scenarios loaded."""
    folder = tmp_path_factory.mktemp("server")
    database = folder / "web.sqlite3"
    code = f"import api; api.serve('127.0.0.1', 0, database_url={f'sqlite:///{database}'!r})"
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(folder), "MPLCONFIGDIR": str(folder / "mpl")}
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, cwd=folder
    )
    line = process.stdout.readline()  # printed once the server listens
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        raise AssertionError(f"server did not start: {line!r} {process.stderr.read()[:2000]}")
    yield f"http://127.0.0.1:{match.group(1)}", database
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """A Chromium context with its own temporary profile and HOME, downloads accepted."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("browser")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
            accept_downloads=True,
            env={**os.environ, "HOME": str(folder)},
        )
        context.set_default_timeout(20_000)
        yield context
        context.close()


@pytest.fixture
def page(context):
    """A fresh tab that records console errors and uncaught exceptions in ``page.problems``."""
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    page.close()


def stored_rows(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM scenario_versions").fetchone()[0]


def baseline_yaml() -> bytes:
    """The bundled baseline as one self-contained YAML file (towns and projects inline)."""
    document = fiscal_sim.load_scenario(REPO / "scenarios" / "baseline.yaml").document
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode("utf-8")


def expected_change(column: str, town: str, year: int) -> str:
    """The per-town change the page must show for VAT share 0.5 → 0.6, computed here by the engine."""
    path = REPO / "scenarios" / "baseline.yaml"
    base = fiscal_sim.simulate(path).towns
    changed = fiscal_sim.simulate(path, {VAT_SHARE: 0.6}).towns
    pick = (base["town"] == town) & (base["year"] == year)
    return f"{float(changed.loc[pick, column].iloc[0] - base.loc[pick, column].iloc[0]):,.2f}"


def upload_file(page, name: str, data: bytes, mime: str = "application/yaml") -> None:
    page.set_input_files('input[name="file"]', files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_upload_edit_compare_explain_and_download(server, page, tmp_path):
    base, database = server
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "方案列表"

    # upload the baseline as a new scenario named 测试方案
    upload_file(page, "linhe.yaml", baseline_yaml())
    page.fill('input[name="name"]', "测试方案")
    with page.expect_navigation():
        page.click("#upload button[type=submit]")
    scenario_id = re.search(r"/scenarios/([0-9a-f]+)\?saved=1$", page.url).group(1)
    assert "已保存为第 1 版" in page.locator("#saved").inner_text()

    # raise the towns' VAT share to 60% and save: version 2
    page.fill(f'input[name="{VAT_SHARE}"]', "60")
    with page.expect_navigation():
        page.click("#edit-form button[type=submit]")
    assert "已保存为第 2 版" in page.locator("#saved").inner_text()
    assert "比例分成：乡镇 60%，县 40%" in page.locator("#revenue-items").inner_text()

    # compare against the bundled baseline
    page.click("header nav >> text=方案比较")
    page.check(f'input[name="ids"][value="{scenario_id}"]')
    page.check('input[name="ids"][value="baseline"]')
    page.check('input[name="baseline"][value="baseline"]')
    with page.expect_navigation():
        page.click("#compare-form button[type=submit]")
    page.wait_for_function("Array.from(document.images).every(img => img.complete)")
    settings = page.locator("#settings-diff").inner_text()
    assert "乡镇分成比例" in settings and "60%" in settings  # the setting in words, the share as %
    diffs = page.locator("table.town-diffs")
    cell = diffs.locator('tr[data-town="T01"] td[data-column="own_revenue_diff"]')
    assert cell.inner_text() == expected_change("own_revenue", "T01", 2020)
    assert cell.inner_text() != "0.00"

    # every picture loaded, the five charts among them, none wider than the page's content
    images = page.evaluate(
        "Array.from(document.images).map(img => [img.src, img.complete, img.naturalWidth, img.clientWidth])"
    )
    assert len([src for src, *_ in images if "/compare/chart.png" in src]) == 5
    assert all(complete and width > 0 for _, complete, width, _ in images), images
    assert all(shown == width for _, _, width, shown in images), images  # drawn at their size: not shrunk

    # click a header: the rows sort by it (numbers, not text)
    header = diffs.locator('th[data-column="own_revenue_diff"]')
    header.click()
    values = [float(v) for v in diffs.locator('td[data-column="own_revenue_diff"]').evaluate_all(
        "cells => cells.map(c => c.dataset.sort)")]  # fmt: skip
    assert values == sorted(values) and values[0] < values[-1]
    header.click()
    assert header.get_attribute("aria-sort") == "descending"

    # printed: navigation and forms left out (the @media print rules)
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("#compare-form").is_hidden()
    assert page.locator("#summary").is_visible()
    # on A4 landscape (277 mm of paper between the margins, 1,047 px at 96 dpi) the charts fit the width
    page.set_viewport_size({"width": 1047, "height": 740})
    widths = page.locator(".chart img").evaluate_all("imgs => imgs.map(i => i.getBoundingClientRect().right)")
    assert len(widths) == 5 and max(widths) <= 1047, widths
    pdf = tmp_path / "compare.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=False)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 50_000
    page.set_viewport_size(VIEWPORT)
    page.emulate_media(media="screen")

    screenshot = tmp_path / "compare.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 50_000
    print(f"compare page screenshot: {screenshot}")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]  # no sideways scrolling

    # click a number: its explanation opens beside the table
    diffs.locator('tr[data-town="T01"] a.explain').last.click()
    panel = page.locator("#explain-panel")
    panel.locator(".explanation").wait_for()
    text = panel.inner_text()
    assert "计算过程" in text and "公式" in text and "可用财力" in text
    page.keyboard.press("Escape")
    assert panel.is_hidden()

    # download the comparison workbook
    with page.expect_download() as download:
        page.click("#download-workbook")
    assert download.value.suggested_filename == "fiscal-sim-compare.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    workbook = openpyxl.load_workbook(saved, read_only=True)
    assert {"方案汇总", "各乡镇变化", "与基准不同的设置"} <= set(workbook.sheetnames)
    labels = [row[0] for row in workbook["方案汇总"].iter_rows(min_row=2, values_only=True)]
    assert "测试方案" in labels
    workbook.close()
    assert page.problems == []


def test_a_bad_upload_shows_the_error_and_saves_nothing(server, page):
    base, database = server
    before = stored_rows(database)
    document = yaml.safe_load(baseline_yaml())
    document = copy.deepcopy(document)
    document["towns"] = "towns.csv"
    page.goto(base + "/?lang=en")
    upload_file(page, "bad.yaml", yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))
    page.click("#upload button[type=submit]")
    errors = page.locator("#upload-errors")
    errors.wait_for()
    assert "Upload failed; nothing was saved" in errors.inner_text()
    assert "towns is a file path ('towns.csv')" in errors.inner_text()
    assert stored_rows(database) == before
    page.goto(base + "/?lang=zh")  # leave the language as the other tests expect it
    # the refused form answers 422, which Chromium reports on the console; nothing else may be there
    assert [p for p in page.problems if "status of 422" not in p] == []


def loaded(figure) -> int:
    """The width of a chart's picture once it has loaded (it is fetched after the answer)."""
    image = figure.locator("img")
    image.wait_for()
    figure.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    return image.evaluate("img => img.naturalWidth")


def test_montecarlo_and_goal_seeking_run_from_the_page(server, page, tmp_path):
    base, _ = server
    asked = []  # the API is asked in the page's language (its messages, the words of its charts)
    page.on("request", lambda request: "/api/v1/" in request.url and asked.append(request.url))
    page.goto(base + "/scenarios/baseline/analysis")
    # record the progress indicator being shown (the runs take milliseconds here)
    page.evaluate(
        """() => { window.spinnerShown = 0; document.querySelectorAll('.spinner').forEach(s =>
        new MutationObserver(() => { if (!s.hidden) window.spinnerShown += 1; }).observe(s, {attributes: true})); }"""
    )
    montecarlo = page.locator("#montecarlo")
    montecarlo.locator('input[name="draws"]').fill("200")
    montecarlo.locator("button[type=submit]").click()
    table = page.locator("#montecarlo-summary")
    table.wait_for()
    assert table.locator("tbody tr").count() == 5  # 2016–2020
    assert "县级赤字概率" in table.inner_text()
    assert montecarlo.locator(".spinner").is_hidden()
    # under the tables, the run drawn: the fan chart and the pilots' probabilities, and the numbers behind them
    fan, pilots = montecarlo.locator("#chart-fan"), montecarlo.locator("#chart-pilots")
    assert loaded(fan) == 1100 and loaded(pilots) == 620
    assert "蒙特卡洛分位数图" in fan.inner_text() and "试点镇被取消资格的概率" in pilots.inner_text()
    with page.expect_download() as download:
        fan.locator("a[data-csv]").click()
    assert download.value.suggested_filename == "fan.csv"
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("year,required_transfers_p5,") and len(lines) == 1 + 5

    solve = page.locator("#solve")
    solve.locator('select[name="parameter"]').select_option(VAT_SHARE)
    solve.locator('input[name="value"]').fill("0")
    solve.locator("button[type=submit]").click()
    result = page.locator("#solve-result")
    result.wait_for()
    found = fiscal_sim.solve(
        fiscal_sim.load_scenario(REPO / "scenarios" / "baseline.yaml"),
        parameter=VAT_SHARE,
        target="county_balance",
        value=0,
    )
    # in words: the parameter and the metric by their labels, the share as %, the balance with its unit
    sentence = f"乡镇分成比例为 {found.value:.2%} 时，2020年县级收支余额为 0.00 万元"
    assert sentence in result.inner_text() and VAT_SHARE not in result.inner_text()
    assert loaded(solve.locator("#chart-solve")) == 800  # the metric against the share, the solution marked
    assert page.evaluate("window.spinnerShown") >= 2
    assert len(asked) == 6 and all(url.endswith("?lang=zh") for url in asked), asked  # 2 answers, 3 charts, 1 CSV
    screenshot = tmp_path / "analysis.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"analysis page screenshot: {screenshot}")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]  # no sideways scrolling
    assert page.problems == []
