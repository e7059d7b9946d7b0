"""No NHS number, phone number or message body reaches a log line."""

import copy
import io
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from config.logging import MaskPersonalData, install_on_logger, mask

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def log():
    """A logger whose output is captured through a handler carrying the filter, as configured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s %(body)s %(to)s"))
    handler.addFilter(MaskPersonalData())
    logger = logging.getLogger("attend.test.masking")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


@pytest.mark.parametrize("nhs_number", ["9434765919", "943 476 5919", "943-476-5919"])
def test_nhs_numbers_are_masked_in_every_written_form(nhs_number):
    assert mask(f"patient {nhs_number} imported") == "patient [NHS number] imported"


@pytest.mark.parametrize(
    "phone",
    ["+447700900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700 900 123", "07700 900123",
     "07700900123", "(0121) 496 0000", "020 7946 0000", "+1 (202) 555-0143"],
)  # fmt: skip
def test_phone_numbers_are_masked_in_uk_and_international_forms(phone):
    assert mask(f"sent to {phone}.") == "sent to [phone]."


@pytest.mark.parametrize(
    "harmless",
    ["2026-11-23 10:53:26,123", "appointment 123 for clinic 42", "1b4e28ba-2fa1-11d2-883f-001634567890",
     "redis://127.0.0.1:6379/8", "took 0.0123s", "epoch 1763900000.5", "20261123105326"],
)  # fmt: skip
def test_dates_ids_addresses_and_durations_are_left_alone(harmless):
    assert mask(harmless) == harmless


def test_the_message_its_arguments_and_extras_are_masked(log):
    logger, stream = log
    logger.warning(
        "reminder for %s failed", "9434765919", extra={"body": "Your appointment is at 10:00", "to": "+447700900123"}
    )
    line = stream.getvalue()
    assert line.strip() == "reminder for [NHS number] failed [withheld] [phone]"


def test_a_traceback_is_masked(log):
    logger, stream = log
    try:
        raise ValueError("bad number 07700 900123 for 943 476 5919")
    except ValueError:
        logger.exception("import failed", extra={"body": "", "to": ""})
    output = stream.getvalue()
    assert "900123" not in output
    assert "5919" not in output
    assert "ValueError: bad number [phone] for [NHS number]" in output


def test_every_configured_handler_carries_the_filter():
    handlers = settings.LOGGING["handlers"]
    assert handlers
    assert all("mask_personal_data" in handler.get("filters", []) for handler in handlers.values())


def test_the_console_handler_attend_configures_is_filtered():
    console = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert console
    assert all(any(isinstance(f, MaskPersonalData) for f in h.filters) for h in console)


def test_celery_worker_handlers_get_the_filter():
    logger = logging.getLogger("attend.test.celery")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    install_on_logger(logger)
    install_on_logger(logger)
    assert sum(isinstance(f, MaskPersonalData) for f in handler.filters) == 1
    logger.removeHandler(handler)


def test_handlers_set_up_outside_attends_settings_are_masked_too():
    # Django's own "django.server" handler and gunicorn's access log are made before Attend's
    # settings apply; request lines carry query strings such as ?q=<NHS number>.
    from config.logging import install_on_every_handler

    stream = io.StringIO()
    logger = logging.getLogger("gunicorn.access.test")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        install_on_every_handler()
        logger.info("%(r)s %(s)s", {"r": "GET /admin/patients/patient/?q=9434765919 HTTP/1.1", "s": "200"})
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().strip() == "GET /admin/patients/patient/?q=[NHS number] HTTP/1.1 200"


def test_djangos_own_server_log_handler_is_masked():
    handlers = logging.getLogger("django.server").handlers
    assert handlers
    assert all(any(isinstance(f, MaskPersonalData) for f in h.filters) for h in handlers)


def test_djangos_server_log_stays_masked_when_django_is_set_up_again():
    # Building the WSGI application in-process runs django.setup() a second time, which
    # re-applies Django's default logging; Attend's own LOGGING must re-mask it.
    import django

    django.setup(set_prefix=False)
    handlers = logging.getLogger("django.server").handlers
    assert handlers
    assert all(any(isinstance(f, MaskPersonalData) for f in h.filters) for h in handlers)


# Admin searches as browsers send them: the request line carries the value URL-encoded.
ENCODED_SEARCHES = [
    ("999+013+3298", "[NHS number]"),
    ("%2B447700900393", "[phone]"),
    ("07700+900393", "[phone]"),
]


@pytest.mark.parametrize(("query", "placeholder"), ENCODED_SEARCHES)
def test_url_encoded_searches_are_masked_through_the_configured_filter_and_formatter(query, placeholder):
    from logging.config import dictConfig

    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"] = {"capture": {**config["handlers"]["console"], "stream": stream}}
    config["root"] = {"handlers": [], "level": "INFO"}
    config["loggers"] = {"attend.test.encoded": {"handlers": ["capture"], "level": "INFO", "propagate": False}}
    config["disable_existing_loggers"] = False
    dictConfig(config)
    try:
        logging.getLogger("attend.test.encoded").info('"GET /admin/patients/patient/?q=%s HTTP/1.1" 200', query)
    finally:
        logging.getLogger("attend.test.encoded").handlers.clear()
    line = stream.getvalue()
    assert f"/admin/patients/patient/?q={placeholder} HTTP/1.1" in line
    assert "3298" not in line and "900393" not in line


def test_a_search_value_encoded_twice_is_masked_and_harmless_encoded_text_is_kept():
    assert mask("GET /admin/?q=%252B447700900393&o=1") == "GET /admin/?q=[phone]&o=1"
    assert mask("GET /admin/?q=call+07700+900393+back") == "GET /admin/?q=call+[phone]+back"
    assert mask("GET /admin/?q=smith+jones&p=%2F2") == "GET /admin/?q=smith+jones&p=%2F2"


def _gunicorn_config(access_log_path):
    """gunicorn's configuration as the Dockerfile starts it (gunicorn.conf.py), logging to a
    file instead of stdout. gunicorn reads the file's settings the same way."""
    from gunicorn.config import Config

    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    cfg.set("accesslog", str(access_log_path))
    return cfg


@pytest.mark.parametrize(("query", "placeholder"), ENCODED_SEARCHES)
def test_gunicorns_access_log_masks_url_encoded_searches(tmp_path, query, placeholder):
    cfg = _gunicorn_config(tmp_path / "access.log")
    gunicorn_logger = cfg.logger_class(cfg)
    url = f"/admin/patients/patient/?q={query}"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": url,
        "PATH_INFO": "/admin/patients/patient/",
        "QUERY_STRING": f"q={query}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": f"https://attend.example.nhs.uk{url}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=1024)
    try:
        gunicorn_logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))
    finally:
        for handler in list(gunicorn_logger.access_log.handlers):
            handler.close()
            gunicorn_logger.access_log.removeHandler(handler)
    line = (tmp_path / "access.log").read_text()
    assert f'"GET /admin/patients/patient/?q={placeholder} HTTP/1.1" 200 1024' in line
    assert "3298" not in line and "900393" not in line  # the referer is masked too


def test_the_container_starts_gunicorn_with_the_masking_configuration():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "--config", "gunicorn.conf.py"]' in dockerfile
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["logger_class"] == "config.logging.GunicornLogger"
