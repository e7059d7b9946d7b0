"""The clinical safety case stays true: every control in the hazard log names tests that exist
(or says honestly that it is planned), and the rendered log is the YAML's rendering.

Test ids are checked by reading the named files for the named functions (pytest's own
collection of the whole suite would take minutes and start browsers), so a renamed or deleted
test fails here with the hazard that relied on it.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "clinical-safety"
LOG = yaml.safe_load((DOCS / "hazard-log.yaml").read_text(encoding="utf-8"))
HAZARDS = LOG["hazards"]
NODE_ID = re.compile(r"^(tests/[\w/]+\.py)::(\w+)(?:::(\w+))?$")


@cache
def _tests_in(path: str) -> frozenset[str]:
    """'name' for module-level test functions and 'Class::name' for methods of test classes."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            found |= {f"{node.name}::{item.name}" for item in node.body if isinstance(item, ast.FunctionDef)}
    return frozenset(found)


def missing_test(node_id: str) -> str:
    """Why `node_id` names no test, or "" when it does."""
    match = NODE_ID.match(node_id)
    if not match:
        return "is not a pytest node id of the form tests/…/test_x.py::test_name"
    path, first, second = match.groups()
    if not (ROOT / path).is_file():
        return f"{path} does not exist"
    name = f"{first}::{second}" if second else first
    return "" if name in _tests_in(path) else f"{path} has no test {name}"


def test_a_node_id_that_names_no_test_is_caught():
    assert missing_test("tests/test_clinical_safety_docs.py::test_a_node_id_that_names_no_test_is_caught") == ""
    assert "has no test" in missing_test("tests/test_clinical_safety_docs.py::test_that_was_renamed")
    assert "does not exist" in missing_test("tests/nowhere/test_gone.py::test_x")
    assert "is not a pytest node id" in missing_test("test_x")


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda hazard: hazard["id"])
def test_every_control_of_every_hazard_names_tests_that_exist(hazard):
    wrong = [
        f"{hazard['id']} control {number}: {node_id} {reason}"
        for number, control in enumerate(hazard["controls"], start=1)
        for node_id in control.get("tests", [])
        if (reason := missing_test(node_id))
    ]
    assert wrong == []


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda hazard: hazard["id"])
def test_every_hazard_has_its_cause_controls_and_residual_risk_and_each_control_is_tested_or_planned(hazard):
    assert hazard["causes"] and hazard["controls"] and hazard["effect"]
    for control in hazard["controls"]:
        assert bool(control.get("tests")) != bool(control.get("planned")), control["description"]
    for stage in ("initial", "residual"):
        assert 1 <= hazard[stage]["rating"] <= 5
    assert hazard["residual"]["rating"] <= hazard["initial"]["rating"]


def test_a_hazard_left_at_an_unacceptable_residual_risk_says_so():
    for hazard in HAZARDS:
        if hazard["residual"]["rating"] >= 4:
            assert "NOT ACCEPTABLE FOR GO-LIVE" in hazard.get("residual_note", ""), hazard["id"]


def test_hazard_ids_are_unique():
    ids = [hazard["id"] for hazard in HAZARDS]
    assert len(ids) == len(set(ids))


def test_the_rendered_hazard_log_is_the_yamls_rendering():
    spec = importlib.util.spec_from_file_location("render_hazard_log", DOCS / "render_hazard_log.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rendered = (DOCS / "hazard-log.md").read_text(encoding="utf-8")
    assert rendered == module.render(LOG), "run: python docs/clinical-safety/render_hazard_log.py"


def test_the_safety_case_report_accounts_for_every_hazard_in_the_log():
    text = (DOCS / "safety-case-report.md").read_text(encoding="utf-8")
    assert [hazard["id"] for hazard in HAZARDS if hazard["id"] not in text] == []
