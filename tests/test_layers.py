"""The import rule of docs/ARCHITECTURE.md: a layer imports only from its own layer and those below, and
the package has no import cycles (function-level imports included)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mritool"
LAYERS = [  # lowest first
    {"mritool", "mritool.errors", "mritool.io", "mritool.machine", "mritool.metrics"},
    {"mritool.volumes"},
    {"mritool.data"},
    {"mritool.bundle"},
    {"mritool.runtimes"},
    {"mritool.training", "mritool.classifier", "mritool.segmenter"},
    {"mritool.engine"},
    {"mritool.report"},
    {"mritool.recipes"},
    {"mritool.cli", "mritool.__main__"},
]


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rank(module: str) -> int:
    for rank in range(len(LAYERS) - 1, -1, -1):
        if any(module == top or module.startswith(top + ".") for top in LAYERS[rank] if top != "mritool"):
            return rank
    assert module == "mritool", f"{module} is in no layer: add it to LAYERS and docs/ARCHITECTURE.md"
    return 0


def _imports() -> dict[str, set[str]]:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        module, found = _module(path), set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mritool"):
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("mritool")}
        graph[module] = found
    return graph


def test_no_layer_imports_a_higher_one():
    wrong = [f"{module} ({_rank(module)}) imports {target} ({_rank(target)})"
             for module, targets in _imports().items() for target in targets if _rank(target) > _rank(module)]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph = _imports()
    modules = set(graph)

    def resolve(target):  # "from mritool.x import y" may name a module or a package
        return target if target in modules else None

    edges = {m: {resolve(t) for t in ts} - {None, m} for m, ts in graph.items()}
    # a package's __init__ re-exporting its own modules is not a cycle between layers' modules
    edges = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in edges.items()}
    state, cycles = {}, []

    def visit(node, trail):
        state[node] = "open"
        for nxt in edges.get(node, ()):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, cycles
