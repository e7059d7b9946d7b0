"""Every URL pattern in the URL conf, with a concrete path to request.

The security tests walk these so that a page or endpoint added later by any app is
covered without anyone remembering to list it. Arguments are filled with dummy values
(ints 1, strings 'x'); the view may answer 404 for them, which the tests accept.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils.regex_helper import normalize

_SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}
_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_CANDIDATES = ("1", "x", "json")


@dataclass(frozen=True)
class Endpoint:
    name: str  # namespaced url name, or the route when the pattern has none
    path: str
    callback: Any

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)


def _route_sample(route: str) -> str:
    return _ROUTE_PARAMETER.sub(lambda m: _SAMPLES.get(m.group("converter") or "str", "x"), route)


_LITERAL_CHOICE_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<first>\w+)(?:\|\w+)*\)")


def _regex_samples(regex: str) -> list[str]:
    template, params = normalize(regex)[0]
    # A group that is a choice of words (the admin's app_label) gets its first word.
    choices = {m.group("name"): m.group("first") for m in _LITERAL_CHOICE_GROUP.finditer(regex)}
    return [template % {p: choices.get(p, value) for p in params} for value in _REGEX_CANDIDATES]


def _piece_samples(pattern: Any) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return [_route_sample(str(pattern))]
    return _regex_samples(pattern.regex.pattern)


def _walk(patterns, prefixes: list[str], namespace: str):
    for entry in patterns:
        pieces = [prefix + sample for prefix in prefixes for sample in _piece_samples(entry.pattern)]
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, pieces, ns)
        elif isinstance(entry, URLPattern):
            yield entry, pieces, f"{namespace}{entry.name}" if entry.name else None


def endpoints() -> list[Endpoint]:
    """One Endpoint per URL pattern whose sample path resolves back to that pattern's view."""
    resolver = get_resolver()
    found: dict[str, Endpoint] = {}
    for pattern, candidates, name in _walk(resolver.url_patterns, [""], ""):
        for candidate in candidates:
            path = "/" + candidate
            try:
                match = resolver.resolve(path)
            except Resolver404:
                continue
            if match.func is pattern.callback or getattr(match.func, "view_class", None) is getattr(
                pattern.callback, "view_class", object()
            ):
                key = name or pattern.pattern.describe()
                found.setdefault(path, Endpoint(name=key, path=path, callback=pattern.callback))
                break
    return sorted(found.values(), key=lambda e: e.path)


def without_arguments() -> list[Endpoint]:
    """The endpoints whose URL takes no arguments: the pages a person can open directly."""
    resolver = get_resolver()
    plain = []
    for pattern, candidates, name in _walk(resolver.url_patterns, [""], ""):
        if len(candidates) == 1 and "<" not in str(pattern.pattern) and not pattern.pattern.regex.groupindex:
            plain.append(name)
    names = set(filter(None, plain))
    return [e for e in endpoints() if e.name in names]
