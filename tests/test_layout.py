"""The package's architecture: imports only go downwards, modules and functions stay short.

Every import of a ccdbadpix module by another (at module level or inside a function) is
an edge; the graph of modules, and the graph of subpackages (``dq``, ``darks``,
``ramps``...), must both be free of cycles. A module holds at most 400 lines; a function
body (its docstring left out) at most 80, unless a ``# long function: <reason>``
comment in its body says why.
"""

import ast
import importlib.util
from pathlib import Path

import pytest

import ccdbadpix

PACKAGE = Path(ccdbadpix.__file__).parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
           if p.name != "_version.py"}


def _is_module(name):
    return name in MODULES


def _imports(name, path):
    """The ccdbadpix modules that module ``name`` imports (anywhere in its code)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" if _is_module(f"{module}.{a.name}") else module
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if _is_module(t) and t != name)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycle(graph):
    """One cycle of a directed graph as a list of nodes, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _subpackage(name):
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "ccdbadpix"


def test_the_import_graph_is_read():
    # the walk must see the edges it is meant to judge
    assert "ccdbadpix.dq.mask" in GRAPH["ccdbadpix.dq"]
    assert "ccdbadpix.ramps.forest" in GRAPH["ccdbadpix.ramps.classify"]
    assert len(MODULES) > 30


def test_no_module_import_cycle():
    assert _cycle(GRAPH) is None, " -> ".join(_cycle(GRAPH) or [])


def test_subpackages_import_only_downwards():
    """Between subpackages too: e.g. ``ramps`` may use ``dq``, never the reverse."""
    graph = {}
    for name, targets in GRAPH.items():
        mine = _subpackage(name)
        graph.setdefault(mine, set()).update(
            _subpackage(t) for t in targets if _subpackage(t) != mine)
    graph["ccdbadpix"] = set()  # the top package only imports lazily (by name)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_short(name):
    n = len(MODULES[name].read_text().splitlines())
    assert n <= MAX_MODULE_LINES, f"{name} has {n} lines"


def _long_functions(path):
    source = path.read_text()
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        body = node.body
        if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            body = body[1:]
        if not body:
            continue
        start, end = body[0].lineno, node.end_lineno
        if end - start + 1 > MAX_FUNCTION_LINES and not any(
                "# long function:" in line for line in lines[node.lineno - 1:end]):
            yield f"{node.name} ({end - start + 1} lines)"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_functions_are_short(name):
    long = list(_long_functions(MODULES[name]))
    assert long == [], f"{name}: {', '.join(long)}"


def test_public_names_come_from_their_subpackage():
    """``from ccdbadpix import X`` and ``ccdbadpix.simulate`` keep working."""
    for name in ccdbadpix.__all__:
        assert getattr(ccdbadpix, name) is not None
    assert importlib.util.find_spec("ccdbadpix.simulate") is not None
    from ccdbadpix.simulate import simulate_darks, simulate_hot_pixel_series, simulate_ramps

    assert callable(simulate_darks) and callable(simulate_ramps)
    assert callable(simulate_hot_pixel_series)
