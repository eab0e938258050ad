"""The house has layers and no loops: every import of ``fiscal_sim`` (those inside functions too) points down.

Layers, lowest first: the catalogue, numbers and errors; the model; scenarios; the engine; results and
explanations; analyses; the edges (``io``: Excel, charts, fonts, records, CSV, the command line); and the
package's face (``fiscal_sim/__init__.py``). The model imports no I/O and no frames; nothing but the face
and the edges imports the edges; nothing in ``fiscal_sim`` imports the HTTP service.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fiscal_sim"
LAYERS = {
    "fiscal_sim.catalogue": 0,
    "fiscal_sim.numbers": 0,
    "fiscal_sim.errors": 1,
    "fiscal_sim.model": 2,
    "fiscal_sim.scenario": 3,
    "fiscal_sim.engine": 4,
    "fiscal_sim.result": 5,
    "fiscal_sim.explain": 5,
    "fiscal_sim.analysis": 6,
    "fiscal_sim.io": 7,
    "fiscal_sim": 8,
}
MODEL_MAY_IMPORT = {"numpy", "scipy", "fiscal_sim.catalogue", "fiscal_sim.numbers", "fiscal_sim.model"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Every module ``name`` imports, anywhere in its file, as absolute names."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = ".".join(p for p in (base if node.level else "", node.module or "") if p)
            for alias in node.names:  # `from . import catalogue` imports the module fiscal_sim.catalogue
                child = f"{target}.{alias.name}"
                out.add(child if child in MODULES else target)
    return out


def layer(name: str) -> int:
    best = max((prefix for prefix in LAYERS if name == prefix or name.startswith(prefix + ".")), key=len)
    return LAYERS[best]


GRAPH = {name: {m for m in imports_of(name) if m in MODULES and m != name} for name in MODULES}


def test_every_module_has_a_layer():
    assert all(layer(name) is not None for name in MODULES)


def test_no_import_loops():
    """Depth-first search for a cycle; the message shows it."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                pytest.fail("import loop: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name):
    up = sorted(m for m in GRAPH[name] if layer(m) > layer(name))
    assert up == [], f"{name} (layer {layer(name)}) imports from a higher layer: {up}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("fiscal_sim.model")))
def test_the_model_imports_no_io_and_no_frames(name):
    outside = sorted(
        m for m in imports_of(name) if m.split(".")[0] not in ("__future__",) and not _stdlib(m) and not _allowed(m)
    )
    assert outside == [], f"{name} imports {outside}"


def _allowed(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in MODEL_MAY_IMPORT)


def _stdlib(module: str) -> bool:
    import sys

    return module.split(".")[0] in sys.stdlib_module_names


def test_nothing_in_fiscal_sim_imports_the_service():
    offenders = sorted(name for name in MODULES for m in imports_of(name) if m == "api" or m.startswith("api."))
    assert offenders == []


def test_the_checks_would_catch_a_loop_and_an_upward_import():
    """The walker sees imports inside functions and resolves relative ones (so the tests above can fail)."""
    explain = imports_of("fiscal_sim.result")
    assert "fiscal_sim.explain" in explain  # imported inside Result.explain
    assert "fiscal_sim.catalogue" in imports_of("fiscal_sim.model.special_transfer")  # `from ..catalogue import`
    assert layer("fiscal_sim.io.cli") > layer("fiscal_sim.analysis.compare")
