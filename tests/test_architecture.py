"""The architecture, checked: dependencies point inward, only services open units of work,
and no package has an import cycle.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "finance_core",
    "finance_storage_sql",
    "finance_storage_json",
    "finance_http",
    "finance_import",
)
#: Adapters call services; they never open a unit of work themselves.
ADAPTERS = ("finance_http", "finance_import")
#: Core modules that are adapters too (the command line) or that are not use cases.
CORE_ADAPTER_MODULES = ("finance_core.cli", "finance_core.bootstrap", "finance_core.plugins")


def _modules(package: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path, modules: Collection[str]) -> set[str]:
    """Project modules imported anywhere in ``path`` (functions included; not TYPE_CHECKING).

    ``from package import submodule`` depends on the submodule only: the package
    itself is always initialised before any of its submodules.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name.split(".")[0] in PACKAGES}


@functools.cache
def _graph() -> dict[str, set[str]]:
    modules = {name: path for package in PACKAGES for name, path in _modules(package)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported = _imports(name, path, modules)
        graph[name] = {target for target in imported if target in modules} - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as a path of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


class TestDependencies:
    def test_no_package_has_an_import_cycle(self) -> None:
        """No chain of imports, even inside functions, leads a module back to itself."""
        assert _cycle(_graph()) is None

    @pytest.mark.parametrize("package", PACKAGES)
    def test_dependencies_point_inward(self, package: str) -> None:
        """The core imports no adapter; adapters never import each other."""
        graph = _graph()
        allowed = {"finance_core", package}
        if package == "finance_import":
            # The import plugin contributes HTTP routes through the HTTP adapter's hook.
            allowed.add("finance_http")
        for module, targets in graph.items():
            if module.split(".")[0] != package:
                continue
            outside = {t for t in targets if t.split(".")[0] not in allowed}
            assert not outside, f"{module} imports {sorted(outside)}"


def _unit_of_work_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("unit_of_work", "_unit", "scopes")
    ]


class TestOnlyServicesOpenUnitsOfWork:
    @pytest.mark.parametrize("package", ADAPTERS)
    def test_adapters_never_open_a_unit_of_work(self, package: str) -> None:
        """HTTP resources and middleware, CLI commands and importers call services only."""
        offenders = {
            module: lines
            for module, path in _modules(package)
            if (lines := _unit_of_work_calls(path))
        }
        assert offenders == {}

    def test_core_adapters_never_open_a_unit_of_work(self) -> None:
        """The command line and the wiring in the core call services only."""
        offenders = {
            module: lines
            for module, path in _modules("finance_core")
            if module.startswith(CORE_ADAPTER_MODULES) and (lines := _unit_of_work_calls(path))
        }
        assert offenders == {}

    def test_only_the_scope_asks_storage_for_units_of_work(self) -> None:
        """In the core only the scope opens units from storage; use cases go through it."""
        allowed = ("finance_core.scope", "finance_core.memory", "finance_core.ports")
        direct = {
            module: lines
            for module, path in _modules("finance_core")
            if not module.startswith(("finance_core.testing", *allowed))
            and (
                lines := [
                    node.lineno
                    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                    if isinstance(node, ast.Attribute) and node.attr == "unit_of_work"
                ]
            )
        }
        assert direct == {}
