"""The package's rooms, and the one way its imports point: down.

    the ways in      cli, web: over the API of
                     __init__
    reconciling, show
    counting         the pipeline and the graph walk
    read             configs, archives, HDF5, layer code
    formulas         the families and their registry
    the ground       errors, safety, expr, result, sizes, records

A module may import from its own room and from any room below it, never from one above or from a
sibling on its floor. The one arrow up is the nested-model recursion (a model is a layer, so its
formula walks a graph), written where it happens with a comment that says so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import paramcount

PACKAGE = Path(paramcount.__file__).parent
FLOORS = {
    "ground": 0,
    "formulas": 1,
    "read": 2,
    "counting": 3,
    "reconciling": 4, "show": 4,
    "__init__": 5,
    "cli": 6, "web": 6,
}
# (importing module, imported room): the arrows allowed to run up, each with its reason in the code.
UPWARD = {("formulas/models.py", "counting")}  # a nested model's formula walks its graph


GROUND = ("errors", "safety", "expr", "result", "sizes", "records")  # one room: they import only each other


def room(path: Path) -> str:
    name = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    return "ground" if name in GROUND else name


def imported_rooms(path: Path) -> list[tuple[int, str, str]]:
    """(line, room, what) for every import of a paramcount module in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package_parts = path.relative_to(PACKAGE).parent.parts
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = list(package_parts[:len(package_parts) - node.level + 1])
            target = base + (node.module.split(".") if node.module else [])
        elif node.module and node.module.split(".")[0] == "paramcount":
            target = node.module.split(".")[1:]
        else:
            continue
        if target:
            found.append((node.lineno, target[0], node.module or ""))
        else:  # `from . import count`: names of the package itself
            found += [(node.lineno, alias.name, alias.name) for alias in node.names]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_room_with_a_floor():
    assert sorted({room(p) for p in MODULES} - FLOORS.keys()) == []


def test_imports_point_down():
    wrong = []
    for path in MODULES:
        here = room(path)
        for line, there, what in imported_rooms(path):
            there = "ground" if there in GROUND else there
            there = there if there in FLOORS else "__init__"  # `from . import count` and the like
            if there == here or FLOORS[there] < FLOORS[here]:
                continue
            if (path.relative_to(PACKAGE).as_posix(), there) in UPWARD:
                continue
            wrong.append(f"{path.relative_to(PACKAGE)}:{line} ({here}, floor {FLOORS[here]}) "
                         f"imports {what or there} ({there}, floor {FLOORS[there]})")
    assert wrong == []


def test_the_upward_arrow_says_why():
    for module, _ in UPWARD:
        text = (PACKAGE / module).read_text(encoding="utf-8")
        assert "points up" in text, f"{module}: the import that points up has no comment saying so"


def test_no_private_name_is_imported_across_modules():
    private = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                private += [f"{path.relative_to(PACKAGE)}:{node.lineno} {alias.name}"
                            for alias in node.names if alias.name.startswith("_")
                            and alias.name != "__version__"]
    assert private == []


def test_an_import_inside_a_function_says_why():
    """Imports belong at the top; a lazy one (for the command line's speed, or Keras) has a
    comment on its line or the line above."""
    silent = []
    for path in MODULES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    # A comment on the line, or on a line just above the block of imports.
                    before = lines[max(0, inner.lineno - 4):inner.lineno - 1]
                    if "#" not in lines[inner.lineno - 1] and not any(
                            "#" in line for line in before):
                        silent.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert silent == []
