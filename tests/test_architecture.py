"""The shape of the code, checked: apps import one way, stay small, and settings stand alone.

Attend's apps are layered, lowest first, in the order INSTALLED_APPS lists them: an app may
import from the apps below it and never from one above, so the graph of imports between
top-level apps has no cycle. An app that must react to something a lower app does
registers a handler with it (appointments.changes, reminders.replies,
audit.retention) instead of being imported by it. Imports inside functions count too: a
lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("audit", "accounts", "patients", "appointments", "risk", "pilots", "reminders", "letters", "calls",
          "safeguarding", "monitoring",
          "reports", "targets", "aggregates", "hub", "demo")  # fmt: skip
MAX_MODULES = 25


def _python_files(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def _imported_apps(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & set(LAYERS)


def import_graph() -> dict[str, dict[str, list[str]]]:
    """{app: {imported app: [files that import it]}}, between Attend's top-level apps."""
    graph: dict[str, dict[str, list[str]]] = {app: {} for app in LAYERS}
    for app in LAYERS:
        for path in _python_files(app):
            for other in _imported_apps(path) - {app}:
                graph[app].setdefault(other, []).append(str(path.relative_to(ROOT)))
    return graph


def test_installed_apps_list_attends_apps_in_layer_order():
    from django.conf import settings

    ours = [app for app in settings.INSTALLED_APPS if app in LAYERS]
    assert ours == [app for app in LAYERS if app in ours]


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_from_the_apps_below_it(app):
    below = set(LAYERS[: LAYERS.index(app)])
    upward = {other: files for other, files in import_graph()[app].items() if other not in below}
    assert upward == {}, f"{app} imports from apps above it: {upward}"


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_holds_more_than_about_25_modules(app):
    modules = [p for p in _python_files(app) if p.name != "__init__.py"]
    assert len(modules) <= MAX_MODULES, f"{app} has {len(modules)} modules: split it along its nouns"


def test_settings_import_nothing_from_the_apps():
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(path))
        for path in (ROOT / "config" / "settings").rglob("*.py")
        if _imported_apps(path)
    }
    assert offenders == {}
