"""The documents stand on their own: the generated ones match the catalogue, and nothing links outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from fiscal_sim.io.docs import GENERATED, stale

REPO = Path(__file__).resolve().parents[1]


def test_generated_documents_match_the_catalogue():
    assert stale() == [], "run: python -m fiscal_sim.io.docs"


def test_generated_documents_name_every_key_of_the_catalogue():
    from fiscal_sim import catalogue

    text = GENERATED["scenario-format.md"]()
    for path, block in catalogue.blocks():
        assert f"`{path}`" in text
        for f in block.fields:
            assert f"| `{f.key}` |" in text


def test_nothing_links_outside_the_repository():
    outside = re.compile(r"\.\./shared|SPEC\.md")
    files = [
        p for p in REPO.rglob("*") if p.suffix in (".md", ".py", ".ipynb", ".html", ".js") and ".venv" not in p.parts
    ]
    offenders = [
        str(p.relative_to(REPO)) for p in files if outside.search(p.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []


def test_docstrings_cite_sections_the_model_document_has():
    model = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+\.\d+)", model, flags=re.M))
    cited = set()
    for path in (REPO / "fiscal_sim").rglob("*.py"):
        cited.update(re.findall(r"docs/model\.md §(\d+\.\d+)", path.read_text(encoding="utf-8")))
    assert cited and cited <= sections, sorted(cited - sections)
