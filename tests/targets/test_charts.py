from reports.spc import xmr_chart
from targets.charts import spc_svg


def test_the_chart_breaks_its_line_at_a_suppressed_month_and_draws_the_trajectory():
    chart = xmr_chart([4.0, 5.0, None, 6.0, 5.5], labels=["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"],
                      improvement="down")  # fmt: skip
    svg = spc_svg(chart, [8.0, 7.5, 7.0, 6.5, 6.0])
    data = [line["points"] for line in svg.lines if line["kind"] == "data"]
    assert [len(run.split()) for run in data] == [2, 2]  # no line across March
    assert len(svg.dots) == 4
    (trajectory,) = [line["points"] for line in svg.lines if line["kind"] == "trajectory"]
    ys = [float(point.split(",")[1]) for point in trajectory.split()]
    assert ys == sorted(ys)  # a falling trajectory is drawn lower (larger y) each month
    assert [label["anchor"] for label in svg.x_labels][-1] == "end"


def test_a_chart_with_nothing_to_show_says_so():
    assert spc_svg(xmr_chart([None, None], improvement="down")).empty
