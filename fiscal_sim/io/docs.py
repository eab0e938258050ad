"""``docs/scenario-format.md`` and ``docs/glossary.md``, generated from the catalogue.

    python -m fiscal_sim.io.docs          # rewrite both files
    python -m fiscal_sim.io.docs --check  # exit 1 when a committed file differs from what the catalogue gives

A test runs the check, so the documents can never drift from the schemas, forms and workbooks.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from .. import catalogue
from ..catalogue import Block, Field, Unit

DOCS = Path(__file__).resolve().parents[2] / "docs"
KIND_WORDS = {
    "number": "number",
    "integer": "whole number",
    "text": "text",
    "bool": "true/false",
    "choice": "one of",
    "numbers": "list of numbers",
    "integers": "list of whole numbers",
    "texts": "list of texts",
    "choices": "list of",
    "map": "map",
    "growth": "growth rate(s)",
    "pool": "pool",
    "target": "target rate",
    "block": "map of keys",
    "records": "list of records",
    "table": "table",
}
UNIT_WORDS = {
    Unit.MONEY: "amount (scenario unit)",
    Unit.SIGNED_MONEY: "amount (scenario unit)",
    Unit.MONEY_PER_CAPITA: "amount per person",
    Unit.SHARE: "share (0.5 = 50%)",
    Unit.RATE: "rate (0.08 = 8%)",
    Unit.PROBABILITY: "probability",
    Unit.FACTOR: "factor",
    Unit.RATIO: "ratio",
    Unit.COUNT: "count",
    Unit.YEAR: "year",
    Unit.SCORE: "score",
    Unit.NONE: "",
}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _range(f: Field) -> str:
    if f.choices is not None:
        return ", ".join(f"`{c.value}`" for c in f.choices)
    if f.kind not in ("number", "integer", "numbers", "growth", "pool") or f.unit is Unit.NONE and f.minimum is None:
        return ""
    lo, hi, lo_in, hi_in = f.range
    lo_text = "" if lo is None or not math.isfinite(lo) else f"{lo:g}"
    hi_text = "" if hi is None or not math.isfinite(hi) else f"{hi:g}"
    if lo_text and hi_text:
        return f"{'[' if lo_in else '('}{lo_text}, {hi_text}{']' if hi_in else ')'}"
    if lo_text:
        return f"{'≥' if lo_in else '>'} {lo_text}"
    if hi_text:
        return f"{'≤' if hi_in else '<'} {hi_text}"
    return ""


def _default(f: Field) -> str:
    if f.required:
        return "**required**"
    if callable(f.default):
        value = f.default()
        return f"`{value}`" if value else "empty"
    if f.default is None:
        if f.nullable:
            return "`null`"
        return "its keys' defaults" if f.kind == "block" else "—"
    return f'`"{f.default}"`' if f.default == "" else f"`{f.default}`"


def _block_table(block: Block, path: str) -> list[str]:
    lines = [
        f"### `{path}` — {block.text.zh} / {block.text.en}",
        "",
        f"{block.text.help_zh} / {block.text.help_en}" if block.text.help_en else "",
        "",
        "| key | kind | unit | range or choices | default | 中文 | English |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in block.fields:
        kind = KIND_WORDS[f.kind]
        if f.kind == "map" and f.values is not None:
            kind = f"map of {KIND_WORDS[f.values.kind]}"
        zh = f.text.zh + (f"：{f.text.help_zh}" if f.text.help_zh else "")
        en = f.text.en + (f": {f.text.help_en}" if f.text.help_en else "")
        lines.append(
            f"| `{f.key}` | {kind} | {UNIT_WORDS[f.unit]} | {_cell(_range(f))} | {_default(f)} | {_cell(zh)} | {_cell(en)} |"
        )
    return [*lines, ""]


def _table_columns(table: catalogue.Table, title: str) -> list[str]:
    lines = [
        f"### {title} — {table.text.zh} / {table.text.en}",
        "",
        "| column | kind | unit | 中文 | English |",
        "|---|---|---|---|---|",
    ]
    for c in table.columns:
        zh = c.text.zh + (f"：{c.text.help_zh}" if c.text.help_zh else "")
        en = c.text.en + (f": {c.text.help_en}" if c.text.help_en else "")
        lines.append(f"| `{c.key}` | {c.kind} | {UNIT_WORDS[c.unit]} | {_cell(zh)} | {_cell(en)} |")
    return [*lines, ""]


INTRO = """# Scenario file format (schema_version 1)

*Generated from the catalogue (`fiscal_sim/catalogue`) by `python -m fiscal_sim.io.docs`; do not edit by hand.*
The model behind every key is explained in [model.md](model.md); the words are listed in [glossary.md](glossary.md).

A scenario is YAML (or the same structure as JSON, or an Excel workbook made from `fiscal-sim template`).
Every amount is a base-year amount in `unit`; the towns table holds the base year, the year before the
first simulated year. Shares and rates are fractions: 0.5 is 50%, 0.08 is 8%. Unknown keys, values
outside their range and missing required keys are errors that name the key and the problem; nothing
runs on an invalid scenario.

```yaml
schema_version: 1
name: 基准方案 / baseline
unit: 万元
years: [2016, 2020]
towns: towns.csv
revenue_items:
  - {id: vat, name: 增值税（县级分享部分）, split: {rule: proportional, town_share: 0.35}}
  - {id: property_tax, name: 房产税, split: {rule: town}}
expenditure_functions:
  - {id: administration, name: 一般公共服务, driver: one, unit_cost: 260, town_share: 0.9, growth: 0.04}
  - {id: education, name: 教育, driver: students, unit_cost: 0.6, cost_factor: cost_factor_edu, town_share: 0.08}
county: {own_revenue: 38000, own_expenditure: 100000, upper_transfers: 52000}
growth: {gdp: {pilot: 0.09, other: 0.065}, drivers: {population: 0.003}}
general_transfer: {pool: null, rationing: proportional}
```

## Variants

`extends: other.yaml` loads that file and merges this one over it: maps by key, lists of records by
`id`, other values replaced. `set: {PATH: value}` changes keys by path, list elements addressed by id:
`revenue_items.vat.split.town_share: 0.6`, `general_transfer.pool: 50000`, `towns.T01.population: 32000`.
A key the catalogue knows but the file leaves at its default is a valid path; no override is applied
unless all are valid, and a variant never changes its parent.

## Keys
"""


def render_scenario_format() -> str:
    lines = [INTRO]
    for path, block in catalogue.blocks():
        lines += _block_table(block, path)
    lines += ["## Tables", ""]
    lines += _table_columns(catalogue.INPUT_TABLES["towns"], "`towns`")
    lines += _table_columns(
        catalogue.INPUT_TABLES["town_data"], "`towns`, usual further columns (named by the scenario)"
    )
    lines += [
        "The towns table also holds every column that an item (`column`), a function (`driver`, `cost_factor`),",
        "a factor, a `base_column` or `remittances.column` names.",
        "",
    ]
    lines += _table_columns(catalogue.INPUT_TABLES["projects"], "`special_transfers.projects`")
    lines += ["## Results", ""]
    for name in ("towns", "revenue", "county", "indicators", "projects", "revocations"):
        lines += _table_columns(catalogue.RESULT_TABLES[name], f"`{name}`")
    return "\n".join(lines).rstrip() + "\n"


def render_glossary() -> str:
    """术语表: each concept once, its Chinese term, English term, and key or formula."""
    lines = [
        "# 术语表 Glossary",
        "",
        "*Generated from the catalogue by `python -m fiscal_sim.io.docs`; one Chinese term per concept, used on",
        "the page, in charts, workbooks, explanations and messages.*",
        "",
        "## Results · 结果",
        "",
        "| 中文 | English | key | formula |",
        "|---|---|---|---|",
    ]
    seen = set()
    for name in ("towns", "county", "indicators", "revenue"):
        for c in catalogue.RESULT_TABLES[name].columns:
            if (c.key, c.text.zh) in seen or c.key in ("year", "town", "name"):
                continue
            seen.add((c.key, c.text.zh))
            key = c.key if name == "towns" else f"{name}.{c.key}"
            lines.append(f"| {c.text.zh} | {c.text.en} | `{key}` | {_cell(c.formula)} |")
    lines += ["", "## Settings · 设置", "", "| 中文 | English | key | symbol |", "|---|---|---|---|"]
    for path, block in catalogue.blocks():
        for f in block.fields:
            if f.kind in ("block", "records"):
                continue
            key = f"{path}.{f.key}" if path != "scenario" else f.key
            lines.append(f"| {f.text.zh} | {f.text.en} | `{key}` | {_cell(f.formula)} |")
    lines += ["", "## Choices · 选项", "", "| 中文 | English | key = code |", "|---|---|---|"]
    for path, block in catalogue.blocks():
        for f in block.fields:
            if f.choices is not None and f.kind in ("choice", "choices"):
                for c in f.choices:
                    lines.append(f"| {c.zh} | {c.en} | `{path}.{f.key}` = `{c.value}` |")
    lines += ["", "## Charts · 图表", "", "| 中文 | English | name |", "|---|---|---|"]
    for chart in catalogue.CHARTS.values():
        lines.append(f"| {chart.text.zh} | {chart.text.en} | `{chart.name}` |")
    lines += [
        "",
        "Of a Monte Carlo run (`POST montecarlo` with `chart`) and of goal seeking (`POST solve` with `chart`):",
        "",
    ]
    lines += ["| 中文 | English | name |", "|---|---|---|"]
    for chart in catalogue.ANALYSIS_CHARTS.values():
        lines.append(f"| {chart.text.zh} | {chart.text.en} | `{chart.name}` |")
    return "\n".join(lines) + "\n"


GENERATED = {"scenario-format.md": render_scenario_format, "glossary.md": render_glossary}


def stale(folder: Path = DOCS) -> list[str]:
    """The generated documents that differ from what the catalogue gives now."""
    return [
        name
        for name, render in GENERATED.items()
        if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != render()
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report documents that differ")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"docs/{name} differs from the catalogue: run python -m fiscal_sim.io.docs", file=sys.stderr)
        return 1 if names else 0
    for name, render in GENERATED.items():
        (DOCS / name).write_text(render(), encoding="utf-8")
        print(f"written: docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
