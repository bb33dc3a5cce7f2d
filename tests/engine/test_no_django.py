"""The engine is pure Python: no module under configurator/engine imports Django (or the apps)."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "configurator" / "engine"
FORBIDDEN = ("django", "rest_framework", "celery", "products", "orders", "manufacturing")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_engine_modules_import_no_django():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) > 10
    offenders = {
        str(path.relative_to(ENGINE)): sorted(
            name
            for name in imported_modules(path)
            if name.split(".")[0] in FORBIDDEN or name.startswith("configurator.")
        )
        for path in files
    }
    assert {path: names for path, names in offenders.items() if names} == {}
