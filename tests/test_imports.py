"""Imports run one way: no module-level import cycles in kerasgan, each module
imports only from its own layer or the layers below, and no function-level
imports of kerasgan modules hide a cycle.

The graph is read from the source with `ast` (nothing is imported), so the test
also catches cycles that happen to work today because of import order.
"""

import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "kerasgan")

# Lowest first. A module may import modules of its own layer or of lower ones.
LAYERS = [
    ["kerasgan.core"],
    ["kerasgan.layers", "kerasgan.constraints", "kerasgan.distribute", "kerasgan.precision",
     "kerasgan.schedules",
     "kerasgan.plotting"],
    ["kerasgan.nets", "kerasgan.losses", "kerasgan.regularizers", "kerasgan.augment"],
    ["kerasgan.models"],
    ["kerasgan.data"],
    ["kerasgan.metrics"],
    ["kerasgan.checkpoints", "kerasgan.callbacks", "kerasgan.training"],
    ["kerasgan.zoo"],
    ["kerasgan.export", "kerasgan.cli"],
    ["kerasgan"],  # the package's __init__: the public surface, imports everything
]

# Function-level imports of kerasgan modules allowed, by importing module: none.
# (Optional third-party dependencies may still be imported inside functions.)


def _module_name(path):
    rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].replace(os.sep, ".")
    return rel[: -len(".__init__")] if rel.endswith(".__init__") else rel


def _modules():
    found = {}
    for folder, _, files in os.walk(ROOT):
        for file in files:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _resolve(name):
    """The kerasgan module an imported dotted name refers to (longest known prefix)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module, tree, *, top_level):
    """kerasgan modules imported by `module`: at module level, or inside functions."""
    is_package = MODULES[module].endswith("__init__.py")
    package = module if is_package else module.rpartition(".")[0]

    def visit(node, in_function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            in_function = True
        if isinstance(node, ast.Import) and in_function != top_level:
            for alias in node.names:
                if alias.name.split(".")[0] == "kerasgan":
                    yield _resolve(alias.name), node.lineno
        elif isinstance(node, ast.ImportFrom) and in_function != top_level:
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            if source.split(".")[0] == "kerasgan":
                for alias in node.names:
                    # `from kerasgan.metrics import quality` imports a submodule.
                    target = _resolve(f"{source}.{alias.name}")
                    if target != f"{source}.{alias.name}":
                        target = _resolve(source)
                    yield target, node.lineno
        for child in ast.iter_child_nodes(node):
            yield from visit(child, in_function)

    for target, line in visit(tree, False):
        if target is not None and target != module:
            yield target, line


def _trees():
    trees = {}
    for module, path in MODULES.items():
        with open(path) as f:
            trees[module] = ast.parse(f.read(), path)
    return trees


TREES = _trees()
GRAPH = {m: sorted({t for t, _ in _imports(m, tree, top_level=True)}) for m, tree in TREES.items()}


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def connect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
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
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def _layer(module):
    best = None
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (i, len(prefix))
    return None if best is None else best[0]


def test_the_graph_finds_a_cycle_and_a_function_level_import():
    # The checks below would pass vacuously if the parser missed imports.
    assert ("kerasgan.core.naming" in GRAPH["kerasgan.core.registry"])
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from kerasgan.core import io\n")
    MODULES.setdefault("kerasgan._probe", "probe.py")
    try:
        assert list(_imports("kerasgan._probe", tree, top_level=False)) == [("kerasgan.core.io", 2)]
    finally:
        del MODULES["kerasgan._probe"]


def test_no_module_level_import_cycles():
    assert _cycles(GRAPH) == []


def test_every_module_has_a_layer():
    assert [m for m in MODULES if _layer(m) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module):
    upward = [f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
              for target in GRAPH[module] if _layer(target) > _layer(module)]
    assert upward == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_function_level_kerasgan_imports(module):
    hidden = [f"{module}:{line} imports {target} inside a function"
              for target, line in _imports(module, TREES[module], top_level=False)]
    assert hidden == []
