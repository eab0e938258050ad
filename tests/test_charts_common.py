"""Charts, what every one shares (fiscal_sim.io.charts.common): a CJK font, rendering, values in words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from fiscal_sim import catalogue
from fiscal_sim.io import fonts
from fiscal_sim.io.charts import figure_bytes, make_chart, shown_value

from .charts_helpers import DPI, render


def test_a_cjk_font_is_found():
    rc = fonts.cjk_rc()
    assert rc["font.sans-serif"][0] in fonts.PREFERRED_FAMILIES, (
        "no CJK font: install fonts-wqy-microhei (apt-get install -y fonts-wqy-microhei)"
    )
    assert rc["axes.unicode_minus"] is False


def test_svg_renders_too(chart_results):
    svg = render(make_chart("county_balance", chart_results, dpi=DPI), "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg


def test_without_a_cjk_font_one_warning_and_a_chart_all_the_same(chart_results, monkeypatch):
    monkeypatch.setattr(fonts, "PREFERRED_FAMILIES", ("No Such CJK Font",))
    fonts.reset()
    try:
        with pytest.warns(UserWarning, match="no CJK font found") as caught:
            rc = fonts.cjk_rc()
            fonts.cjk_rc()
        assert len([w for w in caught if "CJK" in str(w.message)]) == 1
        assert "font.sans-serif" not in rc
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # boxes for Chinese: expected here
            assert figure_bytes(make_chart("county_balance", chart_results, dpi=DPI)).startswith(b"\x89PNG")
    finally:
        fonts.reset()


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists(), reason="needs fonts-wqy-microhei"
)
def test_a_font_installed_after_the_cache_was_built_is_found(tmp_path):
    """matplotlib's cached font list misses the CJK font: the lookup adds the font files it lacks."""
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=True)
    (cache,) = tmp_path.glob("fontlist-*.json")
    fontlist = json.loads(cache.read_text())
    fontlist["ttflist"] = [f for f in fontlist["ttflist"] if "WenQuanYi" not in f["name"]]
    cache.write_text(json.dumps(fontlist))
    script = (
        "from matplotlib import font_manager as fm\n"
        "assert 'WenQuanYi Micro Hei' not in {f.name for f in fm.fontManager.ttflist}\n"
        "from fiscal_sim.io.fonts import cjk_rc\n"
        "print(cjk_rc()['font.sans-serif'][0])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "WenQuanYi Micro Hei"


def test_values_are_shown_with_their_unit():
    assert shown_value(0.5460677347, catalogue.Unit.SHARE) == "54.61%"
    assert shown_value(-1234.5678, catalogue.Unit.SIGNED_MONEY, "万元") == "-1,234.57 万元"
    assert shown_value(0.123456, catalogue.Unit.RATIO) == "0.1235"
