"""The engine is pure Python: no module under configurator/engine imports Django or the apps, neither
by name nor by a relative import that climbs out of the engine package (``from ..plumbing import x``)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "configurator" / "engine"
FORBIDDEN = ("django", "rest_framework", "celery", "products", "orders", "manufacturing", "accounts")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved to absolute names."""
    package = path.relative_to(ENGINE.parents[1]).with_suffix("").parts[:-1]
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add(node.module or "")
                continue
            if node.level > len(package):
                names.add("." * node.level + (node.module or ""))  # beyond the top package
                continue
            base = list(package[: len(package) - node.level + 1])
            if node.module:
                names.add(".".join([*base, node.module]))
            else:  # from .. import x: each name may be a module
                names.update(".".join([*base, alias.name]) for alias in node.names)
    return names


def offending(name: str) -> bool:
    inside = name == "configurator.engine" or name.startswith("configurator.engine.")
    return (
        name.startswith(".")
        or name.split(".")[0] in FORBIDDEN
        or (name.startswith("configurator") and not inside)
    )


def test_engine_modules_import_no_django():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) > 10
    offenders = {
        str(path.relative_to(ENGINE)): sorted(name for name in imported_modules(path) if offending(name))
        for path in files
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_relative_imports_out_of_the_engine_are_caught(tmp_path, monkeypatch):
    """The check itself: a relative import that leaves the engine is an offence, one inside is not."""
    engine = tmp_path / "configurator" / "engine"
    (engine / "expressions").mkdir(parents=True)
    samples = {
        "a.py": "from ..plumbing import errors\n",
        "b.py": "from ...products import models\n",
        "c.py": "from .. import settings\n",
        "d.py": "from .model import Kind\nfrom . import cnf\n",
        "expressions/e.py": "from ..model import Kind\nfrom ...plumbing.errors import X\n",
        "f.py": "import django.conf\nfrom configurator.configure import services\n",
    }
    for name, source in samples.items():
        (engine / name).write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "ENGINE", engine)
    found = {
        name: sorted(module for module in imported_modules(engine / name) if offending(module))
        for name in samples
    }
    assert found == {
        "a.py": ["configurator.plumbing"],
        "b.py": ["...products"],
        "c.py": ["configurator.settings"],
        "d.py": [],
        "expressions/e.py": ["configurator.plumbing.errors"],
        "f.py": ["configurator.configure", "django.conf"],
    }
