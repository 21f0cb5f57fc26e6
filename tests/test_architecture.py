"""The shape of the code: imports run one way between the domain packages of webapp.

A cycle between domains is a design question (which domain owns the rule?), not something to
work around with an import inside a function; imports inside functions count here too.
"""
import ast
import re
from pathlib import Path

import webapp

ROOT = Path(webapp.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, module: str, top_level_only: bool) -> list[tuple[str, int]]:
    """(imported webapp module, line) for every import in the tree (or only the module-level ones)."""
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else ".".join(module.split(".")[:-node.level] + [node.module])
            # `from webapp.x import y` imports webapp.x, and webapp.x.y when y is a module.
            found += [(base, node.lineno)] + [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name == "webapp" or name.startswith("webapp.")]


def _sources() -> dict[str, tuple[Path, ast.AST]]:
    return {_module_name(p): (p, ast.parse(p.read_text(), str(p))) for p in sorted(ROOT.rglob("*.py"))}


def _domain(module: str) -> str | None:
    """The domain package a module belongs to (webapp/<domain>/...), None for the shared top-level modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (ROOT / parts[1]).is_dir() else None


def find_cycle(edges: dict[str, dict[str, str]]) -> list[str] | None:
    """A cycle in a directed graph {node: {successor: why}} as [a, b, ..., a], or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for succ in sorted(edges.get(node, {})):
            if state.get(succ) == 1:
                return path[path.index(succ):] + [succ]
            if succ not in state and (cycle := visit(succ)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _describe(cycle: list[str], edges: dict[str, dict[str, str]]) -> str:
    return " → ".join(cycle) + "\n" + "\n".join(f"  {a} → {b}: {edges[a][b]}" for a, b in zip(cycle, cycle[1:]))


def domain_graph(sources) -> dict[str, dict[str, str]]:
    """Domain → domain it imports, with the first import (file:line) that makes the edge."""
    edges: dict[str, dict[str, str]] = {}
    for module, (path, tree) in sources.items():
        source = _domain(module)
        for name, line in _imports(tree, module, top_level_only=False):
            target = _domain(name)
            if source and target and target != source:
                edges.setdefault(source, {}).setdefault(target, f"{path.relative_to(ROOT.parent)}:{line}")
    return edges


def module_graph(sources) -> dict[str, dict[str, str]]:
    """Module → module its body imports at import time (a package's __init__ comes with its modules)."""
    edges: dict[str, dict[str, str]] = {}
    for module, (path, tree) in sources.items():
        for name, line in _imports(tree, module, top_level_only=True):
            parts = name.split(".")
            for depth in range(2, len(parts) + 1):
                target = ".".join(parts[:depth])
                if target in sources and target != module and not module.startswith(target + "."):
                    edges.setdefault(module, {}).setdefault(target, f"{path.relative_to(ROOT.parent)}:{line}")
    return edges


def test_the_domain_packages_import_each_other_without_a_cycle():
    edges = domain_graph(_sources())
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between domain packages:\n" + _describe(cycle, edges)


def test_no_module_of_webapp_imports_itself_back_at_import_time():
    # Such a cycle only works in one import order: importing the other module first fails with
    # "partially initialized module".
    edges = module_graph(_sources())
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between modules:\n" + _describe(cycle, edges)


def test_a_cycle_is_found_and_named():
    edges = {"sites": {"submissions": "sites/a.py:3"}, "submissions": {"review": "b.py:1"},
             "review": {"sites": "c.py:9"}, "maps": {"sites": "d.py:2"}}
    assert find_cycle(edges) == ["sites", "submissions", "review", "sites"]
    assert "sites → submissions: sites/a.py:3" in _describe(find_cycle(edges), edges)
    assert find_cycle({"maps": {"sites": ""}, "sites": {"regions": ""}}) is None


# --- views stay short: the rules live in services ---------------------------------------------------

VIEW_MAX_LINES = 15
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def _is_route(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS


def view_lengths(sources) -> dict[str, int]:
    """Every view function (a routed function, or a method of a routed MethodView) with its length
    in lines from `def` to its end, the docstring left out."""
    lengths = {}
    for module, (path, tree) in sources.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(_is_route(d) for d in node.decorator_list):
                views = [node]
            elif isinstance(node, ast.ClassDef) and any(_is_route(d) for d in node.decorator_list):
                views = [n for n in node.body if isinstance(n, ast.FunctionDef)]
            else:
                continue
            for view in views:
                first = view.body[0]
                docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str)
                lines = view.end_lineno - view.lineno + 1 - ((first.end_lineno - first.lineno + 1) if docstring else 0)
                lengths[f"{path.relative_to(ROOT.parent)} {view.name}"] = lines
    return lengths


def test_every_view_is_at_most_15_lines():
    lengths = view_lengths(_sources())
    assert len(lengths) > 40, "the view finder found too few views to be trusted"
    long_views = {name: n for name, n in lengths.items() if n > VIEW_MAX_LINES}
    assert not long_views, f"views over {VIEW_MAX_LINES} lines (move the rules into a service): {long_views}"


def test_the_view_finder_counts_routed_functions_and_methodview_methods():
    tree = ast.parse('''
@bp.route("/a")
def short():
    """Docstring lines do not count."""
    return 1

@blp.route("/b")
class Thing(MethodView):
    def get(self):
        x = 1
        return x

def helper():
    return 2
''')
    lengths = view_lengths({"webapp.x": (ROOT / "x.py", tree)})
    assert sorted(lengths.values()) == [2, 3] and len(lengths) == 2


def test_every_path_architecture_md_names_exists():
    text = (ROOT.parent / "ARCHITECTURE.md").read_text()
    named = {token for token in re.findall(r"`([^`\s]+)`", text)
             if token.startswith(("webapp/", "static/", "tests/", "templates/", "migrations/")) and "<" not in token and "…" not in token}
    assert len(named) > 15
    missing = sorted(path for path in named if not (ROOT.parent / path).exists())
    assert not missing, f"ARCHITECTURE.md names paths that do not exist: {missing}"
