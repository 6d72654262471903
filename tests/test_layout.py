"""The package's layout: imports run one way between its folders, no import circle, no module name in two layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pytest_personalize

PACKAGE = Path(pytest_personalize.__file__).parent
LAYERS = ("model", "wire", "stub", "emulator", "recording")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules ``path`` imports at run time (anywhere in it, but not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for child in ast.walk(node)
    }
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in modules}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        for target in graph[stack.pop()]:
            if target == goal:
                return True
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return False


def test_the_graph_reads_relative_imports(graph: dict[str, set[str]]) -> None:
    assert "pytest_personalize.emulator.runtime_api" in graph["pytest_personalize.emulator.backend"]
    assert "pytest_personalize.model.rules.arns" in graph["pytest_personalize.model.templates"]


def test_the_model_imports_no_mode(graph: dict[str, set[str]]) -> None:
    higher = tuple(f"pytest_personalize.{layer}" for layer in ("stub", "emulator", "recording"))
    wrong = {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("pytest_personalize.model")
        for target in targets
        if target.startswith(higher)
    }
    assert wrong == set()


def test_nothing_the_backend_imports_imports_it_back(graph: dict[str, set[str]]) -> None:
    backend = "pytest_personalize.emulator.backend"
    circles = [target for target in graph[backend] if _reaches(graph, target, backend)]
    assert circles == []


def test_no_module_name_is_in_two_layers() -> None:
    layers_of: dict[str, set[str]] = {}
    for layer in LAYERS:
        for path in (PACKAGE / layer).rglob("*.py"):
            if path.name != "__init__.py":
                layers_of.setdefault(path.stem, set()).add(layer)
    assert {name: sorted(layers) for name, layers in layers_of.items() if len(layers) > 1} == {}


# Each folder imports only the folders before it; stub and emulator, two modes, don't import each other.
ALLOWED = {
    "model": {"model"},
    "wire": {"model", "wire"},
    "stub": {"model", "wire", "stub"},
    "emulator": {"model", "wire", "emulator"},
    "recording": {"model", "wire", "emulator", "recording"},
}


def _folder(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in ALLOWED else None


def _wrong_way(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, targets in graph.items()
        if (source := _folder(module)) is not None
        for target in targets
        if (reached := _folder(target)) is not None and reached not in ALLOWED[source]
    }


def _circles(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    # A package's __init__ importing its own modules is no circle; anything else is.
    return sorted(
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if not module.endswith("__init__")
        and not target.startswith(module + ".")
        and not module.startswith(target + ".")
        and _reaches(graph, target, module)
    )


def test_imports_run_one_way_between_the_folders(graph: dict[str, set[str]]) -> None:
    assert _wrong_way(graph) == set()


def test_no_import_circle_between_modules(graph: dict[str, set[str]]) -> None:
    assert _circles(graph) == []


def test_the_layout_checks_find_what_they_look_for() -> None:
    planted = {
        "pytest_personalize.stub.stubber": {"pytest_personalize.emulator.fake"},
        "pytest_personalize.emulator.fake": {"pytest_personalize.wire.requests"},
        "pytest_personalize.wire.requests": {"pytest_personalize.wire.decode"},
        "pytest_personalize.wire.decode": {"pytest_personalize.wire.requests"},
    }
    assert _wrong_way(planted) == {("pytest_personalize.stub.stubber", "pytest_personalize.emulator.fake")}
    assert _circles(planted) == [
        ("pytest_personalize.wire.decode", "pytest_personalize.wire.requests"),
        ("pytest_personalize.wire.requests", "pytest_personalize.wire.decode"),
    ]
