"""Admin pieces shared by the apps, and the admin site's one site-wide rule.

No admin page may walk an unbounded number of rows to build a delete confirmation: on a
trust's 1.35M appointments the page for one site ran past gunicorn's 30 s timeout. So:

- the bulk "Delete selected" action is off for every model ("select all N" would hand the
  whole table to Django's deletion collector, and the page lists every row it finds);
- reference data (sites, clinics, specialties, risk models, pilots, teams, staff logins)
  uses `DeleteUnreferencedOnlyMixin`: a row that anything refers to is not deleted from
  the admin (checked with one EXISTS query per relation), and is deactivated instead where
  the model has a flag for it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

admin.site.disable_action("delete_selected")


def referenced_by(obj: models.Model) -> list[str]:
    """The kinds of row (verbose plural names) that refer to `obj`: the relations Django's
    deletion collector would walk, each asked with one EXISTS query. Not counted: the row's
    own many-to-many links (a user's groups) and a one-to-one extension deleted with it
    (a user's staff profile or API token)."""
    own_links = {field.remote_field.through for field in obj._meta.many_to_many}
    found = []
    for relation in obj._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_one or relation.one_to_many)):
            continue
        related_model = relation.related_model
        if related_model in own_links or (relation.one_to_one and relation.on_delete is models.CASCADE):
            continue
        if related_model._base_manager.filter(**{relation.field.name: obj}).exists():
            opts = related_model._meta
            if opts.auto_created:  # a many-to-many link table: name the model that declares the link
                opts = next(f.related_model for f in opts.fields if f.related_model not in (None, type(obj)))._meta
            found.append(str(opts.verbose_name_plural))
    return found


class DeleteUnreferencedOnlyMixin:
    """Put first in the bases of a ModelAdmin over reference data. A row nothing refers to
    can still be deleted; a referenced row's delete link is hidden and its delete page
    sends the admin back to the row with a message saying what refers to it and, from
    `instead_of_deleting`, what to do instead."""

    instead_of_deleting = ""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed and (obj is None or not referenced_by(obj))

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        references = referenced_by(obj) if obj is not None else []
        if references and super().has_delete_permission(request, obj):  # type: ignore[misc]
            opts = obj._meta
            self.message_user(  # type: ignore[attr-defined]
                request,
                f"{opts.verbose_name.capitalize()} “{obj}” cannot be deleted: {', '.join(references)} "
                f"refer to it. {self.instead_of_deleting}".strip(),
                level=messages.ERROR,
            )
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are written by Attend itself and must not be edited by hand
    (audit events, allocations, import runs, sent messages): admins read them only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
