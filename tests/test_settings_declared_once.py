"""Each setting has one declaration: base.py assigns it once, whole (no later `+=`, `[key] =` or
`.update()` that a reader of the first assignment would miss), and every ATTEND_* setting the
code reads is declared there, so its default and its environment variable live in one place."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from django.conf import settings

from tests.test_architecture import LAYERS

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "config" / "settings" / "base.py"
READ = re.compile(r"""settings\.(ATTEND_\w+)|getattr\(\s*settings\s*,\s*["'](ATTEND_\w+)["']""")


def _statements() -> list[ast.stmt]:
    return ast.parse(BASE.read_text()).body


def test_base_settings_assign_each_name_once():
    names = Counter(
        target.id
        for node in _statements()
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    )
    assert [name for name, count in names.items() if count > 1] == []


def test_base_settings_never_change_a_setting_after_declaring_it():
    later = [
        f"line {node.lineno}: {ast.unparse(node)[:60]}"
        for node in _statements()
        if isinstance(node, ast.AugAssign)
        or (isinstance(node, ast.Assign) and not all(isinstance(t, ast.Name) for t in node.targets))
        or (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
        )
    ]
    assert later == []


def test_every_attend_setting_the_code_reads_is_declared():
    read = {
        name
        for app in (*LAYERS, "config")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        for match in READ.finditer(path.read_text())
        for name in match.groups()
        if name
    }
    assert sorted(name for name in read if not hasattr(settings, name)) == []


def test_the_api_closes_views_that_name_no_role_and_speaks_json_only():
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == ["accounts.permissions.DenyByDefault"]
    assert settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]
