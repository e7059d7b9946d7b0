"""The hub holds no patient table and no patient-level field can reach it."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

from hub.models import TrustFigure
from hub.validation import schema

ROOT = Path(__file__).resolve().parents[2]
# Names a patient-level field would go by (DESIGN.md's Patient and the extract's columns).
PATIENT_IDENTIFIERS = (
    "patient",
    "nhs_number",
    "hospital_number",
    "local_number",
    "date_of_birth",
    "birth",
    "dob",
    "postcode",
    "lsoa",
    "phone",
    "mobile",
    "landline",
    "email",
    "address",
    "given_name",
    "family_name",
    "surname",
    "appointment",
    "contact",
    "death",
)
PATIENT_APPS = {"patients", "appointments", "risk", "pilots", "reminders", "calls", "safeguarding"}


def test_no_hub_model_has_a_field_named_like_a_patient_identifier():
    fields = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("hub").get_models()
        for field in model._meta.get_fields()
    ]
    named = [f for f in fields if any(word in f.split(".")[1].lower() for word in PATIENT_IDENTIFIERS)]
    assert fields and named == []


def test_no_hub_model_relates_to_a_table_outside_the_hub():
    related = {
        f"{model.__name__}.{field.name}": field.related_model._meta.label
        for model in apps.get_app_config("hub").get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.related_model is not None
    }
    outside = {k: v for k, v in related.items() if not v.startswith("hub.")}
    assert outside == {}


def test_the_hub_imports_no_model_of_an_app_that_holds_patients():
    imported = set()
    for path in (ROOT / "hub").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert sorted(m for m in imported if m.split(".")[0] in PATIENT_APPS) == []


def test_a_figure_row_holds_only_the_schemas_dimensions_and_counts():
    row_keys = set(schema()["$defs"]["row"]["properties"])
    stored = {f.name for f in TrustFigure._meta.get_fields()} - {"id", "file", "trust", "table"}
    assert stored == row_keys


@pytest.mark.django_db
def test_loading_refuses_any_row_key_the_schema_does_not_allow(members):
    from hub.models import FileStatus
    from hub.services import aggregate_file_load
    from tests.hub.files import aggregate_file, as_bytes, changed

    for key, value in (
        ("nhs_number", "9434765919"),
        ("patient_id", "H123"),
        ("postcode", "LS1 4AP"),
        ("date_of_birth", "1980-01-01"),
        ("appointment_id", "A1"),
    ):
        document = aggregate_file()
        document["tables"][0]["rows"][3][key] = value
        result = aggregate_file_load(content=as_bytes(changed(document)), sender="test")
        assert result.received_file.status == FileStatus.REFUSED, key
        assert key in result.received_file.reason
    document = aggregate_file()
    document["trust"]["patients"] = [{"nhs_number": "9434765919"}]
    result = aggregate_file_load(content=as_bytes(changed(document)), sender="test")
    assert result.received_file.status == FileStatus.REFUSED and "patients" in result.received_file.reason
