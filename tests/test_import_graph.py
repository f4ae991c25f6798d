"""The product's import graph, read from the source with `ast`: layers only point down, no cycles.

Every `import` counts, at module top and inside functions alike: a lazy import is still an arrow a
reader must follow, and a cycle hidden in a function breaks as soon as someone hoists it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "seedcrawl"
# The top-level folders are installed under `seedcrawl.` through links in seedcrawl/.
LINKED = ("archive", "crawler", "pipelines", "flows")


def _module_files() -> dict[str, Path]:
    """Module name -> file, for every product module (the linked folders under their seedcrawl. name)."""
    files: dict[str, Path] = {}
    roots = [(PACKAGE, "seedcrawl"), *((REPO / name, f"seedcrawl.{name}") for name in LINKED)]
    for root, prefix in roots:
        for path in root.rglob("*.py"):
            rel = path.relative_to(root).with_suffix("")
            if any(part in LINKED for part in rel.parts[:1]) and root == PACKAGE:
                continue  # the link's own copy, already listed under the real folder
            parts = [prefix, *rel.parts]
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


MODULES = _module_files()


def _resolve(name: str) -> str | None:
    """The product module `name` points at: itself, or its nearest listed parent package."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from pkg import sub` may name a submodule: the arrow goes to it, not only to pkg
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        targets = {_resolve(name) for name in _imports(module, path)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


GRAPH = _graph()


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _is_cli(module: str) -> bool:
    last = module.rpartition(".")[2]
    return module == "seedcrawl.cli" or (module.count(".") == 1 and last.endswith("_cmd"))


def _arrows(source: tuple[str, ...], is_target: object) -> list[str]:
    assert callable(is_target)
    return sorted(
        f"{a} -> {b}" for a, targets in GRAPH.items() if _in(a, *source) for b in targets if is_target(b)
    )


def test_the_graph_sees_the_product() -> None:
    # guards the walker itself: a resolver that lost every arrow would pass every test below
    assert "seedcrawl.crawler.spiders.news" in MODULES
    assert "seedcrawl.cli" in MODULES
    assert "seedcrawl.crawler.settings" in GRAPH["seedcrawl.crawler.spiders.news"] or any(
        _in(t, "seedcrawl.crawler") for t in GRAPH["seedcrawl.crawler.spiders.news"]
    )
    assert sum(len(t) for t in GRAPH.values()) > 200


def test_crawler_never_imports_pipelines() -> None:
    assert _arrows(("seedcrawl.crawler",), lambda m: _in(m, "seedcrawl.pipelines")) == []


def test_flows_never_import_the_cli() -> None:
    assert _arrows(("seedcrawl.flows",), _is_cli) == []


def test_archive_is_warc_only_below_crawler_pipelines_flows() -> None:
    upper = ("seedcrawl.crawler", "seedcrawl.pipelines", "seedcrawl.flows")
    assert _arrows(("seedcrawl.archive",), lambda m: _in(m, *upper)) == []


def test_the_output_folder_layer_imports_no_other_layer() -> None:
    upper = ("seedcrawl.crawler", "seedcrawl.pipelines", "seedcrawl.flows", "seedcrawl.archive")
    assert "seedcrawl.outdir.layout" in MODULES
    assert _arrows(("seedcrawl.outdir",), lambda m: _in(m, *upper) or _is_cli(m)) == []


def test_the_product_never_imports_tests_or_benchmarks() -> None:
    # the wheel holds only seedcrawl/: the demo web must not lean on tests/support
    leaks = sorted(
        f"{module} -> {name}"
        for module, path in MODULES.items()
        for name in _imports(module, path)
        if name.split(".")[0] in ("tests", "bench")
    )
    assert leaks == []


def test_the_package_root_imports_nothing() -> None:
    # `import seedcrawl.crawler` must not drag the CLI or anything else in
    assert GRAPH["seedcrawl"] == set()


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a closed path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(GRAPH.get(node, ())):
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
                found.append(_path_through(sorted(component)))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def _path_through(component: list[str]) -> list[str]:
    """The shortest cycle through the component's first module, to name it in the failure."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(GRAPH[node] & members):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return component


def test_no_import_cycle_between_modules() -> None:
    assert [" -> ".join(c) for c in _cycles()] == []
