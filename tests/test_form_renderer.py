"""The one form renderer (config/forms.py): every field drawn as its NHS.UK frontend component,
with its label, hint and error tied to the control; every form in Attend drawn through it; and no
template hand-writing a control beside it."""

from __future__ import annotations

import importlib
import pkgutil
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.forms.renderers import get_default_renderer
from django.template import Context, Template

from config.forms import NHSUKFormRenderer
from tests.test_architecture import LAYERS, ROOT


class _Element:
    def __init__(self, tag: str, attrs: dict[str, str], parents: list[_Element]) -> None:
        self.tag, self.attrs, self.parents, self.text = tag, attrs, list(parents), ""

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def inside(self, css: str) -> bool:
        return any(css in parent.classes for parent in self.parents)


class _Page(HTMLParser):
    """The elements of an HTML fragment, each with its attributes, its text and its ancestors."""

    VOID = {"input", "br", "img", "hr", "meta", "link"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[_Element] = []
        self._open: list[_Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = _Element(tag, {name: value or "" for name, value in attrs}, self._open)
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def find(self, tag: str | None = None, **attrs: str) -> list[_Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> _Element:
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def with_class(self, css: str) -> list[_Element]:
        return [e for e in self.elements if css in e.classes]

    def controls(self) -> list[_Element]:
        """Every control a person fills in (not hidden fields, not buttons)."""
        return [
            e
            for e in self.elements
            if e.tag in ("select", "textarea")
            or (e.tag == "input" and e.attrs.get("type", "text") not in ("hidden", "submit", "button", "reset"))
        ]


class EveryKind(forms.Form):
    name = forms.CharField(
        label="Your name",
        help_text="As on your badge.",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20"}),
    )
    email = forms.EmailField(label="Email", required=False)
    phone = forms.CharField(label="Phone", required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    count = forms.IntegerField(label="How many", required=False)
    day = forms.DateField(label="Day", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    query = forms.CharField(label="Search", required=False, widget=forms.TextInput(attrs={"type": "search"}))
    secret = forms.CharField(label="Password", required=False, widget=forms.PasswordInput)
    site = forms.ChoiceField(label="Site", choices=[("", "Choose a site"), ("RX1", "North"), ("RX2", "South")])
    notes = forms.CharField(label="Notes", required=False, min_length=2, widget=forms.Textarea(attrs={"rows": 3}))
    result = forms.ChoiceField(
        label="What happened?",
        help_text="Choose one.",
        choices=[("reached", "Reached"), ("no_answer", "No answer")],
        widget=forms.RadioSelect(attrs={"class": "nhsuk-radios--inline"}),
    )
    needs = forms.MultipleChoiceField(
        label="Needs",
        required=False,
        choices=[("large", "Large print"), ("easy", "Easy read")],
        widget=forms.CheckboxSelectMultiple,
    )
    agree = forms.BooleanField(label="Do not call again", help_text="Texts go on.", required=False)
    extract = forms.FileField(label="Extract file", required=False)
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Something about the whole form.")


def _group_of(page: _Page, element: _Element) -> _Element:
    groups = [p for p in element.parents if "nhsuk-form-group" in p.classes]
    assert groups, f"<{element.tag} id={element.attrs.get('id')}> is in no nhsuk-form-group"
    return groups[-1]


def test_attend_draws_every_form_with_the_nhsuk_renderer():
    assert isinstance(get_default_renderer(), NHSUKFormRenderer)
    assert isinstance(EveryKind()["name"], NHSUKFormRenderer.bound_field_class)


@pytest.mark.parametrize(
    "name, kind",
    [("name", "text"), ("email", "email"), ("phone", "tel"), ("count", "number"), ("day", "date"),
     ("query", "search"), ("secret", "password"), ("extract", "file")],
)  # fmt: skip
def test_an_input_is_an_nhsuk_input_with_its_label(name, kind):
    page = _Page(EveryKind()[name].as_field_group())
    control = page.one("input", type=kind)
    assert "nhsuk-input" in control.classes
    label = page.one("label")
    assert label.attrs["for"] == control.attrs["id"] == f"id_{name}" and "nhsuk-label" in label.classes
    assert not page.with_class("nhsuk-form-group--error") and not page.with_class("nhsuk-error-message")


def test_a_hint_comes_from_help_text_and_describes_the_control_and_a_width_class_is_kept():
    page = _Page(EveryKind()["name"].as_field_group())
    hint = page.one("div", id="id_name-hint")
    assert "nhsuk-hint" in hint.classes and hint.text.strip() == "As on your badge."
    control = page.one("input", name="name")
    assert control.attrs["aria-describedby"] == "id_name-hint"
    assert {"nhsuk-input", "nhsuk-input--width-20"} <= control.classes


def test_a_field_in_error_has_the_error_group_message_and_control_class_all_tied_together():
    form = EveryKind({"site": "", "result": ""})
    assert not form.is_valid()
    page = _Page(form["name"].as_field_group())
    assert _group_of(page, page.one("input", name="name")).classes >= {"nhsuk-form-group", "nhsuk-form-group--error"}
    message = page.one("span", id="id_name-error")
    assert "nhsuk-error-message" in message.classes and "This field is required." in message.text
    assert "Error:" in page.with_class("nhsuk-u-visually-hidden")[0].text
    control = page.one("input", name="name")
    assert "nhsuk-input--error" in control.classes
    assert control.attrs["aria-describedby"].split() == ["id_name-hint", "id_name-error"]


def test_a_select_and_a_textarea_are_nhsuk_controls_with_error_classes():
    form = EveryKind({"notes": "x"})
    form.is_valid()
    select_page = _Page(form["site"].as_field_group())
    select = select_page.one("select", name="site")
    assert {"nhsuk-select", "nhsuk-select--error"} <= select.classes
    assert select_page.one("label").attrs["for"] == select.attrs["id"] == "id_site"
    assert [o.attrs["value"] for o in select_page.find("option")] == ["", "RX1", "RX2"]
    textarea_page = _Page(form["notes"].as_field_group())
    textarea = textarea_page.one("textarea", name="notes")
    assert {"nhsuk-textarea", "nhsuk-textarea--error"} <= textarea.classes and textarea.attrs["rows"] == "3"
    assert textarea_page.one("label").attrs["for"] == "id_notes"


def test_radios_are_a_fieldset_with_a_legend_hint_and_error_and_a_label_for_each_choice():
    form = EveryKind({"result": ""})
    form.is_valid()
    page = _Page(form["result"].as_field_group())
    fieldset = page.one("fieldset")
    assert "nhsuk-fieldset" in fieldset.classes
    assert fieldset.attrs["aria-describedby"].split() == ["id_result-hint", "id_result-error"]
    assert page.one("legend").text.strip() == "What happened?"
    assert page.with_class("nhsuk-radios")[0].classes >= {"nhsuk-radios", "nhsuk-radios--inline"}
    radios = page.find("input", type="radio")
    assert [r.attrs["id"] for r in radios] == ["id_result_0", "id_result_1"]
    assert all("nhsuk-radios__input" in r.classes and r.inside("nhsuk-radios__item") for r in radios)
    labels = {label.attrs["for"]: label.text.strip() for label in page.find("label")}
    assert labels == {"id_result_0": "Reached", "id_result_1": "No answer"}
    assert "nhsuk-form-group--error" in _group_of(page, radios[0]).classes


def test_checkboxes_keep_what_was_ticked_and_a_yes_no_field_is_one_checkbox_with_its_hint():
    form = EveryKind({"needs": ["easy"], "agree": "on"})
    page = _Page(form["needs"].as_field_group())
    assert page.one("legend").text.strip() == "Needs" and page.with_class("nhsuk-checkboxes")
    boxes = page.find("input", type="checkbox")
    assert [(b.attrs["value"], "checked" in b.attrs) for b in boxes] == [("large", False), ("easy", True)]
    assert all("nhsuk-checkboxes__input" in b.classes for b in boxes)
    single = _Page(form["agree"].as_field_group())
    box = single.one("input", type="checkbox")
    assert "nhsuk-checkboxes__input" in box.classes and "checked" in box.attrs
    assert single.one("label").attrs["for"] == box.attrs["id"] == "id_agree"
    hint = single.one("div", id="id_agree-hint")
    assert {"nhsuk-hint", "nhsuk-checkboxes__hint"} <= hint.classes and box.attrs["aria-describedby"] == "id_agree-hint"


def test_a_hidden_field_is_drawn_bare_and_the_whole_form_draws_every_field_once():
    page = _Page(EveryKind().render())
    hidden = page.one("input", type="hidden")
    assert not any("nhsuk-form-group" in p.classes for p in hidden.parents)
    assert len(page.with_class("nhsuk-form-group")) == len(EveryKind().visible_fields())


def test_the_error_summary_links_each_error_to_its_control():
    form = EveryKind({"site": ""})
    form.is_valid()
    html = Template("{% load nhsuk_forms %}{% nhsuk_error_summary form message=problem %}").render(
        Context({"form": form, "problem": "The call was taken by someone else."})
    )
    page = _Page(html)
    summary = page.with_class("nhsuk-error-summary")[0]
    assert summary.attrs["role"] == "alert" and page.one("h2").text.strip() == "There is a problem"
    items = [(li.text.strip(), [a.attrs["href"] for a in page.elements if a.tag == "a" and li in a.parents])
             for li in page.find("li")]  # fmt: skip
    assert items == [
        ("The call was taken by someone else.", []),
        ("Something about the whole form.", ["#id_name"]),  # about the whole form: its first field
        ("This field is required.", ["#id_name"]),
        ("This field is required.", ["#id_site"]),
        ("This field is required.", ["#id_result_0"]),  # radios: the first choice
    ]
    assert (
        Template("{% load nhsuk_forms %}{% nhsuk_error_summary form %}").render(Context({"form": EveryKind()})).strip()
        == ""
    )  # nothing to say before the form is sent


def test_the_admin_keeps_its_own_look_a_bare_widget_has_no_nhsuk_class():
    form = EveryKind()
    assert "nhsuk" not in str(form["email"]) + str(form["site"]) + str(form["notes"])


# --- Every form in Attend, drawn through the renderer ------------------------------------------

# Forms the Django admin draws in its own look (the renderer's field groups are never used there).
ADMIN_DRAWN = {"reminders.admin.MessageTemplateForm"}


def _project_forms() -> list[type[forms.BaseForm]]:
    for app in LAYERS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    found, stack = [], [forms.BaseForm]
    while stack:
        for subclass in stack.pop().__subclasses__():
            stack.append(subclass)
            if (
                subclass.__module__.split(".")[0] in LAYERS
                and f"{subclass.__module__}.{subclass.__qualname__}" not in ADMIN_DRAWN
            ):
                found.append(subclass)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


# Forms only ever drawn (the view reads the choice itself), never bound to what was sent.
DRAWN_ONLY = {"letters.forms.BatchDayForm", "hub.forms.SpecialtyChoiceForm", "hub.forms.PilotChoiceForm"}


def _arguments() -> dict[str, dict]:
    """What each form that needs more than its data is given (a new such form must be added here)."""
    from patients.models import Patient

    return {
        "calls.forms.AttemptForm": {"patient": Patient(preferred_language="en")},
        "calls.forms.ReassignForm": {"handlers": get_user_model().objects.none()},
        "targets.forms.TrajectoryForm": {"may_name_owner": True},
        "targets.forms.NewTargetForm": {"may_name_owner": True},
        "letters.forms.BatchDayForm": {"day": None},
        "hub.forms.SpecialtyChoiceForm": {"specialties": ["110", "120"], "chosen": "110"},
        "hub.forms.PilotChoiceForm": {"pilots": ["Reminder calls"], "chosen": None},
        "safeguarding.forms.ReviewNoteForm": {"entry_id": 7},
    }


def _build(cls: type[forms.BaseForm], *, data: dict | None) -> forms.BaseForm:
    name = f"{cls.__module__}.{cls.__qualname__}"
    kwargs = _arguments().get(name, {})
    if data is None or name in DRAWN_ONLY:
        return cls(**kwargs)
    return cls(data, **kwargs)


def test_the_walk_finds_attends_forms():
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in _project_forms()}
    assert {"calls.forms.AttemptForm", "accounts.forms.PasswordLoginForm", "appointments.admin.ImportUploadForm",
            "reports.forms.ReportFilterForm", "targets.boardpack.BoardPackMonthForm"} <= names  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [False, True], ids=["blank", "sent-empty"])
def test_every_form_in_attend_draws_each_control_as_an_nhsuk_control_with_its_label(sent):
    for cls in _project_forms():
        form = _build(cls, data={} if sent else None)
        if sent:
            form.is_valid()
        page = _Page(form.render())
        controls = page.controls()
        assert controls, f"{cls.__qualname__} drew no control"
        labels = {label.attrs.get("for") for label in page.find("label")}
        for control in controls:
            where = f"{cls.__qualname__}: <{control.tag} name={control.attrs.get('name')}>"
            assert any(css.startswith("nhsuk-") for css in control.classes), f"{where} has no NHS.UK class"
            assert control.attrs.get("id") in labels, f"{where} has no label tied to it by for/id"
            assert control.inside("nhsuk-form-group"), f"{where} is in no NHS.UK form group"
        for message in page.with_class("nhsuk-error-message"):
            assert message.inside("nhsuk-form-group--error"), f"{cls.__qualname__}: an error outside its field's group"
        if sent and form.errors:
            assert page.with_class("nhsuk-form-group--error"), f"{cls.__qualname__}: errors not shown at their fields"


# --- No control hand-written beside the renderer -----------------------------------------------

RENDERER_TEMPLATES = ROOT / "config" / "templates" / "nhsuk" / "forms"
# Hidden fields and buttons carry no label or hint: a template may write those itself.
NOT_A_CONTROL = re.compile(r"""\btype\s*=\s*["']?(hidden|submit|button|reset)\b""", re.I)
CONTROL_TAG = re.compile(r"<(input|select|textarea)\b[^>]*>", re.I | re.S)


def _project_templates() -> list[Path]:
    roots = [ROOT / "templates", *(ROOT / app / "templates" for app in (*LAYERS, "config"))]
    return sorted(
        p for root in roots if root.exists() for p in root.rglob("*.html") if RENDERER_TEMPLATES not in p.parents
    )


def test_no_template_hand_writes_a_form_control_the_renderer_should_draw():
    assert len(_project_templates()) > 30
    offenders = [
        f"{path.relative_to(ROOT)}: {tag.group(0)[:90]}"
        for path in _project_templates()
        for tag in CONTROL_TAG.finditer(path.read_text())
        if not NOT_A_CONTROL.search(tag.group(0))
    ]
    assert offenders == [], "draw these through the form renderer (config/forms.py):\n" + "\n".join(offenders)


# Pages whose forms are never shown back with errors: nothing to get wrong (search, a day), or a
# refused post goes back to the page with a message (capacity, reassign, a safeguarding note).
NEVER_SHOWN_WITH_ERRORS = {
    "calls/templates/calls/search.html",
    "calls/templates/calls/team_start.html",
    "letters/templates/letters/print_batch.html",
    "safeguarding/templates/safeguarding/safeguarding_list.html",
}
DRAWS_FIELDS = re.compile(r"\.as_field_group\b|\{\{\s*\w*form\s*\}\}")


def test_every_page_that_draws_a_form_shows_its_errors_in_the_error_summary():
    drawing = {str(path.relative_to(ROOT)): path.read_text() for path in _project_templates()}
    drawing = {name: text for name, text in drawing.items() if DRAWS_FIELDS.search(text)}
    assert "calls/templates/calls/call_card.html" in drawing
    missing = sorted(
        name
        for name, text in drawing.items()
        if "nhsuk_error_summary" not in text and "hub/_period_form.html" not in text
        and name not in NEVER_SHOWN_WITH_ERRORS
    )  # fmt: skip
    assert missing == [], f"add {{% nhsuk_error_summary form %}} to: {missing}"


def test_the_renderer_templates_are_the_only_ones_left_drawing_nhsuk_controls():
    assert (RENDERER_TEMPLATES / "field.html").exists()
    assert not (ROOT / "templates" / "includes" / "radios.html").exists()
    assert not (ROOT / "templates" / "includes" / "checkboxes.html").exists()
