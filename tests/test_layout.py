"""The house's rules, read from the imports of every module: every arrow points down.

* ``dccrawl/`` (the library) imports nothing from ``spiders/``, ``pipelines/`` (the
  Scrapy-facing shells), ``tests/``, ``bench/`` or ``testbed/``;
* ``testbed/`` (the site replica and other local stand-ins) imports nothing from the
  crawler, so it cannot agree with it by construction;
* ``spiders/`` and ``pipelines/`` import from ``dccrawl`` (and third parties) only, not
  from ``tests/``, ``bench/`` or ``testbed/``; the spider never imports a pipeline
  nor a pipeline the spider; ``bench/`` never imports ``tests/``;
* no import circle among the project's modules, counting imports inside functions;
* no import of a project module inside a function: that is how a circle hides.

Imports are read with ``ast`` (nothing is imported), including those inside functions;
imports under ``if TYPE_CHECKING:`` count for the boundaries but not for circles
(they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dccrawl", "spiders", "pipelines", "testbed", "bench", "tests")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "dccrawl": ("spiders", "pipelines", "tests", "bench", "testbed"),
    "testbed": ("dccrawl", "spiders", "pipelines", "tests", "bench"),
    "spiders": ("pipelines", "tests", "bench", "testbed"),
    "pipelines": ("spiders", "tests", "bench", "testbed"),
    "bench": ("tests",),
}


@dataclass(frozen=True)
class Import:
    """One import statement of a project module, resolved to the module it loads."""

    source: str  # the importing module, e.g. "dccrawl.cli"
    target: str  # the imported project module, e.g. "dccrawl.db.cli"
    line: int
    in_function: bool
    type_only: bool  # under ``if TYPE_CHECKING:``

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = project_modules()


def _resolve(name: str) -> str | None:
    """The project module ``name`` loads (its longest known prefix), or None if foreign."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))

    def walk(node: ast.AST, in_function: bool, type_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from walk(child, True, type_only)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), in_function,
                                    True)  # fmt: skip
                for statement in child.orelse:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), in_function,
                                    type_only)  # fmt: skip
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    target = _resolve(alias.name)
                    if target:
                        yield Import(source, target, child.lineno, in_function, type_only)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    target = _resolve(f"{child.module}.{alias.name}") or _resolve(child.module)
                    if target:
                        yield Import(source, target, child.lineno, in_function, type_only)
            else:
                yield from walk(child, in_function, type_only)

    yield from walk(tree, False, False)


ALL_IMPORTS = [item for name, path in MODULES.items() for item in imports_of(name, path)]


def top(module: str) -> str:
    return module.split(".", 1)[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_arrow_points_up(package: str) -> None:
    wrong = [
        str(i)
        for i in ALL_IMPORTS
        if top(i.source) == package and top(i.target) in FORBIDDEN[package]
    ]
    assert wrong == []


def test_no_project_module_is_imported_inside_a_function() -> None:
    deferred = [
        str(i)
        for i in ALL_IMPORTS
        if i.in_function and top(i.source) != "tests" and i.target != i.source
    ]
    assert deferred == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``graph``, as a path that returns to its start, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle() -> None:
    graph: dict[str, set[str]] = {}
    for i in ALL_IMPORTS:
        if not i.type_only and i.target != i.source and not i.target.startswith(i.source + "."):
            # A package importing its own submodule is how packages work, not a circle.
            graph.setdefault(i.source, set()).add(i.target)
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The rule above could pass vacuously if the finder never found anything."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


def test_the_import_reader_sees_imports_inside_functions_and_type_checking() -> None:
    """The boundary rules could pass vacuously if the reader missed imports."""
    found = {(i.target, i.in_function, i.type_only) for i in ALL_IMPORTS if i.source == __name__}
    assert ("tests.crawling", True, False) in found


def _example_deferred_import() -> None:
    """An import inside a function, which the reader must see (checked above)."""
    import tests.crawling  # noqa: F401, PLC0415 - for the reader test only
