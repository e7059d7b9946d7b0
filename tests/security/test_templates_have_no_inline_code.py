"""Attend's own templates hold no inline script, event handler or style, so every page
(including those the URL walk cannot open without real ids) runs under the CSP."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.support.inline_code import inline_code

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    path
    for path in ROOT.glob("**/templates/**/*.html")
    if not any(part in {".venv", "node_modules", "staticfiles"} for part in path.relative_to(ROOT).parts)
)


def test_the_scan_finds_the_templates():
    assert ROOT / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_template_has_no_inline_code(template):
    assert inline_code(template.read_text(encoding="utf-8")) == []
