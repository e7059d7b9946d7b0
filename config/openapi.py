"""The API's error answers, documented once for every operation, and given as JSON everywhere.

Every endpoint can answer 401 (no or bad credentials), 403 (the role does not reach),
404 (no such object, or a path that matches no endpoint), 429 (throttled) and, where it
takes input, 400 (the input, field by field) and 415 (a body it cannot read). Views
declare their own success answers and any error with a meaning of its own (409, …); this
hook adds the common ones they leave out, so a client generated from the schema knows
every answer it can get, and schemathesis checks the answers against it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person to read."}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Field name → list of messages (nested for nested input); `detail` or "
    "`non_field_errors` for a problem with the request as a whole.",
    "additionalProperties": True,
}
COMMON = {
    "401": "Not signed in, or the token is not valid.",
    "403": "Your role does not allow this (or the login is locked out, or no credentials were sent).",
    "404": "No such object, or no such endpoint.",
    "429": "Too many requests: slow down and try again.",
}
WITH_INPUT = {"400": "The request's input is not valid: see the messages.", "415": "A body in a type not accepted."}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_name}}}}


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the common error answers each operation lacks."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
            for code, description in COMMON.items():
                responses.setdefault(code, _json("#/components/schemas/Error", description))
            if takes_input:
                responses.setdefault("400", _json("#/components/schemas/ValidationError", WITH_INPUT["400"]))
            if operation.get("requestBody"):
                responses.setdefault("415", _json("#/components/schemas/Error", WITH_INPUT["415"]))
    return result


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An unknown /api/ path answers JSON like every other API error; pages keep their page."""
    if _is_api(request):
        return JsonResponse({"detail": "No such endpoint."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Attend could not answer: the error has been logged."}, status=500)
    return defaults.server_error(request)
