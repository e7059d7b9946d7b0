"""Reading FHIR R4 resources: codings, identifiers and extensions, and references resolved inside a Bundle.

A reference is found as FHIR says it resolves in a Bundle: a `urn:uuid:` or absolute URL
against the entries' fullUrl; a relative one (`Patient/123`) against the referring entry's
server (its fullUrl less the type and id), then against the resources' type and id; `#id`
against the referring resource's contained resources.
"""

from __future__ import annotations

import re

TRAILING_REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


def first_code(concept: dict | None) -> str:
    for coding in (concept or {}).get("coding", []) or []:
        if coding.get("code"):
            return str(coding["code"])
    return ""


def codings(concepts: list | None) -> list[dict]:
    return [c for concept in concepts or [] for c in (concept or {}).get("coding", []) or []]


def identifier(resource: dict, systems: tuple[str, ...] | None = None, *, exclude: tuple[str, ...] = ()) -> str:
    for identifier in resource.get("identifier", []) or []:
        system = identifier.get("system", "")
        if (systems is None or system in systems) and system not in exclude and identifier.get("value"):
            return str(identifier["value"])
    return ""


def extension(resource: dict, url: str) -> dict:
    return next((e for e in resource.get("extension", []) or [] if e.get("url") == url), {})


class BundleIndex:
    """The Bundle's resources, found by fullUrl, by type and id, and by a fullUrl's server."""

    def __init__(self, entries: list[tuple[int, dict, dict]]) -> None:
        self.by_url: dict[str, dict] = {}
        self.by_type_id: dict[str, dict] = {}
        self.names: dict[int, str] = {}  # id(resource) → how a problem names it
        for _, entry, resource in entries:
            kind, rid, url = resource.get("resourceType"), resource.get("id"), entry.get("fullUrl")
            if isinstance(kind, str) and isinstance(rid, str | int) and str(rid):
                self.by_type_id.setdefault(f"{kind}/{rid}", resource)
                self.names[id(resource)] = f"{kind}/{rid}"
            if isinstance(url, str) and url:
                self.by_url.setdefault(url, resource)
                self.names.setdefault(id(resource), f"{kind} {url}")

    def name(self, resource: dict, fallback: str) -> str:
        return self.names.get(id(resource), fallback)

    def resolve(self, reference: str, *, base_url: str, contained: list) -> dict | None:
        if reference.startswith("#"):
            return next((r for r in contained if isinstance(r, dict) and r.get("id") == reference[1:]), None)
        if reference in self.by_url:
            return self.by_url[reference]
        if not reference.startswith(("urn:", "http:", "https:")):  # relative: against the entry's server
            server = TRAILING_REFERENCE.sub("", base_url) if base_url.startswith("http") else ""
            if server and f"{server}/{reference}" in self.by_url:
                return self.by_url[f"{server}/{reference}"]
        match = TRAILING_REFERENCE.search(reference)
        return self.by_type_id.get(f"{match[1]}/{match[2]}") if match else None
