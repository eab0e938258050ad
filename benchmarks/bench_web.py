"""Web page benchmark (issue 14): what a finance officer waits for, in headless Chromium against the real server.

Starts ``api.serve`` on a fresh database (bundled scenarios loaded) and measures, in a Chromium tab:

- the compare page of the baseline and 3 variants: the first load (nothing cached; until every chart image
  has loaded), ``--settle`` seconds after the server started (10 by default: its worker processes start in
  the background meanwhile), and warm loads (target ≤ 1.5 s first, ≤ 0.5 s warm);
- the comparison workbook of the same four, downloaded from the page's link (target ≤ 2 s);
- the first goal seek after start, from the analysis page's form to the answer shown (target ≤ 2 s);

and, in a fresh process, ``fiscal-sim run scenarios/baseline.yaml --format xlsx`` from cold (target ≤ 3 s).

    .venv/bin/python benchmarks/bench_web.py            # 5 warm loads
    .venv/bin/python benchmarks/bench_web.py --warm 20
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
VARIANTS = ("pilot_reform", "pilot_contracts", "vat_returns")


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    """``api.serve`` on a free loopback port with its data in ``folder`` (bench_api's); its base URL."""
    from bench_api import start_server as start_api

    process, port, _ = start_api(folder)
    return process, f"http://127.0.0.1:{port}"


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=5, help="warm loads of the compare page")
    parser.add_argument(
        "--settle",
        type=float,
        default=10.0,
        help="seconds between the server's start and the first load (its worker processes start meanwhile); 0: at once",
    )
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit("needs /usr/bin/chromium (scripts/system-deps.sh browser)")
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        process, base = start_server(folder)
        try:
            ids = "&".join(f"ids={i}" for i in ("baseline", *VARIANTS))
            url = f"{base}/compare?{ids}&baseline=baseline"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
                page.set_default_timeout(120_000)

                def load():
                    page.goto(url)
                    page.wait_for_function("Array.from(document.images).every(img => img.complete)")

                time.sleep(args.settle)
                first = timed(load)
                warm = sorted(timed(load) for _ in range(args.warm))
                rows.append(("compare page, baseline + 3 variants, first load", first, "≤ 1.5 s"))
                rows.append(("compare page, warm (median)", warm[len(warm) // 2], "≤ 0.5 s"))
                width = page.evaluate("document.documentElement.scrollWidth")
                rows.append(("compare page width at a 1,366 px window (px)", float(width), "≤ 1366"))

                def workbook():
                    with page.expect_download() as download:
                        page.click("#download-workbook")
                    download.value.path()

                rows.append(("comparison workbook download", timed(workbook), "≤ 2 s"))

                page.goto(f"{base}/scenarios/baseline/analysis")
                form = page.locator('form[data-render="solve"]')
                form.locator('input[name="value"]').fill("0")

                def solve():
                    form.locator("button[type=submit]").click()
                    page.wait_for_selector('form[data-render="solve"] ~ .api-output :is(p, table, dl)')

                rows.append(("first goal seek after start", timed(solve), "≤ 2 s"))
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
        out = folder / "xlsx"
        command = [sys.executable, "-m", "fiscal_sim.io.cli", "run", str(REPO / "scenarios/baseline.yaml")]
        cold = timed(lambda: subprocess.run([*command, "--format", "xlsx", "--out", str(out)], check=True))
        rows.append(("fiscal-sim run --format xlsx, cold process", cold, "≤ 3 s"))

    print("| measure | time (s) | target |")
    print("|---|---:|---|")
    for name, value, target in rows:
        shown = f"{value:,.0f}" if "px" in name else f"{value:.2f}"
        print(f"| {name} | {shown} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
