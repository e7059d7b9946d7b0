import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_demo_logins_give_one_working_login_per_role(client, capsys):
    call_command("create_demo_logins", "--json")
    logins = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["logins"]
    assert {login["role"] for login in logins} == {
        "Call handler",
        "Team lead",
        "Director",
        "Admin",
        "Safeguarding lead",
    }
    for login in logins:
        assert client.login(username=login["username"], password=login["password"])
        client.logout()


def test_demo_logins_are_refused_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("create_demo_logins")
