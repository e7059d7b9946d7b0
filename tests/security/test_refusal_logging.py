"""An expected refusal is one log line; a real error keeps its traceback."""

import io
import logging

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string


@pytest.fixture
def console():
    """What a handler built as settings.LOGGING builds its handlers (with the filters that
    config.logging.install puts on each) writes for Django's request logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = settings.LOGGING
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_403_is_logged_as_one_line_without_a_traceback(client_for, director, console):
    assert client_for(director).get(reverse("calls-start")).status_code == 403
    logged = [line for line in console.getvalue().splitlines() if line.strip()]
    assert any("Forbidden" in line and "/calls/" in line for line in logged)
    assert "Traceback" not in console.getvalue()


def test_an_error_keeps_its_traceback(console):
    try:
        raise ValueError("a real fault")
    except ValueError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x", exc_info=True, extra={"status_code": 500}
        )
    assert "Traceback" in console.getvalue() and "a real fault" in console.getvalue()
