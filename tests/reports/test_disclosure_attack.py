"""The attacker: everything a director can download for a period, solved for every suppressed cell.

A director logs in and downloads every table the dashboard offers as CSV (quintiles, deciles, the
gap, the gap by specialty and site, the gap and DNA rate over time), every table the API will give
them (DNA rates by each dimension and each pair of dimensions, the gap by each), and for each
pilot its arms and support CSVs and its evaluation. Each figure names a cell: appointments and
DNAs for a combination of dimension values. The attacker then writes down what it knows of how
cells add up, as integer linear constraints:

- every table listing all categories of a dimension adds up to the cell without that dimension
  (one-way tables to the grand total; a cross to each of its margins);
- two deciles make a quintile; a specialty or site is the sum of its clinics (clinics are public);
- a pilot arm's total (the "All" rows) is the sum of its strata;
- 0 <= DNAs <= appointments; support arranged <= accepted <= offered;
- every published count is what it says.

For each withheld cell with appointments in it, scipy.optimize.milp finds the least and greatest
appointments, DNAs and attendances consistent with all of that; a cell pinned to one value has
been given away. The truth (what an analyst downloads) must always lie within the bounds, which
checks the attacker's algebra.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from datetime import date

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from scipy import sparse
from scipy.optimize import LinearConstraint, milp

from appointments.models import Clinic
from pilots.models import Arm, Pilot
from reports import disclosure
from reports.selectors import DIMENSIONS
from reports.tables import FILTERED_TABLES, PILOT_TABLES
from tests.reports.conftest import at
from tests.reports.factories import AllocationFactory, PilotFactory
from tests.support.factories import (
    AppointmentFactory,
    ClinicFactory,
    PatientFactory,
    SiteFactory,
    SpecialtyFactory,
)

pytestmark = pytest.mark.django_db

DNA, ATTENDED = 3, 5
GAP_BY = ("specialty", "site", "clinic", "month")
BIG = 10**7
MEASURES = ("n", "d")  # appointments, DNAs (attendances are n - d)


def _key(value) -> str:
    return "" if value is None else str(value)


def cell_of(groups: dict) -> tuple:
    return tuple(sorted((name, _key(value)) for name, value in groups.items()))


def _count(value) -> int | None:
    if value in (None, ""):
        return None
    return int(float(value))


class Attacker:
    """Integer variables for cells' appointments and DNAs, the published values, and the sums."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.fixed: dict[int, int] = {}
        self.rows: list[tuple[dict[int, int], int, int]] = []  # ({var: coefficient}, lower, upper)
        self.withheld: set[tuple] = set()
        self.listings: dict[tuple[str, ...], set[tuple]] = defaultdict(set)  # full tables, by their dimensions
        self.conflicts: list[str] = []
        self._problem: tuple | None = None
        self.api_tables: list[tuple[str, ...]] = []

    def var(self, key: tuple) -> int:
        if key not in self.index:
            self.index[key] = len(self.index)
        return self.index[key]

    def publish(self, cell: tuple, n, d, *, listed_in: tuple[str, ...] | None = None) -> None:
        """A cell seen with its appointments and DNAs (None where blank)."""
        n_var, d_var = self.var((cell, "n")), self.var((cell, "d"))
        self.rows.append(({d_var: 1, n_var: -1}, -BIG, 0))  # DNAs <= appointments
        if listed_in is not None:
            self.listings[listed_in].add(cell)
        for var, value in ((n_var, _count(n)), (d_var, _count(d))):
            if value is None:
                self.withheld.add(cell)
            elif self.fixed.setdefault(var, value) != value:
                self.conflicts.append(f"{cell} published as {self.fixed[var]} and {value}")

    def count(self, key: tuple, value) -> None:
        """A plain count (support offered, accepted, arranged)."""
        value = _count(value)
        var = self.var(key)
        if value is None:
            self.withheld.add(key)
        else:
            self.fixed.setdefault(var, value)

    def less_or_equal(self, small: tuple, large: tuple) -> None:
        self.rows.append(({self.var(small): 1, self.var(large): -1}, -BIG, 0))

    def sums(self, total: tuple, parts: list[tuple]) -> None:
        for measure in MEASURES:
            coefficients = defaultdict(int)
            coefficients[self.var((total, measure))] += 1
            for part in parts:
                coefficients[self.var((part, measure))] -= 1
            self.rows.append((dict(coefficients), 0, 0))

    def problem(self) -> tuple:
        """Bounds and constraints, built once all figures are in."""
        if self._problem is None:
            size = len(self.index)
            lower, upper = np.zeros(size), np.full(size, float(BIG))
            for var, value in self.fixed.items():
                lower[var] = upper[var] = value
            entries = [(i, var, coefficient) for i, (coefficients, _, _) in enumerate(self.rows)
                       for var, coefficient in coefficients.items()]  # fmt: skip
            rows, cols, values = zip(*entries, strict=True)
            matrix = sparse.csr_array((values, (rows, cols)), shape=(len(self.rows), size))
            lows = np.array([low for _, low, _ in self.rows], dtype=float)
            highs = np.array([high for _, _, high in self.rows], dtype=float)
            self._problem = (size, (lower, upper), [LinearConstraint(matrix, lows, highs)])
        return self._problem

    def bounds(self, objective: dict[tuple, int]) -> tuple[float, float]:
        """The least and greatest value of a sum of cells consistent with everything published."""
        size, bounds, constraints = self.problem()
        c = np.zeros(size)
        for key, coefficient in objective.items():
            c[self.index[key]] = coefficient
        found = []
        for sign in (1, -1):
            result = milp(sign * c, integrality=np.ones(size), bounds=bounds, constraints=constraints)
            assert result.status == 0, f"the published figures have no consistent solution: {result.message}"
            found.append(sign * result.fun)
        return found[0], found[1]


def _csv(client, url, params=None) -> list[dict]:
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _gap_cells(attacker: Attacker, row: dict, groups: dict) -> None:
    for quintile in ("1", "5"):
        cell = cell_of({**groups, "imd_quintile": quintile})
        attacker.publish(cell, row[f"q{quintile}_appointments"], row[f"q{quintile}_dnas"])


def collect(client, filters: dict, api_tables: list[tuple[str, ...]] | None = None, attacker=None) -> Attacker:
    """Every figure the client can download for these filters, as an Attacker's knowledge
    (from the API, every table it gives, or those in `api_tables`); added to `attacker` if given
    (tests/targets/test_division_attack.py puts several publications into one)."""
    attacker = Attacker() if attacker is None else attacker
    one_way = {
        "dna-rate-by-quintile": "imd_quintile",
        "dna-rate-by-decile": "imd_decile",
        "dna-rate-over-time": "month",
    }
    for name in FILTERED_TABLES:
        for row in _csv(client, reverse("dashboard-csv", args=[name]), filters):
            if name in one_way:
                dim = one_way[name]
                attacker.publish(cell_of({dim: row[dim]}), row["appointments"], row["dnas"], listed_in=(dim,))
            elif name == "gap":
                _gap_cells(attacker, row, {})
            else:
                dim = {"gap-by-specialty": "specialty", "gap-by-site": "site", "gap-over-time": "month"}[name]
                _gap_cells(attacker, row, {dim: row[dim]})
    api = reverse("api-report-dna-rates")
    every_table = [(d,) for d in DIMENSIONS] + list(itertools.permutations(sorted(DIMENSIONS), 2))
    for dims in every_table if api_tables is None else api_tables:
        params = {**filters, "by": dims[0], **({"by2": dims[1]} if len(dims) == 2 else {})}
        response = client.get(api, params)
        if response.status_code != 200:
            continue  # not given to this audience
        attacker.api_tables.append(dims)
        for row in response.json()["rows"]:
            listed = tuple(sorted(dims))
            attacker.publish(cell_of(row["groups"]), row["appointments"], row["dnas"], listed_in=listed)
    for by in (None, *GAP_BY):
        response = client.get(reverse("api-report-gap"), {**filters, **({"by": by} if by else {})})
        if response.status_code == 200:
            for row in response.json()["rows"]:
                _gap_cells(attacker, row, row["groups"])
    for pilot in Pilot.objects.all():
        _collect_pilot(attacker, client, pilot)
    _write_sums(attacker)
    return attacker


def _stratum(label: str) -> str | None:
    if label == "IMD not known":
        return "0"
    if label.startswith("IMD quintile "):
        return label.removeprefix("IMD quintile ")
    return None  # the pilot's totals ("All ...")


def _collect_pilot(attacker: Attacker, client, pilot: Pilot) -> None:
    strata: dict[str, list[tuple]] = defaultdict(list)

    def arm_cell(arm: str, label: str) -> tuple:
        stratum = _stratum(label)
        groups = {"pilot": pilot.pk, "arm": arm, **({"stratum": stratum} if stratum is not None else {})}
        return cell_of(groups)

    for name in PILOT_TABLES:
        rows = _csv(client, reverse("dashboard-pilot-csv", args=[pilot.pk, name]))
        for row in rows:
            if name == "arms":
                for arm in (Arm.INTERVENTION, Arm.CONTROL):
                    cell = arm_cell(arm, row["group"])
                    attacker.publish(cell, row[f"{arm}_appointments"], row[f"{arm}_dnas"])
                    if _stratum(row["group"]) is not None and cell not in strata[arm]:
                        strata[arm].append(cell)
            else:
                base = ("support", pilot.pk, row["support_type"])
                for key in ("offered", "accepted", "arranged"):
                    attacker.count((*base, key), row[key])
                attacker.less_or_equal((*base, "arranged"), (*base, "accepted"))
                attacker.less_or_equal((*base, "accepted"), (*base, "offered"))
                attacker.publish(cell_of({"support": row["support_type"], "pilot": pilot.pk}),
                                 row["accepted_appointments"], row["accepted_dnas"])  # fmt: skip
    evaluation = client.get(reverse("api-pilot-evaluation", args=[pilot.pk])).json()
    for row in [evaluation["stratified"], evaluation["overall"], *evaluation["by_imd_quintile"]]:
        for arm in (Arm.INTERVENTION, Arm.CONTROL):
            attacker.publish(arm_cell(arm, row["group"]), row[arm]["appointments"], row[arm]["dnas"])
            if row["group"] not in evaluation["stratified"]["strata"] and _stratum(row["group"]) is not None:
                # The stratified effect lists the strata it was computed over: any other is empty.
                cell = arm_cell(arm, row["group"])
                attacker.fixed[attacker.var((cell, "n"))] = attacker.fixed[attacker.var((cell, "d"))] = 0
    for arm, cells in strata.items():
        attacker.sums(cell_of({"pilot": pilot.pk, "arm": arm}), cells)


def _write_sums(attacker: Attacker) -> None:
    """Each full listing adds up to its margins; deciles to quintiles; clinics to specialties and sites."""
    parents = {
        "specialty": dict(Clinic.objects.values_list("name", "specialty__name")),
        "site": dict(Clinic.objects.values_list("name", "site__name")),
    }
    for dims, cells in attacker.listings.items():
        for dim in dims:
            by_margin = defaultdict(list)
            for cell in cells:
                by_margin[tuple(item for item in cell if item[0] != dim)].append(cell)
            for margin, parts in by_margin.items():
                attacker.sums(margin, parts)
        rollups = [("imd_decile", "imd_quintile", lambda v: "" if v == "" else str((int(v) + 1) // 2))]
        rollups += [("clinic", parent, lambda v, m=mapping: m.get(v)) for parent, mapping in parents.items()]
        for fine, coarse, up in rollups:
            if fine not in dims or coarse in dims:
                continue
            by_parent = defaultdict(list)
            for cell in cells:
                values = dict(cell)
                values[coarse] = up(values.pop(fine))
                if values[coarse] is not None:
                    by_parent[cell_of(values)].append(cell)
            for parent, parts in by_parent.items():
                attacker.sums(parent, parts)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def truth(admin_client, filters: dict, api_tables: list[tuple[str, ...]]) -> dict[tuple, int]:
    """What an analyst sees of the same tables (no suppression): the attacker's bounds must hold it."""
    known = collect(admin_client, filters, api_tables)
    assert not known.withheld - {k for k in known.withheld if k[0] == "support"}, "an analyst sees every count"
    return {key: known.fixed[var] for key, var in known.index.items() if var in known.fixed}


def attack(director, admin, filters: dict) -> dict:
    """Bounds on every withheld cell; returns the figures and the cells pinned to one value."""
    attacker = collect(_client(director), filters)
    assert not attacker.conflicts
    real = truth(_client(admin), filters, attacker.api_tables)
    pinned, checked = [], 0
    for cell in sorted(attacker.withheld, key=repr):
        if cell[0] == "support":  # a plain count
            low, high = attacker.bounds({cell: 1})
            checked += 1
            if low == high:
                pinned.append((cell, "count", low))
            continue
        if real.get((cell, "n"), 0) == 0:
            continue  # an empty cell: no one in it to protect (a gap row's missing quintile)
        checked += 1
        objectives = {"appointments": {(cell, "n"): 1}, "DNAs": {(cell, "d"): 1},
                      "attendances": {(cell, "n"): 1, (cell, "d"): -1}}  # fmt: skip
        for measure, objective in objectives.items():
            low, high = attacker.bounds(objective)
            value = sum(coefficient * real[key] for key, coefficient in objective.items())
            assert low - 1e-6 <= value <= high + 1e-6, f"{cell} {measure}: truth {value} outside [{low}, {high}]"
            if abs(high - low) < 0.5:
                pinned.append((cell, measure, low))
    return {"checked": checked, "withheld": len(attacker.withheld), "pinned": pinned,
            "pinned_cells": sorted({cell for cell, _, _ in pinned}, key=repr)}  # fmt: skip


# --- A hand-built trust that gave cells away ----------------------------------------------------


def _appointments(patient, clinic, day, dnas, attended):
    return [
        AppointmentFactory(patient=patient, clinic=clinic, site=clinic.site, specialty=clinic.specialty,
                           starts_at=at(day), attendance_code=code)
        for code in [DNA] * dnas + [ATTENDED] * attended
    ]  # fmt: skip


@pytest.fixture
def leaky_trust(db):
    """Small cells where the old dashboard gave them away by subtraction:

    - quintile 1 has 100 appointments and 4 DNAs (suppressed); every month and every other
      quintile was shown, so the months' total minus the other quintiles gave it back;
    - quintile 5 in February has 20 appointments and 2 DNAs (suppressed in the gap over time),
      while quintile 5's total and its other months were shown;
    - a pilot's intervention arm in quintile 2 has 30 appointments and 3 DNAs, while the arm's
      "All" row and its other quintiles were shown.
    """
    site_a, site_b = SiteFactory(name="North"), SiteFactory(name="South")
    eyes = ClinicFactory(name="Eyes North", site=site_a, specialty=SpecialtyFactory(name="Ophthalmology"))
    skin = ClinicFactory(name="Skin South", site=site_b, specialty=SpecialtyFactory(name="Dermatology"))
    months = (date(2025, 1, 14), date(2025, 2, 14), date(2025, 3, 14))
    made = defaultdict(list)
    for decile, per_month in ((1, None), (3, (12, 48)), (5, (10, 50)), (7, (9, 51)), (9, (8, 52))):
        patient = PatientFactory(imd_decile=decile)
        for i, day in enumerate(months):
            clinic = eyes if i % 2 == 0 else skin
            if per_month is None:  # quintile 1: 100 appointments, 4 DNAs in all
                dnas, attended = ((2, 31), (1, 32), (1, 33))[i]
            elif decile == 9 and i == 1:
                dnas, attended = 2, 18  # quintile 5, February: small
            else:
                dnas, attended = per_month
            made[decile].extend(_appointments(patient, clinic, day, dnas, attended))
    pilot = PilotFactory(name="Calls for the most deprived")
    for decile, stratum in ((5, 3), (7, 4)):
        for index, appointment in enumerate(made[decile]):
            arm = Arm.INTERVENTION if index % 2 == 0 else Arm.CONTROL
            AllocationFactory(pilot=pilot, appointment=appointment, arm=arm, stratum=stratum)
    # Quintile 2: intervention 30 appointments with 3 DNAs, control 40 with 8.
    patient = PatientFactory(imd_decile=4)
    for arm, (dnas, attended) in ((Arm.INTERVENTION, (3, 27)), (Arm.CONTROL, (8, 32))):
        for appointment in _appointments(patient, eyes, months[2], dnas, attended):
            AllocationFactory(pilot=pilot, appointment=appointment, arm=arm, stratum=2)


@pytest.mark.parametrize("filters", [{}, {"date_from": "2025-02-01", "date_to": "2025-03-31"}], ids=["all", "feb-mar"])
def test_no_suppressed_cell_can_be_solved_for_from_what_a_director_downloads(
    director, admin_user, leaky_trust, filters
):
    found = attack(director, admin_user, filters)
    print(f"\nhand-built {filters or 'all time'}: {found['checked']} withheld cells checked, "
          f"{len(found['pinned_cells'])} pinned")  # fmt: skip
    for cell in found["pinned_cells"]:
        print("  pinned:", cell, [(measure, value) for c, measure, value in found["pinned"] if c == cell])
    assert found["checked"] >= 5
    assert found["pinned"] == []


def test_the_attacker_finds_all_three_subtractions_when_only_small_cells_are_suppressed(
    director, admin_user, leaky_trust, monkeypatch
):
    # Primary suppression alone, as before: the attack must recover each of the three leaks.
    monkeypatch.setattr(
        disclosure, "withheld_cells_and_zeros", lambda sizes, groups, primary, measures: frozenset(primary)
    )
    pinned = attack(director, admin_user, {})["pinned"]
    pilot = Pilot.objects.get().pk
    for cell, value in (
        ((("imd_quintile", "1"),), 100),  # months' total minus the other quintiles
        ((("imd_quintile", "5"), ("month", "2025-02")), 20),  # quintile 5's total minus its other months
        ((("arm", "intervention"), ("pilot", str(pilot)), ("stratum", "2")), 30),  # "All" minus shown quintiles
    ):
        assert (cell, "appointments", value) in pinned


@pytest.mark.slow
def test_no_suppressed_cell_can_be_solved_for_on_the_demo_dashboard_and_pilot(director, admin_user):
    call_command("seed_demo", "--patients", "1500", "--seed", "11", "--today", "2026-11-23")
    found = attack(director, admin_user, {})
    print(f"\ndemo: {found['checked']} withheld cells checked, {len(found['pinned_cells'])} pinned")
    assert found["pinned"] == []
