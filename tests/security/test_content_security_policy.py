"""Every page carries a strict Content Security Policy and contains nothing it would block.

The pages are discovered from the URL conf, so pages added by any app are covered.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.roles import ADMIN, CALL_HANDLER, DIRECTOR, TEAM_LEAD
from tests.support.factories import make_user
from tests.support.inline_code import inline_code
from tests.support.urlwalk import without_arguments

pytestmark = pytest.mark.django_db

PAGES = [endpoint.path for endpoint in without_arguments()]


def _viewers():
    yield AnonymousUser()
    for role in (CALL_HANDLER, TEAM_LEAD, DIRECTOR, ADMIN):
        yield make_user(role, username=role.group.lower().replace(" ", "-"))


def _policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def test_every_page_has_a_strict_policy_and_no_inline_code_for_every_viewer(client):
    problems, html_pages = [], set()
    for viewer in _viewers():
        client.logout()
        if viewer.is_authenticated:
            client.force_login(viewer)
        for path in PAGES:
            response = client.get(path)
            policy = _policy(response)
            if (policy.get("default-src"), policy.get("script-src"), policy.get("frame-ancestors")) != (
                "'self'", "'self'", "'none'"
            ):  # fmt: skip
                problems.append((path, str(viewer), "no strict CSP header"))
            if "text/html" in response.headers.get("Content-Type", ""):
                html_pages.add(path)
                problems.extend((path, str(viewer), found) for found in inline_code(response.content.decode()))
    assert problems == []
    assert {"/login/", "/calls/", "/dashboard/", "/admin/"} <= html_pages


def test_the_policy_forbids_inline_script_and_style_and_other_origins(client):
    policy = _policy(client.get("/login/"))
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self' https://assets.nhs.uk",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }


def test_the_inline_code_finder_catches_what_the_policy_would_block():
    page = (
        '<script>alert(1)</script><script type="application/json">{"a": 1}</script>'
        '<script src="/static/x.js"></script><a onclick="x()" href="javascript:x()">a</a>'
        '<p style="color:red">b</p><style>p{}</style>'
    )
    problems = inline_code(page)
    assert len(problems) == 5
    assert not any("json" in p for p in problems)
