"""Typed reads of settings from the environment.

Every setting Attend takes from the environment goes through these helpers so that a
missing or malformed value stops start-up with a message naming the variable, rather
than surfacing later as an obscure error in a request or a Celery task.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()


def _raw(name: str, default: object) -> str | object:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if default is _MISSING:
            raise ImproperlyConfigured(f"Missing required setting {name}: set the {name} environment variable.")
        return default
    return value.strip()


def env_str(name: str, default: object = _MISSING) -> str:
    return _raw(name, default)  # type: ignore[return-value]


def env_choice(name: str, default: object = _MISSING, *, choices: tuple[str, ...]) -> str:
    """One of `choices` (a blank value means the default)."""
    value = _raw(name, default)
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise ImproperlyConfigured(f"Malformed setting {name}: expected one of {allowed}, got {value!r}.")
    return value  # type: ignore[return-value]


def env_int(name: str, default: object = _MISSING, *, minimum: int | None = None) -> int:
    value = _raw(name, default)
    if not isinstance(value, str):
        return value  # type: ignore[return-value]
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Malformed setting {name}: expected a whole number, got {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Malformed setting {name}: must be at least {minimum}, got {number}.")
    return number


def env_float(name: str, default: object = _MISSING) -> float:
    value = _raw(name, default)
    if not isinstance(value, str):
        return value  # type: ignore[return-value]
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"Malformed setting {name}: expected a number, got {value!r}.") from None


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: object = _MISSING) -> bool:
    value = _raw(name, default)
    if not isinstance(value, str):
        return value  # type: ignore[return-value]
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"Malformed setting {name}: expected true or false, got {value!r}.")


def env_list(name: str, default: object = _MISSING) -> list[str]:
    value = _raw(name, default)
    if not isinstance(value, str):
        return list(value)  # type: ignore[call-overload]
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: object = _MISSING, *, schemes: tuple[str, ...]) -> str | None:
    """A URL whose scheme is one of `schemes`; `default` may be None for optional services."""
    value = _raw(name, default)
    if not isinstance(value, str):
        return value  # type: ignore[return-value]
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise ImproperlyConfigured(
            f"Malformed setting {name}: expected a URL starting "
            f"{' or '.join(s + '://' for s in schemes)}, got one starting {parsed.scheme or '(no scheme)'!r}."
        )
    return value
