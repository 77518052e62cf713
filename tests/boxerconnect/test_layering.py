"""The layering the design asks for, read from the import statements themselves."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = ("accounts", "boxers", "clubs", "permissions")


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def sources(package: str) -> list[Path]:
    return [p for p in (REPO / package).rglob("*.py") if "migrations" not in p.parts]


def test_the_cache_wing_imports_no_domain_app():
    offending = {
        str(path.relative_to(REPO)): sorted(m for m in imported_modules(path) if m.split(".")[0] in APPS)
        for path in sources("boxerconnect/cache")
    }

    assert len(offending) >= 7  # the scan found the package's modules
    assert {path: mods for path, mods in offending.items() if mods} == {}


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_another_apps_views(app):
    offending = {
        str(path.relative_to(REPO)): sorted(
            m for m in imported_modules(path) if m.endswith(".apis") and m.split(".")[0] not in (app,)
        )
        for path in sources(app)
    }

    assert {path: mods for path, mods in offending.items() if mods} == {}
