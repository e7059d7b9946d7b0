"""How good the risk model chosen on a trust's data is, against the baselines, judged as deployed.

`python -m bench risk_quality [--extract FILE [--mapping M] [--layout L]] [--as-of DATE]
[--holdout-from DATE] [--calibration-from DATE] [--calls-per-day N]`

With no extract: the synthetic trust `seed_demo` makes (20,000 patients, seed 2019), as of
23 November 2026, straight from the generator (nothing is written). With an extract: it
is imported into the benchmark database first (use an empty one: every appointment there
before the as-of date is trained on) and the model is trained exactly as
`train_risk_model --as-of … --holdout-from …` would.

Printed: each candidate's validation log-loss and AUC (how the model was chosen), then for
the chosen model and each baseline on the hold-out: AUC with its 95% interval as deployed
(booked at least ATTEND_CALL_DAYS_AHEAD_MIN days ahead) and on all appointments, recall at
the top 10%, 20% and at capacity, Brier score, ECE, calibration-in-the-large, and the
model's DeLong difference from it. Nothing is registered.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime

from django.db.models import Count

from appointments.models import Appointment
from config.localtime import as_of_instant, parse_local_date
from demo import synthetic
from risk.presenters import LABELS, verdict
from risk.table import table_from_queryset, table_from_synthetic
from risk.training import TrainingResult, train_model

SYNTHETIC_TODAY = date(2026, 11, 23)
ORDER = ("model", "spline_logistic_regression", "gradient_boosting_defaults", "prior_dna_rate_rule")


def _figure(value: float | None, places: int = 3) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _table(result: TrainingResult) -> None:
    deployed, everyone = result.metrics["as_deployed"], result.metrics["all"]
    above = deployed["model"].get("auc_above", {})
    print(
        f"{'':32} {'AUC as deployed (95% CI)':>26} {'AUC all':>8} {'rec10':>6} {'rec20':>6} {'rec@cap':>7} "
        f"{'Brier':>7} {'ECE':>6} {'pred/obs':>11}  DeLong vs model (as deployed)"
    )
    for name in ORDER:
        m, a = deployed.get(name), everyone.get(name, {})
        if m is None:
            continue
        interval = f"{_figure(m.get('auc'))} ({_figure(m.get('auc_low'))}–{_figure(m.get('auc_high'))})"
        d = above.get(name)
        delong = ""
        if d is not None:
            delong = f"model {d['difference']:+.3f} ({d['ci_low']:+.3f} to {d['ci_high']:+.3f}), p={d['p_value']:.3f}"
        print(
            f"{LABELS.get(name, name)[:32]:32} {interval:>26} {_figure(a.get('auc')):>8} "
            f"{_share(m.get('recall_top_10')):>6} {_share(m.get('recall_top_20')):>6} "
            f"{_share(m.get('recall_capacity')):>7} {_figure(m.get('brier'), 4):>7} {_figure(m.get('ece'), 4):>6} "
            f"{_share(m.get('mean_predicted')):>5}/{_share(m.get('dna_rate')):<5}  {delong}",
            flush=True,
        )


def _selection(result: TrainingResult) -> None:
    selection = result.metrics["selection"]
    print(f"chosen: {selection['winner']} — {selection['reason']}")
    for c in selection["candidates"]:
        mark = "*" if c["name"] == selection["winner"] else " "
        rounds = f", {c['rounds']} rounds" if c["rounds"] else ""
        print(f" {mark} {c['name']:28} validation log-loss {c['validation_log_loss']:.4f}  AUC "
              f"{_figure(c['validation_auc'])}  {c['params']}{rounds}")  # fmt: skip
    for name, b in selection["baselines_on_validation"].items():
        print(f"   {name:28} validation log-loss {b['validation_log_loss']:.4f}  AUC {_figure(b['validation_auc'])}")


def _extract_table(args: argparse.Namespace, as_of: datetime):
    from appointments.importing.services import import_extract

    before = Appointment.objects.aggregate(n=Count("pk"))["n"]
    if before:
        print(f"note: the database already held {before:,} appointments; every one before the as-of date is used")
    started = time.perf_counter()
    batch = import_extract(path=args.extract, mapping_path=args.mapping, layout=args.layout)
    print(f"import: {batch.rows_read:,} rows read, {batch.rows_rejected:,} rejected in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    return table_from_queryset(Appointment.objects.filter(starts_at__lt=as_of))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench risk_quality")
    parser.add_argument(
        "--extract", help="An appointment extract to judge the model on (default: the synthetic trust)."
    )
    parser.add_argument("--mapping", default=None)
    parser.add_argument("--layout", default=None)
    parser.add_argument("--as-of", type=parse_local_date, default=None)
    parser.add_argument("--holdout-from", type=parse_local_date, default=None)
    parser.add_argument("--calibration-from", type=parse_local_date, default=None)
    parser.add_argument("--calls-per-day", type=int, default=60, help="The teams' capacity (default %(default)s).")
    args = parser.parse_args(argv)
    if args.extract:
        as_of = as_of_instant(args.as_of)
        table = _extract_table(args, as_of)
        source = args.extract
    else:
        day = args.as_of or SYNTHETIC_TODAY
        as_of = as_of_instant(day)
        table = table_from_synthetic(synthetic.generate(patients=20_000, seed=2019, today=day).appointments)
        source = f"synthetic trust (20,000 patients, seed 2019, as of {day})"
    print(f"data: {source}; {len(table):,} appointments", flush=True)
    started = time.perf_counter()
    result = train_model(
        table, as_of=as_of, holdout_from=args.holdout_from, validation_from=args.calibration_from,
        calls_per_day=args.calls_per_day,
    )  # fmt: skip
    print(f"trained in {time.perf_counter() - started:.0f} s; slices ({result.parameters['slices_chosen_by']}): "
          f"training {result.trained_from} on ({result.rows['training']:,}), calibration from "
          f"{result.parameters['calibration_from']} ({result.rows['calibration']:,}), hold-out "
          f"{result.holdout_from} to {result.holdout_to} ({result.rows['holdout']:,}; "
          f"{result.metrics['populations']['as_deployed']['rows']:,} booked at least "
          f"{result.metrics['populations']['as_deployed']['booked_days_ahead_at_least']} days ahead)")  # fmt: skip
    _selection(result)
    if "capacity" in result.metrics:
        c = result.metrics["capacity"]
        print(f"capacity: {c['calls_per_day']} calls a day, {c['appointments_per_day']:.0f} listable appointments "
              f"a day: {c['share']:.1%} called")  # fmt: skip
    _table(result)
    print(verdict(result.metrics["as_deployed"]))
    quintiles = result.fairness.get("imd_quintile", {})
    print("ECE by IMD quintile (as deployed): " + ", ".join(
        f"{q}: {_figure(v['model'].get('ece'), 4)}" for q, v in quintiles.items()))  # fmt: skip
