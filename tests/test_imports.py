"""The import graph of ``harness/`` has no cycles, and its layers point one way.

Every import statement counts: at the top, inside functions (a lazy import hides a cycle, it
does not remove it) and under ``TYPE_CHECKING`` (a cycle through type hints still ties the
modules together). An edge goes to the module named, or to the submodule when a name imported
from a package is one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

PACKAGE = Path(__file__).resolve().parents[1] / "harness"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """harness module → the harness modules it imports."""
    files = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    edges.add(submodule if submodule in files else node.module)
        graph[module] = {edge for edge in edges if edge in files and edge != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_finder_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "harness.training.pool" in graph["harness.training"]
    assert "harness.claims" in graph["harness.plugin"]


def test_harness_has_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_data_layer_imports_no_measurement_or_training_code() -> None:
    graph = import_graph()
    upward = {f"{module} → {target}" for module, targets in graph.items()
              if module.startswith("harness.data") for target in targets
              if target.startswith(("harness.measures", "harness.training",
                                     "harness.verdicts"))}
    assert upward == set()


def test_the_verdict_layer_imports_no_reporting_code() -> None:
    """Reports render verdicts; a verdict never depends on how it is shown."""
    graph = import_graph()
    upward = {f"{module} → {target}" for module, targets in graph.items()
              if module.startswith("harness.verdicts") for target in targets
              if target.startswith("harness.reporting")}
    assert upward == set()
