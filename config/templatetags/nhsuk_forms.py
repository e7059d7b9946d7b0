"""`{% nhsuk_error_summary form [form ...] [message=...] %}`: the NHS.UK error summary (config/forms.py)."""

from __future__ import annotations

from django import template
from django.forms import BaseForm

register = template.Library()


def _href(bound_field) -> str:
    control = getattr(bound_field, "control_id", None) or bound_field.id_for_label or bound_field.auto_id
    return f"#{control}" if control else ""


def summary_items(*forms: BaseForm | None, message: str = "") -> list[dict[str, str]]:
    """Each problem on the page, in the page's order: a message of the view's own (`message`, with no
    link), then each form's errors: those about the whole form link to its first field, the rest to
    their own control."""
    items = [{"message": message, "href": ""}] if message else []
    for form in forms:
        if form is None or not form.is_bound or not form.errors:
            continue
        visible = form.visible_fields()
        first = _href(visible[0]) if visible else ""
        items += [{"message": error, "href": first} for error in form.non_field_errors()]
        for bound_field in visible:
            items += [{"message": error, "href": _href(bound_field)} for error in bound_field.errors]
    return items


@register.inclusion_tag("nhsuk/forms/error_summary.html")
def nhsuk_error_summary(*forms: BaseForm | None, message: str = "") -> dict:
    return {"items": summary_items(*forms, message=message)}
