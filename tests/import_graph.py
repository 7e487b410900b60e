"""The project's import graph, read from the source (every import, at module level or inside
a function): modules, their cycles, the apps' graph, and imports of another module's
`_private` names. `python -m tests.import_graph` prints it (the figures of the layout note)."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "core", "regions", "tasks_app", "notify", "reporting", "hooks")
SKIP = {"migrations", "__pycache__", "tests"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if SKIP & set(path.relative_to(ROOT).parts):
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _targets(module: str, path: Path, node, known) -> list[tuple[str, str | None]]:
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names]
    if node.level:
        base = module.split(".")
        if path.name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    out = []
    for alias in node.names:
        full = f"{source}.{alias.name}"
        out.append((full, None) if full in known else (source, alias.name))
    return out


def graph() -> tuple[dict[str, set[str]], list[str]]:
    """(module → the project modules it imports, ["a imports b._name", …])."""
    known = modules()
    edges: dict[str, set[str]] = defaultdict(set)
    private = []
    for module, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target, name in _targets(module, path, node, known):
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if not target or target == module:
                    continue
                edges[module].add(target)
                if name and name.startswith("_") and not name.startswith("__"):
                    private.append(f"{module} imports {target}.{name}")
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted({*edges, *(t for ts in edges.values() for t in ts)}):
        if node not in index:
            visit(node)
    return found


def app_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    apps: dict[str, set[str]] = defaultdict(set)
    for source, targets in edges.items():
        for target in targets:
            a, b = source.split(".")[0], target.split(".")[0]
            if a != b:
                apps[a].add(b)
    return apps


if __name__ == "__main__":
    edges, private = graph()
    print(f"modules: {len(modules())}")
    print(f"module cycles: {len(cycles(edges))}")
    for group in cycles(edges):
        print("   ", " <-> ".join(group))
    apps = app_edges(edges)
    print(f"app cycles: {len(cycles(apps))}")
    for app in sorted(apps):
        print(f"    {app} -> {', '.join(sorted(apps[app]))}")
    print(f"imports of private names: {len(private)}")
    for line in private:
        print("   ", line)
