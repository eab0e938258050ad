"""The web page for finance officers (README "Web page at /"): server-rendered, Chinese with an English switch.

Pages: the scenario list with upload (YAML/JSON/XLSX) and downloads; a scenario's settings with an edit
form for the common levers, each save a new version (乡镇分成比例, 均衡性转移支付资金, 专项预算, GDP增长);
its results, any town number explained; scenarios compared (summary, per-town differences, the four
charts, the workbook); Monte Carlo and goal seeking (forms that call the JSON API from the page).

Validation, storage, limits and caching are the API's own (:mod:`api.sources`, :mod:`api.limits`,
:mod:`api.answers`, :mod:`api.storage`), so a document the page accepts is one the API accepts and the other
way round. ``?lang=en`` (or ``zh``)
switches the language and is remembered in a cookie.
"""

from __future__ import annotations

from . import account, compare, history, scenarios  # noqa: F401  (their views register on the blueprint)
from .base import bp

__all__ = ["bp"]
