"""Every point of 312 series against NHS-R's NHSRplotthedots (shared/reference/spc/).

The package's own test series, rule probes and random monthly-rate-like series, computed by
`ptd_spc_standard` and `ptd_calculate_point_type`: the mean and process limits must agree to 1e-9
and the special-cause type and point type must be identical, including which rule names a point
when several fire. A difference here means a director would read our chart differently from the
one their analysts draw with the package.
"""

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from reports.spc import xmr_chart

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "spc"
# The package's names for its special-cause types (its `type` column).
PACKAGE_TYPES = {
    "above_upper_limit": "Above UCL",
    "below_lower_limit": "Below LCL",
    "trend_increasing": "7 Point Trend (Increasing)",
    "trend_decreasing": "7 Point Trend (Decreasing)",
    "two_of_three_above": "2 in 3 Above CL",
    "two_of_three_below": "2 in 3 Below CL",
    "shift_above": "7 Points Above CL",
    "shift_below": "7 Points Below CL",
    None: "Common Cause",
}


def _read(name):
    with (REFERENCE / name).open(newline="") as handle:
        rows = defaultdict(list)
        for row in csv.DictReader(handle):
            rows[row["series"]].append(row)
    return {series: sorted(points, key=lambda row: int(row["idx"])) for series, points in rows.items()}


pytestmark = pytest.mark.skipif(not REFERENCE.is_dir(), reason="the shared reference answers are not here")
SERIES = _read("series.csv") if REFERENCE.is_dir() else {}
EXPECTED = _read("nhsr_expected.csv") if REFERENCE.is_dir() else {}


def test_the_reference_holds_all_312_series():
    assert len(SERIES) == 312
    assert SERIES.keys() == EXPECTED.keys()


@pytest.mark.parametrize("name", sorted(SERIES))
def test_every_point_matches_nhsrplotthedots(name):
    rows = SERIES[name]
    chart = xmr_chart(
        [float(row["y"]) for row in rows],
        improvement=rows[0]["direction"],
        screen_outliers=rows[0]["screen"] == "TRUE",
    )
    expected = EXPECTED[name]
    assert len(chart.points) == len(expected)
    for point, want in zip(chart.points, expected, strict=True):
        where = f"{name} point {want['idx']}"
        assert point.mean == pytest.approx(float(want["mean"]), abs=1e-9, rel=0), where
        assert point.lower_limit == pytest.approx(float(want["lpl"]), abs=1e-9, rel=0), where
        assert point.upper_limit == pytest.approx(float(want["upl"]), abs=1e-9, rel=0), where
        assert PACKAGE_TYPES[point.special_cause] == want["type"], where
        assert point.point_type == want["point_type"], where
