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


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_policy_and_no_inline_code(client, path):
    seen_html = False
    for viewer in _viewers():
        if viewer.is_authenticated:
            client.force_login(viewer)
        else:
            client.logout()
        response = client.get(path)
        policy = _policy(response)
        assert policy.get("default-src") == "'self'", f"{path} as {viewer}: no CSP header"
        assert policy.get("script-src") == "'self'"
        assert policy.get("frame-ancestors") == "'none'"
        if "text/html" in response.headers.get("Content-Type", ""):
            seen_html = True
            assert inline_code(response.content.decode()) == [], f"{path} as {viewer}"
    assert seen_html or path.startswith(("/api/", "/healthz", "/admin/jsi18n", "/admin/autocomplete"))


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
