"""Check that kerasgan's imports run one way: no module-level import cycles, no hidden ones.

    python tools/check_imports.py                 # the whole package
    python tools/check_imports.py --files kerasgan/zoo.py kerasgan/training.py ...

It parses every module of `kerasgan/` with `ast` (nothing is imported), builds
the graph of module-level imports between kerasgan modules (the root package
`kerasgan`, which imports every part, is left out as a target), and prints

* every import cycle (strongly connected component with more than one module,
  or a module importing itself), and
* every import of a kerasgan module inside a function or method ("function-level")
  in the files given (default: all), which is where a cycle hides.

Exit status 1 if there is a cycle or a function-level kerasgan import in the
checked files (imports of optional third-party packages, e.g. torch, are not
kerasgan imports and are allowed).
"""

import argparse
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "kerasgan"


def module_name(path):
    """`kerasgan/metrics/quality.py` -> `kerasgan.metrics.quality` (packages: their `__init__`)."""
    rel = os.path.relpath(path, ROOT)[:-len(".py")].split(os.sep)
    if rel[-1] == "__init__":
        rel = rel[:-1]
    return ".".join(rel)


def package_modules():
    """`{module name: path}` of every module under `kerasgan/`."""
    found = {}
    for folder, _, files in os.walk(os.path.join(ROOT, PACKAGE)):
        for file in files:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                found[module_name(path)] = path
    return found


def _targets(node, current, modules):
    """The kerasgan modules an Import / ImportFrom node imports."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:  # relative import
            base = current.split(".")
            if not modules.get(current, "").endswith("__init__.py"):
                base = base[:-1]
            base = base[:len(base) - node.level + 1]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in modules else prefix
                 for alias in node.names]
    out = set()
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != PACKAGE:
            out.add(name)
    return out


def scan(modules):
    """`(graph, function_level)`: module-level edges, and function-level kerasgan imports."""
    graph = {name: set() for name in modules}
    function_level = []
    for name, path in modules.items():
        with open(path) as f:
            tree = ast.parse(f.read(), path)

        def visit(node, in_function):
            for child in ast.iter_child_nodes(node):
                inside = in_function or isinstance(
                    child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    targets = _targets(child, name, modules)
                    if in_function:
                        function_level.extend((path, child.lineno, t) for t in sorted(targets))
                    else:
                        graph[name] |= targets
                visit(child, inside)

        visit(tree, False)
    return graph, function_level


def cycles(graph):
    """Strongly connected components with a cycle (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
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
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return sorted(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="*", help="report function-level imports only here")
    args = parser.parse_args()
    modules = package_modules()
    graph, function_level = scan(modules)
    found = cycles(graph)
    for component in found:
        print("cycle:", " <-> ".join(component))
    checked = {os.path.abspath(f) for f in args.files} if args.files else None
    hidden = [(p, line, t) for p, line, t in function_level
              if checked is None or os.path.abspath(p) in checked]
    for path, line, target in hidden:
        print(f"function-level import: {os.path.relpath(path, ROOT)}:{line} imports {target}")
    print(f"{len(modules)} modules, {sum(map(len, graph.values()))} module-level imports, "
          f"{len(found)} cycle(s), {len(hidden)} function-level kerasgan import(s) checked")
    sys.exit(1 if found or hidden else 0)


if __name__ == "__main__":
    main()
