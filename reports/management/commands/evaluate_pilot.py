import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pilots.models import Pilot
from reports.evaluation import evaluate_pilot
from reports.findings import pilot_findings


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


class Command(BaseCommand):
    help = (
        "A pilot's intervention arm against control: the Mantel–Haenszel effect across IMD quintiles, the crude "
        "and per-quintile DNA rates, cost and reach; the gap's change, the effect of being reached (CACE), "
        "support used, timely cancellations and spill-over."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pilot", help="The pilot's id or name.")
        parser.add_argument("--cost-per-dna", type=float, help="GBP per DNA (default ATTEND_COST_PER_DNA).")
        parser.add_argument("--minutes-per-call", type=float, help="Default ATTEND_MINUTES_PER_CALL.")
        parser.add_argument("--json", action="store_true", help="Print the evaluation as JSON on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        key = str(options["pilot"])
        pilot = Pilot.objects.filter(pk=int(key)).first() if key.isdigit() else None
        pilot = pilot or Pilot.objects.filter(name=key).first()
        if pilot is None:
            raise CommandError(f"No pilot with id or name {key!r}.")
        result = evaluate_pilot(
            pilot, cost_per_dna=options["cost_per_dna"], minutes_per_call=options["minutes_per_call"]
        ).as_dict()
        findings = pilot_findings(pilot).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps({**result, **findings}))
            return
        self.stdout.write(f"Pilot: {pilot.name} ({pilot.starts_on} to {pilot.ends_on})")
        for row in [result["stratified"], result["overall"], *result["by_imd_quintile"]]:
            self.stdout.write(self._line(row))
        for reason in result["stratified"]["not_estimable"]:
            self.stdout.write(f"  {reason}")
        self.stdout.write(
            f"  Reach {_pct(result['reach_rate'])}; {result['calls']} calls; DNAs avoided "
            f"{result['dnas_avoided'] or 0:.1f} (£{result['money_saved'] or 0:,.0f} "
            f"at £{result['cost_per_dna']:.0f} each)"
        )
        for line in _findings_lines(findings):
            self.stdout.write(f"  {line}")

    @staticmethod
    def _line(row: dict) -> str:
        i, c = row["intervention"], row["control"]
        line = (
            f"  {row['group']:<28} intervention {_pct(i['dna_rate'])} of {i['appointments']}, "
            f"control {_pct(c['dna_rate'])} of {c['appointments']}"
        )
        if row["risk_difference"] is None:
            return line
        return (
            f"{line}, difference {100 * row['risk_difference']:+.1f} points "
            f"({100 * row['rd_ci_low']:+.1f} to {100 * row['rd_ci_high']:+.1f})"
            + ("" if row["p_value"] is None else f", p = {row['p_value']:.3g}")
        )


def _points(estimate: float | None, low: float | None, high: float | None) -> str:
    if estimate is None:
        return "not estimable"
    interval = "" if low is None else f" ({100 * low:+.1f} to {100 * high:+.1f})"
    return f"{100 * estimate:+.1f} points{interval}"


def _findings_lines(findings: dict) -> list[str]:
    gap, cace, spill = findings["inequality"]["gap_change"], findings["complier_effect"], findings["spill_over"]
    lines = [
        *findings["statements"],
        f"Change in the Q1 − Q5 gap, intervention − control: {_points(gap['estimate'], gap['ci_low'], gap['ci_high'])}",
        *findings["inequality"]["statements"],
        "Complier average causal effect of being reached: "
        + _points(cace["cace"], cace["cace_ci_low"], cace["cace_ci_high"]),
        *cace["not_estimable"],
        f"Spill-over (next appointment within {spill['days']} days), intervention − control: "
        + _points(spill["difference"], spill["difference_ci_low"], spill["difference_ci_high"]),
        *spill["statements"],
    ]
    for reach in findings["reach"]:
        lines.extend(reach["warnings"])
    return lines
