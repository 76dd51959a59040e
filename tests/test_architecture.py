"""The shape of the code: imports between the project's modules run one way."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("medspa", "blog", "booking")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, at module level or inside
    functions alike (a lazy import still ties the two together)."""
    modules = project_modules()
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    if submodule in modules:
                        imported.add(submodule)
                    elif node.module in modules:
                        imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names} & modules.keys()
        graph[name] = imported - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting, done = [], set()

    def visit(module):
        if module in visiting:
            return [*visiting[visiting.index(module) :], module]
        if module in done:
            return None
        visiting.append(module)
        for imported in sorted(graph[module]):
            if cycle := visit(imported):
                return cycle
        visiting.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        if cycle := visit(module):
            return cycle
    return None


def test_no_import_cycle_between_project_modules():
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_booking_never_imports_blog():
    """Blog may use booking (an article is about a treatment); booking knows
    articles only through a lazy "blog.Article" reference (STYLE.md §1)."""
    graph = import_graph()
    offenders = {
        (module, imported)
        for module, imports in graph.items()
        if module.startswith("booking")
        for imported in imports
        if imported.startswith("blog")
    }
    assert offenders == set()


def test_admin_does_not_reach_into_public_views():
    graph = import_graph()
    offenders = {
        (module, imported)
        for module, imports in graph.items()
        if module.split(".")[1:2] == ["admin"]
        for imported in imports
        if imported.split(".")[1:2] == ["views"]
    }
    assert offenders == set()
