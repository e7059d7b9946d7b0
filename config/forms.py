"""Attend's form renderer: every Django form field drawn as an NHS.UK frontend form group.

FORM_RENDERER (config/settings/base.py) is `NHSUKFormRenderer`, so in any template
`{{ form.name.as_field_group }}` (or `{{ form }}` for the whole form) gives the NHS.UK markup
(https://service-manual.nhs.uk/design-system/components): the label (`nhsuk-label`), the hint
from `help_text` (`nhsuk-hint`), the error message (`nhsuk-error-message`, the group marked
`nhsuk-form-group--error`, the control `--error`), each tied to the control by
`aria-describedby`, and the control per widget: `nhsuk-input` (text, email, tel, number, date,
month, search, password, file), `nhsuk-select`, `nhsuk-textarea`, `nhsuk-radios` and
`nhsuk-checkboxes` (in a fieldset with a legend), and a single checkbox for a BooleanField.
`{% nhsuk_error_summary form %}` (config/templatetags/nhsuk_forms.py) draws the error summary.

A form says how a field looks through the widget's attrs and the field:
- `attrs={"class": "nhsuk-input--width-10"}` adds width (or other) classes to the control; on
  radios and checkboxes (one or many) the classes go on the group (`nhsuk-radios--inline`,
  `nhsuk-checkboxes--small`);
- `attrs={"id": "q"}` gives the control an id of its own (hint and error ids follow it);
- `field.label_class = "nhsuk-label--s"` (or `nhsuk-u-visually-hidden`) styles the label or legend;
- `DatalistInput(options=[...])` is an NHS.UK text input with a list to choose from as you type
  (`<input list>` and its `<datalist>`, no script): the field maps what was typed back to a value.

The Django admin keeps its own look: it never renders a field group, and `{{ field }}` still
renders the bare widget.
"""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

# The widget kinds the field template draws, and each kind's control class and error modifier.
CONTROL_CLASSES = {
    "input": ("nhsuk-input", "nhsuk-input--error"),
    "file": ("nhsuk-input", "nhsuk-input--error"),
    "select": ("nhsuk-select", "nhsuk-select--error"),
    "textarea": ("nhsuk-textarea", "nhsuk-textarea--error"),
    "checkbox": ("nhsuk-checkboxes__input", ""),
}


def widget_kind(widget: forms.Widget) -> str:
    """Which NHS.UK component draws this widget: radios, checkboxes, checkbox (one, for a yes/no
    field), select, textarea, file, hidden or input (every other <input>)."""
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):  # a subclass of RadioSelect
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):  # and SelectMultiple, NullBooleanSelect
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


class DatalistInput(forms.TextInput):
    """A text box that offers its options as the person types (the browser filters them): a long
    list searchable by name. The list's id is the control's id with `-list`."""

    template_name = "nhsuk/forms/widgets/datalist.html"

    def __init__(self, attrs: dict | None = None, options: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__({"autocomplete": "off", **(attrs or {})})
        self.options = list(options)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id') or name}-list"
        context["widget"]["attrs"]["list"] = list_id
        context["widget"]["list_id"] = list_id
        context["widget"]["options"] = self.options
        return context


class NHSUKBoundField(BoundField):
    """A bound field that knows its NHS.UK component, ids and classes (the field template reads them)."""

    @cached_property
    def kind(self) -> str:
        return widget_kind(self.field.widget)

    @property
    def uses_fieldset(self) -> bool:
        return self.kind in ("radios", "checkboxes")

    @property
    def control_id(self) -> str:
        """The control's id (the first option's for radios and checkboxes: where a label or link points)."""
        own = self.field.widget.attrs.get("id") or self.auto_id
        if self.uses_fieldset and own:
            return f"{own}_0"
        return own

    @property
    def _id_stem(self) -> str:
        return self.field.widget.attrs.get("id") or self.auto_id or self.html_name

    @property
    def hint_id(self) -> str:
        return f"{self._id_stem}-hint" if self.help_text else ""

    @property
    def error_id(self) -> str:
        return f"{self._id_stem}-error" if self.errors else ""

    @property
    def describedby(self) -> str:
        return " ".join(part for part in (self.hint_id, self.error_id) if part)

    @property
    def label_class(self) -> str:
        return getattr(self.field, "label_class", "")

    @property
    def group_class(self) -> str:
        """The classes a form gave the widget: on radios and checkboxes (one or many) they style the group."""
        return self.field.widget.attrs.get("class", "")

    @property
    def options(self) -> list:
        """Each radio or checkbox: its id, value, label and whether it is chosen."""
        return [
            {
                "id": option.id_for_label,
                "value": "" if option.data["value"] is None else str(option.data["value"]),
                "label": option.choice_label,
                "checked": option.data["selected"],
            }
            for option in self.subwidgets
        ]

    @property
    def control(self) -> SafeString:
        """The widget drawn with its NHS.UK class (and the form's own classes), error class and
        aria-describedby; radios and checkboxes are drawn by the field template itself."""
        base, error = CONTROL_CLASSES[self.kind]
        own = "" if self.kind == "checkbox" else self.field.widget.attrs.get("class", "")  # a checkbox's: its group's
        classes = [base, error if self.errors else "", own]
        attrs = {"class": " ".join(c for c in classes if c)}
        if self.describedby:
            attrs["aria-describedby"] = self.describedby
        return self.as_widget(attrs=attrs)


class NHSUKFormRenderer(DjangoTemplates):
    """Django's template renderer with NHS.UK field groups (templates in config/templates/nhsuk/forms/)."""

    form_template_name = "nhsuk/forms/form.html"
    field_template_name = "nhsuk/forms/field.html"
    bound_field_class = NHSUKBoundField
