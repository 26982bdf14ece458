"""The package's import graph: imports only go down the layers, and no module imports
itself back through others (issue 15's knot).

Every import statement of every module of src/hyperdiff counts, at module level and
inside functions (those run at call time, but a cycle through them is still a knot);
imports under `if TYPE_CHECKING:` do not (they never run). A module above calls a
module below directly; a module below reaches one above only through what that module
registers at its import (`_arrays.register_rules`, `_ufuncs.register_ufunc_rules`,
`_ufuncs.GUFUNC_RULES`/`COMPLEX_RULES`, `_transforms.EXTENSIONS`): see ARCHITECTURE.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hyperdiff

PACKAGE = Path(hyperdiff.__file__).parent

# Bottom to top. A module imports modules of its own layer or below, never above; a new
# module goes in the layer of what it is (a numpy function rule: "rules").
LAYERS: dict[str, tuple[str, ...]] = {
    # the C++ extension, the table it exports read once, the memory scope's switches
    "core": ("_core", "_table", "_memory"),
    # the dual array classes: planes, kinds, tags, the Taylor kinds
    "kinds": ("_arrays", "_multivariate", "_taylor_arrays"),
    # what numpy's and scipy's calls do on dual arrays
    "rules": (
        "_ufuncs",
        "_ufunc_methods",
        "_characteristic",
        "_special",
        "special",
        "_complex",
        "_functions",
        "_shapes",
        "_numeric",
        "_fft",
        "_statistics",
        "_construction",
        "_writes",
        "_sets",
        "_elementwise",
        "_algebra",
        "_polynomial",
        "linalg",
        "stats",
    ),
    # derivative, grad, jacobian, hessian, ..., Taylor series, sparsity, custom rules
    "transforms": ("_transforms", "_taylor", "_sparsity", "_custom"),
    # the package's face and the command line
    "top": ("__init__", "__main__"),
}
LEVEL = {module: level for level, layer in enumerate(LAYERS.values()) for module in layer}


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """ids of the statements under `if TYPE_CHECKING:` (never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skipped


def imports_of(source: str, modules: set[str]) -> dict[str, int]:
    """The package modules one module's source imports (anywhere in it), each with the
    line of its first import."""
    tree = ast.parse(source)
    skipped = _type_checking_blocks(tree)
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if node.level == 1 or (node.level == 0 and parts[0] == "hyperdiff"):
                inner = parts[1:] if node.level == 0 else parts
                if inner and inner[0]:
                    names = [inner[0]]
                else:  # from . import a, b / from hyperdiff import a, b
                    names = [a.name if a.name in modules else "__init__" for a in node.names]
            elif node.level > 1:
                raise AssertionError(f"line {node.lineno}: imports from above the package")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "hyperdiff":
                    names.append(parts[1] if len(parts) > 1 else "__init__")
        for name in names:
            found.setdefault(name, node.lineno)
    return found


def import_graph() -> dict[str, dict[str, int]]:
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {"_core"}
    return {
        p.stem: imports_of(p.read_text(encoding="utf-8"), modules)
        for p in sorted(PACKAGE.glob("*.py"))
    }


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing
    itself), each as one cycle through them (Tarjan's algorithm, then a path)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, {}):
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_one_cycle(graph, set(c)) for c in components]


def _one_cycle(graph: dict[str, dict[str, int]], component: set[str]) -> list[str]:
    """A cycle through the component's first module (a breadth-first path back to it)."""
    start = min(component)
    paths = {w: [start, w] for w in graph[start] if w in component}
    frontier = list(paths)
    while start not in paths:
        nxt = []
        for v in frontier:
            for w in graph[v]:
                if w in component and w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    return paths[start]


def upward(graph: dict[str, dict[str, int]]) -> list[str]:
    """Each import of a module above the importer's layer, as 'a.py:line imports b'."""
    return [
        f"{a}.py:{line} ({_layer(a)}) imports {b} ({_layer(b)})"
        for a, targets in sorted(graph.items())
        for b, line in sorted(targets.items())
        if a in LEVEL and b in LEVEL and LEVEL[b] > LEVEL[a]  # (unplaced: the test above)
    ]


def _layer(module: str) -> str:
    return list(LAYERS)[LEVEL[module]]


def test_every_module_has_a_layer() -> None:
    graph = import_graph()
    unplaced = sorted({*graph, *(b for t in graph.values() for b in t)} - set(LEVEL))
    assert not unplaced, f"put {unplaced} in a layer of LAYERS in tests/test_imports.py"
    gone = sorted(set(LEVEL) - set(graph) - {"_core"})
    assert not gone, f"LAYERS lists modules that no longer exist: {gone}"


def test_imports_go_down() -> None:
    bad = upward(import_graph())
    assert not bad, (
        "imports up a layer (call a module above through what it registers at its "
        "import instead; ARCHITECTURE.md):\n" + "\n".join(bad)
    )


def test_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_checks_see_cycles_and_upward_imports() -> None:
    """The checks themselves, on sources written for them: a function-level import
    closing a cycle, `from . import` forms, an absolute import, and a TYPE_CHECKING
    import (ignored)."""
    modules = {"_arrays", "_ufuncs", "_transforms", "_core"}
    arrays = "from . import _core\ndef f():\n    from ._ufuncs import apply\n"
    ufuncs = "import hyperdiff._arrays\nif TYPE_CHECKING:\n    from ._transforms import x\n"
    graph = {
        "_arrays": imports_of(arrays, modules),
        "_ufuncs": imports_of(ufuncs, modules),
        "_core": {},
    }
    assert graph["_arrays"] == {"_core": 1, "_ufuncs": 3}
    assert graph["_ufuncs"] == {"_arrays": 1}
    assert cycles(graph) == [["_arrays", "_ufuncs", "_arrays"]]
    assert upward(graph) == ["_arrays.py:3 (kinds) imports _ufuncs (rules)"]
    assert imports_of("from hyperdiff import _core, grad\n", modules) == {
        "_core": 1,
        "__init__": 1,
    }


def _rebound_names(source: str) -> list[str]:
    """Module-level names bound twice (assignments, functions, classes; @overload
    declarations do not count): the second silently replaces the first everywhere."""
    seen: dict[str, int] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            if any(
                ast.unparse(d).endswith("overload") for d in getattr(node, "decorator_list", [])
            ):
                continue
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            names = [node.target.id] if isinstance(node.target, ast.Name) else []
        else:
            continue
        for name in names:
            seen[name] = seen.get(name, 0) + 1
    return sorted(name for name, count in seen.items() if count > 1)


def test_no_module_level_name_is_bound_twice() -> None:
    """_sparsity.py had two _STALE messages: the second (a plan's, with {where}
    placeholders) replaced the first, so a stale view raised the plan's text unformatted."""
    rebound = {
        path.stem: names
        for path in sorted(PACKAGE.glob("*.py"))
        if (names := _rebound_names(path.read_text()))
    }
    assert rebound == {}
    assert _rebound_names("A = 1\nB = 2\nA = 3\n") == ["A"]
