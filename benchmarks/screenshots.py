"""Screenshots of the web page for the README: the Chinese compare page and the analysis page's Monte Carlo fan.

Starts ``api.serve`` on a fresh database (as ``bench_web.py``), opens in headless Chromium (1,366 px wide)
the compare page of the baseline and 3 variants and the baseline's analysis page after a Monte Carlo run,
and writes ``docs/images/page_compare.png`` and ``docs/images/page_montecarlo.png`` (cropped, palette PNGs
under 400 KB).

    .venv/bin/python benchmarks/screenshots.py
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from bench_web import ARGS, CHROMIUM, REPO, VARIANTS, start_server

OUT = REPO / "docs" / "images"
WIDTH = 1366
MAX_BYTES = 400_000


def save(png: bytes, path: Path) -> None:
    """A screenshot as an optimised palette PNG (256 colours: the page is flat colours and anti-aliased text)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colours in (256, 128, 64):
        buffer = io.BytesIO()
        image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buffer, "PNG", optimize=True
        )
        if buffer.tell() < MAX_BYTES:
            break
    path.write_bytes(buffer.getvalue())
    print(f"{path.relative_to(REPO)}: {image.width}×{image.height} px, {buffer.tell() / 1000:,.0f} KB")


def shoot(page, top: str, bottom: str) -> bytes:
    """The full-width band of the page from the top of ``top`` to the bottom of ``bottom`` (CSS selectors)."""
    first, last = page.locator(top).first.bounding_box(), page.locator(bottom).first.bounding_box()
    y = max(0.0, min(first["y"], last["y"]) - 12)
    height = max(first["y"] + first["height"], last["y"] + last["height"]) + 12 - y
    return page.screenshot(full_page=True, clip={"x": 0, "y": y, "width": WIDTH, "height": height})


def stitched(parts: list[bytes]) -> bytes:
    """Screenshots one under the other, a grey rule between them."""
    from PIL import Image

    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in parts]
    gap = 6
    out = Image.new("RGB", (WIDTH, sum(i.height for i in images) + gap * (len(images) - 1)), "#c8cdd3")
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height + gap
    buffer = io.BytesIO()
    out.save(buffer, "PNG")
    return buffer.getvalue()


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        process, base = start_server(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
                page = browser.new_page(viewport={"width": WIDTH, "height": 900})
                page.set_default_timeout(120_000)
                ids = "&".join(f"ids={i}" for i in ("baseline", *VARIANTS))
                page.goto(f"{base}/compare?{ids}&baseline=baseline&lang=zh")
                page.wait_for_function("Array.from(document.images).every(img => img.complete)")
                parts = [  # the summary and the balance by year, then the county balance and Lorenz charts
                    shoot(page, "#comparison h2", "#balance-by-year"),
                    shoot(page, "#chart-county_balance", "#chart-lorenz"),
                ]
                save(stitched(parts), OUT / "page_compare.png")

                page.goto(f"{base}/scenarios/baseline/analysis?lang=zh")
                page.locator('form[data-render="montecarlo"] button[type=submit]').click()
                fan = page.locator("#chart-fan img")
                fan.wait_for()
                while not fan.evaluate("img => img.complete && img.naturalWidth > 0"):
                    page.wait_for_timeout(100)
                save(shoot(page, "#montecarlo h2", "#chart-fan"), OUT / "page_montecarlo.png")
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
