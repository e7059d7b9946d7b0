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


def _route_sample(route: str, int_sample: str) -> str:
    samples = {**_SAMPLES, "int": int_sample}
    return _ROUTE_PARAMETER.sub(lambda m: samples.get(m.group("converter") or "str", "x"), route)


_LITERAL_CHOICE_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<first>\w+)(?:\|\w+)*\)")


def _regex_samples(regex: str, int_sample: str) -> list[str]:
    template, params = normalize(regex)[0]
    # A group that is a choice of words (the admin's app_label) gets its first word.
    choices = {m.group("name"): m.group("first") for m in _LITERAL_CHOICE_GROUP.finditer(regex)}
    candidates = (int_sample, *_REGEX_CANDIDATES)
    return [template % {p: choices.get(p, value) for p in params} for value in candidates]


def _piece_samples(pattern: Any, int_sample: str) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return [_route_sample(str(pattern), int_sample)]
    return _regex_samples(pattern.regex.pattern, int_sample)


def _walk(patterns, prefixes: list[str], namespace: str, int_sample: str = "1"):
    for entry in patterns:
        pieces = [prefix + sample for prefix in prefixes for sample in _piece_samples(entry.pattern, int_sample)]
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, pieces, ns, int_sample)
        elif isinstance(entry, URLPattern):
            yield entry, pieces, f"{namespace}{entry.name}" if entry.name else None


def endpoints(*, int_sample: int | str = 1) -> list[Endpoint]:
    """One Endpoint per URL pattern whose sample path resolves back to that pattern's view.
    Integer arguments get `int_sample` (the id of a row a test made), other arguments 'x'."""
    resolver = get_resolver()
    found: dict[str, Endpoint] = {}
    for pattern, candidates, name in _walk(resolver.url_patterns, [""], "", str(int_sample)):
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
        if len(set(candidates)) == 1 and "<" not in str(pattern.pattern) and not pattern.pattern.regex.groupindex:
            plain.append(name)
    names = set(filter(None, plain))
    return [e for e in endpoints() if e.name in names]
