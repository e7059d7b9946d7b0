"""The attacker, on the aggregate file: everything in it, solved for every suppressed row.

A hub analyst (or anyone the file reaches) writes down what the file says as integer linear
constraints, with the Attacker of tests/reports/test_disclosure_attack.py:

- each table lists every category of its last dimensions, so it adds up to its margins: a
  month's quintiles (and its deciles) to the month; a month's quintile's specialties, sites,
  age bands, sexes and ethnic groups to that quintile's row;
- two deciles make a quintile, and "no IMD" is the same in both tables;
- the pilot rows are a subset of the appointments: a quintile's arms in all pilots add up to
  at most its row (each appointment in one pilot at most);
- 0 <= DNAs <= happened; every published count is what it says.

For each withheld row with appointments in it, scipy.optimize.milp finds the least and greatest
happened, DNAs, attendances and cancellations consistent with all of that; a row pinned to one
value has been given away. The truth (the unsuppressed counts) must lie within the bounds.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import pytest
from django.core.management import call_command

from aggregates import disclosure
from aggregates.services import export_aggregates
from aggregates.tables import Counts, count_tables
from patients.deprivation.quintiles import imd_quintile
from pilots.models import Arm
from tests.aggregates.conftest import book
from tests.reports.factories import AllocationFactory, PilotFactory
from tests.reports.test_disclosure_attack import BIG, Attacker
from tests.support.factories import ClinicFactory, PatientFactory, SiteFactory, SpecialtyFactory

pytestmark = pytest.mark.django_db


def _cell(groups: dict) -> tuple:
    return tuple(sorted((name, "" if value is None else str(value)) for name, value in groups.items()))


def _measures(row: dict, kind: str) -> tuple:
    """Two Attackers: (happened, DNAs) and (cancelled, cancelled)."""
    if kind == "rates":
        return row["happened"], row["dnas"]
    return row["cancelled"], row["cancelled"]


def attacker_of(document: dict, kind: str) -> Attacker:
    attacker = Attacker()
    pilot_parts: dict[tuple, list[tuple]] = defaultdict(list)
    for table in document["tables"]:
        by = table["by"]
        margins: dict[tuple, dict[str, list[tuple]]] = defaultdict(lambda: defaultdict(list))
        for row in table["rows"]:
            groups = {name: row[name] for name in by}
            cell = _cell(groups)
            attacker.publish(cell, *_measures(row, kind))
            if "pilot" in by:
                quintile = _cell({"month": row["month"], "imd_quintile": row["imd_quintile"]})
                pilot_parts[quintile].append(cell)
            for dim in by:
                margins[dim][_cell({k: v for k, v in groups.items() if k != dim})].append(cell)
            if "imd_decile" in by:
                parent = {"month": row["month"], "imd_quintile": imd_quintile(row["imd_decile"])}
                margins["decile->quintile"][_cell(parent)].append(cell)
        if "pilot" in by:
            continue  # a pilot's own margins are published nowhere: nothing to learn from them
        for by_margin in margins.values():
            for margin, parts in by_margin.items():
                attacker.sums(margin, parts)
    for quintile, parts in pilot_parts.items():
        for measure in ("n", "d"):
            coefficients = {attacker.var((quintile, measure)): 1}
            for part in parts:
                coefficients[attacker.var((part, measure))] = -1
            attacker.rows.append((coefficients, 0, BIG))  # the arms add up to at most the quintile
    return attacker


def truth(date_from: date, date_to: date, kind: str) -> dict[tuple, tuple[int, int]]:
    out = {}
    for rows in count_tables(date_from=date_from, date_to=date_to).values():
        for row in rows:
            out[_cell(row.groups)] = (row.happened, row.dnas) if kind == "rates" else (row.cancelled, row.cancelled)
    return out


def by_month(document: dict) -> list[dict]:
    """The file, one month at a time: every sum the file implies lies within a month (a sum across
    months only adds margins published nowhere), so each month can be attacked on its own."""
    months = sorted({row["month"] for table in document["tables"] for row in table["rows"]})
    return [
        {**document, "tables": [{**table, "rows": [row for row in table["rows"] if row["month"] == month]}
                                for table in document["tables"]]}
        for month in months
    ]  # fmt: skip


def attack(document: dict) -> dict:
    period = date.fromisoformat(document["period"]["from"]), date.fromisoformat(document["period"]["to"])
    pinned, checked = [], 0
    for kind in ("rates", "cancellations"):
        real = truth(*period, kind)
        for month in by_month(document):
            attacker = attacker_of(month, kind)
            assert not attacker.conflicts
            for cell in sorted(attacker.withheld, key=repr):
                n, d = real[cell]
                if n == 0:
                    continue
                checked += 1
                objectives = {"n": ({(cell, "n"): 1}, n), "d": ({(cell, "d"): 1}, d),
                              "n-d": ({(cell, "n"): 1, (cell, "d"): -1}, n - d)}  # fmt: skip
                if kind == "cancellations":
                    objectives = {"cancelled": objectives["n"]}
                for measure, (objective, value) in objectives.items():
                    low, high = attacker.bounds(objective)
                    assert low - 1e-6 <= value <= high + 1e-6, f"{cell} {measure}: {value} outside [{low}, {high}]"
                    if abs(high - low) < 0.5:
                        pinned.append((cell, kind, measure, low))
    return {"checked": checked, "pinned": pinned}


@pytest.fixture
def leaky_trust(trust):
    """Small rows placed where subtraction would give them back without complementary suppression:

    - decile 3 in January: 3 DNAs (its quintile, deciles 3 + 4, is shown, and so is decile 4);
    - decile 9 in February: 2 cancellations (quintile 5 minus decile 10);
    - quintile 1 in March at specialty 502: 2 DNAs (quintile 1's row minus specialty 130's);
    - site RXX03 in February, 4 appointments in quintile 3 (the quintile's row minus the other sites);
    - a pilot's arms in quintile 2 (a subset of the appointments: bounded, never pinned).
    """
    eyes = ClinicFactory(code="EYES", site=SiteFactory(ods_code="RXX01"),
                         specialty=SpecialtyFactory(treatment_function_code="130"))  # fmt: skip
    women = ClinicFactory(code="GYN", site=SiteFactory(ods_code="RXX02"),
                          specialty=SpecialtyFactory(treatment_function_code="502"))  # fmt: skip
    annex = ClinicFactory(code="ANNEX", site=SiteFactory(ods_code="RXX03"), specialty=eyes.specialty)
    january, february, march = date(2025, 1, 14), date(2025, 2, 11), date(2025, 3, 11)
    made = defaultdict(list)
    for decile in (1, 2, 3, 4, 6, 9, 10, None):
        old = PatientFactory(imd_decile=decile, sex="F", ethnic_category="A", date_of_birth=date(1950, 1, 1))
        young = PatientFactory(imd_decile=decile, sex="M", ethnic_category="M", date_of_birth=date(2000, 1, 1))
        for day in (january, february, march):
            eyes_dnas, women_dnas, eyes_cancelled, women_cancelled = 9, 7, 6, 5
            if (decile, day) == (3, january):
                eyes_dnas, women_dnas = 1, 2
            if (decile, day) == (9, february):
                eyes_cancelled, women_cancelled = 0, 2
            if decile in (1, 2) and day == march:
                women_dnas = 1
            made[decile] += book(old, eyes, day, dnas=eyes_dnas, attended=30, cancelled=eyes_cancelled)
            made[decile] += book(young, women, day, dnas=women_dnas, attended=25, cancelled=women_cancelled)
    book(PatientFactory(imd_decile=6), annex, february, dnas=1, attended=3)
    pilot = PilotFactory(name="Phone support")
    for index, appointment in enumerate(a for a in made[4] if a.attendance_code != 2):
        dna = appointment.attendance_code == 3
        arm = Arm.INTERVENTION if (dna and index % 4 == 0) or (not dna and index % 2) else Arm.CONTROL
        AllocationFactory(pilot=pilot, appointment=appointment, arm=arm)


def _document(date_from=date(2025, 1, 1), date_to=date(2025, 3, 31)) -> dict:
    return json.loads(bytes(export_aggregates(date_from=date_from, date_to=date_to).content))


def test_no_suppressed_row_can_be_solved_for_from_the_whole_file(leaky_trust):
    document = _document()
    found = attack(document)
    print(f"\nhand-built: {document['disclosure']['suppressed_cells']} rows suppressed, {found['checked']} checked, "
          f"{len(found['pinned'])} pinned: {found['pinned'][:5]}")  # fmt: skip
    assert found["checked"] >= 10
    assert found["pinned"] == []


def test_the_attacker_recovers_small_rows_when_only_small_rows_are_suppressed(leaky_trust, monkeypatch):
    monkeypatch.setattr(
        disclosure, "withheld_cells_and_zeros", lambda sizes, groups, primary, measures: frozenset(primary)
    )
    pinned = {(cell, measure) for cell, _, measure, _ in attack(_document())["pinned"]}
    assert ((("imd_decile", "3"), ("month", "2025-01")), "d") in pinned
    assert ((("imd_decile", "9"), ("month", "2025-02")), "cancelled") in pinned
    assert ((("imd_quintile", "1"), ("month", "2025-03"), ("specialty", "502")), "d") in pinned
    assert ((("imd_quintile", "3"), ("month", "2025-02"), ("site", "RXX03")), "n") in pinned


@pytest.mark.slow
def test_no_suppressed_row_can_be_solved_for_in_the_demo_trusts_file(trust):
    call_command("seed_demo", "--patients", "1500", "--seed", "11", "--today", "2026-11-23")
    document = _document(date(2026, 8, 1), date(2026, 10, 31))
    found = attack(document)
    print(f"\ndemo: {document['disclosure']['suppressed_cells']} rows suppressed, {found['checked']} checked, "
          f"{len(found['pinned'])} pinned")  # fmt: skip
    assert found["pinned"] == []


def test_withheld_rows_that_hold_no_dnas_between_them_get_one_more_row_withheld():
    """Two small specialties with no DNAs at all: subtracting the shown ones from the quintile gives
    0 DNAs, so each would be known to have had none. One more specialty (the smallest with DNAs) goes."""
    month = {"month": "2025-02"}
    quintile = {**month, "imd_quintile": 3}
    rows = {
        ("month", "imd_quintile"): [Counts(quintile, 120, 20, 10)],
        ("month", "imd_decile"): [Counts({**month, "imd_decile": 5}, 60, 10, 5),
                                  Counts({**month, "imd_decile": 6}, 60, 10, 5)],
        ("month", "imd_quintile", "specialty"): [
            Counts({**quintile, "specialty": code}, happened, dnas, cancelled)
            for code, happened, dnas, cancelled in (("130", 50, 9, 5), ("502", 56, 11, 5), ("300", 6, 0, 0),
                                                    ("301", 8, 0, 0))
        ],
    }  # fmt: skip
    hidden = disclosure.withheld(rows)
    specialties = {dict(cell).get("specialty") for cell in hidden if "specialty" in dict(cell)}
    assert specialties == {"300", "301", "130"}
