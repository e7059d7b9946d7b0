"""Render hazard-log.yaml as hazard-log.md (run from the repository root):

    python docs/clinical-safety/render_hazard_log.py

The YAML is the source; the Markdown is what a Clinical Safety Officer reads and signs.
tests/test_clinical_safety_docs.py fails when the Markdown is not the YAML's rendering.
"""

from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SOURCE, TARGET = HERE / "hazard-log.yaml", HERE / "hazard-log.md"


def _rating(rating: dict) -> str:
    return f"{rating['rating']} ({rating['severity']} severity, {rating['likelihood']} likelihood)"


def render(log: dict) -> str:
    lines = [
        f"# {log['product']} hazard log ({log['standard']})",
        "",
        "Rendered from `hazard-log.yaml` by `render_hazard_log.py`; edit the YAML, not this file.",
        "Each control names the tests that prove it (run them with `pytest NODE_ID`), or says",
        "honestly that it is planned. Ratings: 1 acceptable … 5 unacceptable (DCB0129 matrix).",
        "",
        "| id | hazard | initial | residual | controls planned |",
        "| --- | --- | --- | --- | --- |",
    ]
    for hazard in log["hazards"]:
        planned = sum(1 for control in hazard["controls"] if "planned" in control)
        lines.append(
            f"| [{hazard['id']}](#{hazard['id'].lower()}) | {hazard['title']} | {hazard['initial']['rating']} "
            f"| {hazard['residual']['rating']} | {planned or '—'} |"
        )
    for hazard in log["hazards"]:
        lines += ["", f"## {hazard['id']}", "", f"**{hazard['title']}**", "", f"Effect: {hazard['effect']}", ""]
        lines += ["Causes:", ""] + [f"- {cause}" for cause in hazard["causes"]] + ["", "Controls:", ""]
        for number, control in enumerate(hazard["controls"], start=1):
            if "planned" in control:
                lines.append(f"{number}. {control['description']} — **planned: {control['planned']}**")
            else:
                lines.append(f"{number}. {control['description']} Proved by:")
                lines += [f"   - `{test}`" for test in control["tests"]]
        lines += ["", f"Initial risk: {_rating(hazard['initial'])}.", f"Residual risk: {_rating(hazard['residual'])}."]
        if hazard.get("residual_note"):
            lines += ["", hazard["residual_note"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(yaml.safe_load(SOURCE.read_text(encoding="utf-8"))), encoding="utf-8")
