"""The plan of the house, checked: no import circles between modules and no import
running up the layers (web -> services -> models/integrations/payments). Lazy imports
inside functions count too: they are circles that only wait for the wrong call."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "celery_app", "config", "db", "models", "services", "web", "tasks", "integrations", "payments")
# What each layer may not import (prefixes of module names).
FORBIDDEN = {
    "services": ("web", "tasks", "app", "celery_app", "flask"),
    "models": ("services", "web", "tasks", "app", "integrations", "payments"),
    "integrations": ("services", "web", "tasks", "app", "flask", "models"),
    "payments": ("services", "web", "tasks", "app", "flask", "models"),
    "tasks": ("web", "app"),
    "config": ("services", "web", "tasks", "app", "models"),
    "db": ("services", "web", "tasks", "app"),
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in PACKAGES:
        single = ROOT / f"{top}.py"
        if single.is_file():
            found[top] = single
        for path in (ROOT / top).rglob("*.py") if (ROOT / top).is_dir() else ():
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.add(candidate if candidate in modules else base)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path, name, modules):
            # the most specific known module the import names
            parts = imported.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != name:
                targets.add(".".join(parts))
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_no_import_circles() -> None:
    graph = _graph()
    # a package importing its own submodules (re-exports in __init__) is not a circle of the plan
    pruned = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    assert _cycles(pruned) == []


def test_no_import_runs_up_the_layers() -> None:
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        layer = name.split(".")[0]
        for imported in _imports(path, name, modules):
            if any(imported == bad or imported.startswith(bad + ".") for bad in FORBIDDEN.get(layer, ())):
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_the_checker_sees_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
