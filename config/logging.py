"""Keeping NHS numbers, phone numbers and message bodies out of the logs.

`MaskPersonalData` is a logging filter installed on every handler in settings.LOGGING (and
on Celery's handlers in workers). It rewrites each record before any handler writes it:

- a run of 10 digits (an NHS number, also spaced 3-3-4) becomes "[NHS number]";
- a phone number (UK national 0…, +44 …, 0044 …, or any E.164 +…) becomes "[phone]";
- the value of a `body`, `sms_body`, `message_body` or `notes` extra becomes "[withheld]";
- other string extras, the arguments and the formatted traceback are masked like the message;
- a URL-encoded value (a query string such as `?q=999+013+3298` or `?q=%2B447700900393`, as
  a request line in gunicorn's access log carries it) is decoded first and masked as above.

It errs towards masking: a 10-digit reference that is not an NHS number is masked too.

Gunicorn's own access and error logs are masked by `GunicornLogger`, which gunicorn.conf.py
names as its `logger_class`: gunicorn sets those loggers up before Django starts.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote, unquote_plus

from gunicorn.glogging import Logger as _GunicornBaseLogger

WITHHELD_FIELDS = frozenset({"body", "sms_body", "message_body", "notes", "call_notes"})
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

# An NHS number: 10 digits, or 3-3-4 with the same single space or hyphen between groups.
_NHS_NUMBER = re.compile(r"(?<![\w+.])\d{3}([ -]?)\d{3}\1\d{4}(?!\w|\.\d)")
# A phone number in international form: +44 7700 900123, 0044 7700 900123, +44 (0)7700 …, +1 (202) 555-0143.
_INTERNATIONAL = re.compile(r"(?<![\w+.-])(?:\+|\b00)[1-9][\d ()-]{6,20}\d(?!\w)")
# A UK phone number in national form: 07700 900123, 07700900123, (0121) 496 0000, 020-7946-0000.
_UK_NATIONAL = re.compile(r"(?<![\w+-])\(?0\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}(?![\w-])")


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return "[phone]" if 9 <= digits <= 15 else match.group(0)


# A URL component holding an escape (%2B) or a +-for-space: one query value, path segment
# or parameter name, between the delimiters of a URL or a log line.
_URL_ENCODED_PART = re.compile(r"[^\s?&=;/#\"'<>\[\]()]*(?:%[0-9A-Fa-f]{2}|\+)[^\s?&=;/#\"'<>\[\]()]*")


def _mask_plain(text: str) -> str:
    text = _INTERNATIONAL.sub(_phone, text)
    text = _UK_NATIONAL.sub(_phone, text)
    return _NHS_NUMBER.sub("[NHS number]", text)


_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_SPACE_OUTSIDE_PLACEHOLDERS = re.compile(r"\[NHS number\]| ")


def _mask_url_encoded(match: re.Match[str]) -> str:
    encoded = match.group(0)
    decoded = unquote_plus(encoded)
    for _ in range(2):  # double encoding (%252B) too, but never loop on hostile input
        if not _ESCAPE.search(decoded):
            break
        decoded = unquote(decoded)
    masked = _mask_plain(decoded)
    if masked == decoded:  # nothing personal in it: keep the original spelling
        return encoded
    # Keep the log line's fields apart: a space outside a placeholder goes back to "+".
    return _SPACE_OUTSIDE_PLACEHOLDERS.sub(lambda m: "+" if m.group(0) == " " else m.group(0), masked)


def mask(text: str) -> str:
    """`text` with phone numbers and NHS numbers replaced by placeholders, in plain text and
    in URL-encoded components (`999+013+3298`, `%2B447700900393`) alike."""
    return _mask_plain(_URL_ENCODED_PART.sub(_mask_url_encoded, text))


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) == 10:
        return "[NHS number]"
    return value


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed %-format: keep what we can, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask(message), ()
        for name, value in list(vars(record).items()):
            if name in _STANDARD_ATTRIBUTES:
                continue
            if name in WITHHELD_FIELDS:
                setattr(record, name, "[withheld]" if value else value)
            else:
                setattr(record, name, _mask_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


class OneLineRefusals(logging.Filter):
    """A refusal Attend means to make (403: the role does not reach) is one log line, not a
    traceback: Django's request logger attaches the PermissionDenied it caught, which says
    nothing an operator needs and buries the errors that do."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", None) == 403:
            record.exc_info, record.exc_text = None, None
        return True


def install(logging_config: dict[str, Any]) -> dict[str, Any]:
    """Put the filters on every handler of a dictConfig-style LOGGING setting (in place):
    personal data masked, and expected refusals on one line."""
    ours = {
        "mask_personal_data": "config.logging.MaskPersonalData",
        "one_line_refusals": "config.logging.OneLineRefusals",
    }
    for name, factory in ours.items():
        logging_config.setdefault("filters", {})[name] = {"()": factory}
    for handler in logging_config.get("handlers", {}).values():
        filters = handler.setdefault("filters", [])
        filters.extend(name for name in ours if name not in filters)
    return logging_config


def install_on_logger(logger: logging.Logger, **kwargs: Any) -> None:
    """For Celery's after_setup_logger / after_setup_task_logger signals: workers set up
    their own handlers, which need the filter too."""
    for handler in logger.handlers:
        if not any(isinstance(f, MaskPersonalData) for f in handler.filters):
            handler.addFilter(MaskPersonalData())


def install_on_every_handler() -> None:
    """Put the filter on every handler that exists now: Django's defaults ("django.server",
    the DEBUG console), gunicorn's access and error logs (whose request lines carry query
    strings), and anything a library set up. Called once Django has configured logging."""
    loggers = [
        logging.getLogger(),
        *(lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)),
    ]
    for logger in loggers:
        install_on_logger(logger)


class GunicornLogger(_GunicornBaseLogger):
    """Gunicorn's logger with the masking filter on its access and error loggers.

    Gunicorn builds these loggers in its master process before Django (and so Attend's
    LOGGING) is set up, and rebuilds their handlers on every configuration reload; the
    filter therefore sits on the loggers themselves, where every record passes it whatever
    handlers (file, stdout, syslog, a logconfig_dict) gunicorn attaches. Named as
    `logger_class` in gunicorn.conf.py.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.access_log, self.error_log):
            if not any(isinstance(f, MaskPersonalData) for f in logger.filters):
                logger.addFilter(MaskPersonalData())
