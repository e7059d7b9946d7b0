"""The reports over the REST API: the same selectors and the same disclosure control as the pages.

Anyone with `accounts.view_reports` may call these; unless they may also view patient data, every
response is cut by the one Disclosure for its filters (reports.disclosure), the same as the
dashboard's: counts under 5, anything built on them, and the cells withheld so they cannot be
got back by subtraction come back as null with `suppressed: true`. A director asks only for the
tables that decision covers (rates by one dimension, or a gap dimension by IMD quintile).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from config.disclosure import audience_of
from pilots.models import Pilot
from reports import tables
from reports.disclosure import BY_QUINTILE, PublishedOnlyError, check_published, report_disclosure
from reports.evaluation import evaluate_pilot
from reports.pilot_disclosure import pilot_disclosure, pilot_findings_for, reach_disclosure
from reports.reach import ARM_CHOICES, REACH_DIMENSIONS, pilot_reach
from reports.selectors import DIMENSIONS, dna_gap, dna_rates

GAP_DIMENSIONS = BY_QUINTILE


CanViewReports = HasRole("accounts.view_reports")

# --- Input ---------------------------------------------------------------------------------


class ReportFilterInput(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="First day, inclusive (YYYY-MM-DD).")
    date_to = serializers.DateField(required=False, help_text="Last day, inclusive (YYYY-MM-DD).")
    site = serializers.CharField(required=False, help_text="ODS site code.")
    specialty = serializers.CharField(required=False, help_text="Treatment function code.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError("date_from must be on or before date_to.")
        return attrs


class DnaRatesInput(ReportFilterInput):
    by = serializers.ChoiceField(choices=sorted(DIMENSIONS))
    by2 = serializers.ChoiceField(choices=sorted(DIMENSIONS), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs.get("by2") and attrs["by2"] == attrs["by"]:
            raise serializers.ValidationError("by and by2 must differ.")
        return attrs


class GapInput(ReportFilterInput):
    by = serializers.ChoiceField(choices=GAP_DIMENSIONS, required=False, help_text="Leave out for the overall gap.")


class SpcInput(ReportFilterInput):
    measure = serializers.ChoiceField(choices=("gap", "dna_rate"), default="gap")


# --- Output --------------------------------------------------------------------------------


class RateRowOutput(serializers.Serializer):
    groups = serializers.DictField(help_text="The row's value of each dimension reported by.")
    appointments = serializers.IntegerField(allow_null=True, help_text="Attended + DNA (null when suppressed).")
    dnas = serializers.IntegerField(allow_null=True)
    dna_rate = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True, help_text="95% Wilson interval.")
    ci_high = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField()
    dnas_named = serializers.CharField(
        required=False,
        help_text="By age band only: what the band's DNAs are called. A child's (under ATTEND_CHILD_AGE_UNDER on "
        'the day) is "was not brought", anyone else\'s "did not attend"; both are counted as DNAs.',
    )


class DnaRatesOutput(serializers.Serializer):
    by = serializers.ListField(child=serializers.CharField())
    rows = RateRowOutput(many=True)


class GapRowOutput(serializers.Serializer):
    groups = serializers.DictField()
    q1_appointments = serializers.IntegerField(allow_null=True)
    q1_dnas = serializers.IntegerField(allow_null=True)
    q1_dna_rate = serializers.FloatField(allow_null=True)
    q5_appointments = serializers.IntegerField(allow_null=True)
    q5_dnas = serializers.IntegerField(allow_null=True)
    q5_dna_rate = serializers.FloatField(allow_null=True)
    gap_points = serializers.FloatField(allow_null=True, help_text="Quintile 1 − quintile 5, percentage points.")
    gap_ci_low = serializers.FloatField(allow_null=True, help_text="Newcombe 95% interval.")
    gap_ci_high = serializers.FloatField(allow_null=True)
    ratio = serializers.FloatField(allow_null=True)
    ratio_ci_low = serializers.FloatField(allow_null=True)
    ratio_ci_high = serializers.FloatField(allow_null=True)
    target_points = serializers.FloatField(allow_null=True)
    meets_target = serializers.BooleanField(allow_null=True)
    suppressed = serializers.BooleanField()


class GapOutput(serializers.Serializer):
    by = serializers.CharField(allow_null=True)
    rows = GapRowOutput(many=True)


class SpcPointOutput(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="Null for a suppressed or missing month.")
    period = serializers.IntegerField(help_text="Which period (0 unless the chart is rebased) the point is in.")
    mean = serializers.FloatField(allow_null=True)
    lower_limit = serializers.FloatField(allow_null=True)
    upper_limit = serializers.FloatField(allow_null=True)
    signals = serializers.ListField(
        child=serializers.CharField(), help_text="Every rule that fired: outside_limits, trend, two_of_three, shift."
    )
    special_cause = serializers.CharField(
        allow_null=True, help_text="The rule the point is named by, in Making Data Count's ranking."
    )
    variation = serializers.CharField(allow_null=True, help_text="improvement, concern or common.")
    description = serializers.CharField(
        help_text='The signal in words, e.g. "Concern: 7 points in a row above the mean".'
    )


class SpcPeriodOutput(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    points = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    lower_limit = serializers.FloatField(allow_null=True)
    upper_limit = serializers.FloatField(allow_null=True)
    baseline = serializers.IntegerField(allow_null=True)


class SpcOutput(serializers.Serializer):
    measure = serializers.CharField()
    mean = serializers.FloatField(allow_null=True, help_text="The latest period's mean.")
    upper_limit = serializers.FloatField(allow_null=True)
    lower_limit = serializers.FloatField(allow_null=True)
    improvement = serializers.CharField()
    target = serializers.FloatField(allow_null=True)
    variation_icon = serializers.CharField(allow_null=True)
    variation_icon_text = serializers.CharField(allow_null=True)
    assurance_icon = serializers.CharField(allow_null=True)
    assurance_icon_text = serializers.CharField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())
    periods = SpcPeriodOutput(many=True)
    points = SpcPointOutput(many=True)


class EvaluationOutput(serializers.Serializer):
    pilot = serializers.DictField()
    stratified = serializers.DictField(
        help_text="The pilot's effect: Mantel–Haenszel risk difference (Sato variance) and relative risk across "
        "IMD quintiles, the Cochran–Mantel–Haenszel test, heterogeneity across quintiles, and not_estimable: "
        "what could not be estimated and why."
    )
    overall = serializers.DictField(help_text="The arms pooled, crude (not stratified).")
    by_imd_quintile = serializers.ListField(child=serializers.DictField())
    allocated_intervention = serializers.IntegerField(allow_null=True)
    reached = serializers.IntegerField(allow_null=True)
    reach_rate = serializers.FloatField(allow_null=True)
    calls = serializers.IntegerField()
    handler_hours = serializers.FloatField()
    calls_per_dna_avoided = serializers.FloatField(allow_null=True)
    dnas_avoided = serializers.FloatField(allow_null=True)
    cost_per_dna = serializers.FloatField()
    money_saved = serializers.FloatField(allow_null=True)
    minutes_per_call = serializers.FloatField()
    dnas_avoided_per_handler_hour = serializers.FloatField(allow_null=True)
    money_saved_per_handler_hour = serializers.FloatField(allow_null=True)
    support = serializers.ListField(child=serializers.DictField())
    statements = serializers.ListField(
        child=serializers.CharField(), help_text="What cannot be estimated for the whole pilot, e.g. no calls recorded."
    )
    analysis_plan = serializers.DictField(
        allow_null=True, help_text="The pre-registered plan with the sample size it needs and what the pilot got."
    )
    inequality = serializers.DictField(
        help_text="Did the pilot narrow the gap: each arm's Q1 - Q5 gap, its change between arms (difference in "
        "differences), and PHE's slope and relative index of inequality over deciles per arm and by month."
    )
    complier_effect = serializers.DictField(
        help_text="Reach per arm and the complier average causal effect of being reached (Bloom, Fieller interval)."
    )
    support_stages = serializers.ListField(
        child=serializers.DictField(), help_text="Support by type: offers offered/accepted/arranged/used, DNA rate."
    )
    timely_cancellations = serializers.DictField(
        help_text="Per arm: DNAs, patient cancellations and those made 2 or more days before, of known outcomes."
    )
    spill_over = serializers.DictField(help_text="DNA rate at the next appointment within 90 days, by arm.")
    reach = serializers.ListField(
        child=serializers.DictField(), help_text="Reach by IMD quintile, ethnic group and language (intervention arm)."
    )


def _split_groups(row: dict[str, Any], dimensions: list[str]) -> dict[str, Any]:
    groups = {name: row.pop(name) for name in dimensions if name in row}
    return {"groups": groups, **row}


def _filters(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in ("date_from", "date_to", "site", "specialty") if data.get(key)}


class ReportView(APIView):
    permission_classes = [CanViewReports]
    input_serializer: type[serializers.Serializer]

    def read_input(self, request: Request) -> dict[str, Any]:
        serializer = self.input_serializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class DnaRatesView(ReportView):
    input_serializer = DnaRatesInput

    @extend_schema(parameters=[DnaRatesInput], responses=DnaRatesOutput, summary="DNA rates by one or two dimensions")
    def get(self, request: Request) -> Response:
        data = self.read_input(request)
        dims = [data["by"], *([data["by2"]] if data.get("by2") else [])]
        audience = audience_of(request.user)
        if audience.suppressed:
            try:
                check_published(data["by"], data.get("by2"))
            except PublishedOnlyError as exc:
                raise PermissionDenied(str(exc)) from None
        rows = dna_rates(data["by"], data.get("by2"), **_filters(data))
        shown = tables.with_dnas_named(report_disclosure(audience, _filters(data)).rates(rows), dims)
        payload = {"by": dims, "rows": [_split_groups(row, dims) for row in shown]}
        return Response(DnaRatesOutput(payload).data)


class GapView(ReportView):
    input_serializer = GapInput

    @extend_schema(parameters=[GapInput], responses=GapOutput, summary="The gap (quintile 1 − quintile 5)")
    def get(self, request: Request) -> Response:
        data = self.read_input(request)
        by = data.get("by")
        disclosure = report_disclosure(audience_of(request.user), _filters(data))
        rows = [_split_groups(disclosure.gap(gap), [by] if by else []) for gap in dna_gap(by, **_filters(data))]
        return Response(GapOutput({"by": by, "rows": rows}).data)


class SpcView(ReportView):
    input_serializer = SpcInput

    @extend_schema(parameters=[SpcInput], responses=SpcOutput, summary="Monthly gap or DNA rate as an XmR chart")
    def get(self, request: Request) -> Response:
        data = self.read_input(request)
        chart_of = tables.gap_over_time_with_chart if data["measure"] == "gap" else tables.dna_rate_over_time_with_chart
        _, chart = chart_of(_filters(data), report_disclosure(audience_of(request.user), _filters(data)))
        return Response(SpcOutput({"measure": data["measure"], **chart.as_dict()}).data)


class PilotEvaluationView(APIView):
    permission_classes = [CanViewReports]

    @extend_schema(
        responses=EvaluationOutput,
        summary="A pilot's intervention arm against control",
        parameters=[OpenApiParameter("pilot_id", int, OpenApiParameter.PATH)],
    )
    def get(self, request: Request, pilot_id: int) -> Response:
        pilot = get_object_or_404(Pilot, pk=pilot_id)
        evaluation = evaluate_pilot(pilot)
        shown = pilot_disclosure(audience_of(request.user), evaluation.overall, evaluation.by_quintile)
        findings = pilot_findings_for(audience_of(request.user), pilot, shown)
        return Response(EvaluationOutput({**shown.evaluation(evaluation), **findings}).data)


class ReachInput(serializers.Serializer):
    by = serializers.ChoiceField(choices=tuple(REACH_DIMENSIONS), default="imd_quintile")
    arm = serializers.ChoiceField(choices=ARM_CHOICES, default="intervention")


class ReachRowOutput(serializers.Serializer):
    group = serializers.CharField(help_text="The IMD quintile, ethnic group or language ('Not known' if none).")
    appointments = serializers.IntegerField(allow_null=True, help_text="Allocated appointments in the arm.")
    delivered_reminder = serializers.IntegerField(allow_null=True)
    delivered_reminder_share = serializers.FloatField(allow_null=True)
    callable_number = serializers.IntegerField(
        allow_null=True,
        help_text="With a number to call (a mobile, another number, or a parent's or carer's), and not asked "
        "by the appointment not to be called.",
    )
    callable_number_share = serializers.FloatField(allow_null=True)
    reached_by_letter = serializers.IntegerField(
        allow_null=True, help_text="With a letter posted (Notify's printer or the post room) that has not come back."
    )
    reached_by_letter_share = serializers.FloatField(allow_null=True)
    offered_call = serializers.IntegerField(allow_null=True)
    offered_call_share = serializers.FloatField(allow_null=True)
    reached = serializers.IntegerField(allow_null=True)
    reached_share = serializers.FloatField(allow_null=True)
    reached_ci_low = serializers.FloatField(allow_null=True, help_text="95% Wilson interval (each share has one).")
    reached_ci_high = serializers.FloatField(allow_null=True)
    offered_support = serializers.IntegerField(allow_null=True)
    offered_support_share = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField()


class NoTextReasonOutput(serializers.Serializer):
    reason = serializers.CharField()
    appointments = serializers.IntegerField(allow_null=True, help_text="Withheld (null) when under 5 for directors.")


class ReachOutput(serializers.Serializer):
    by = serializers.CharField()
    arm = serializers.CharField()
    rows = ReachRowOutput(many=True)
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Each step whose share in IMD quintile 1 is below quintile 5's."
    )
    statements = serializers.ListField(child=serializers.CharField())
    no_text_reasons = NoTextReasonOutput(many=True, help_text="Why the arm's appointments got no text (the plan's).")


class PilotReachView(APIView):
    permission_classes = [CanViewReports]

    @extend_schema(
        parameters=[ReachInput, OpenApiParameter("pilot_id", int, OpenApiParameter.PATH)],
        responses=ReachOutput,
        summary="Whom a pilot reached: reminder delivered, callable number, letter posted, call offered, reached, "
        "support offered",
    )
    def get(self, request: Request, pilot_id: int) -> Response:
        pilot = get_object_or_404(Pilot, pk=pilot_id)
        payload = ReachInput(data=request.query_params)
        payload.is_valid(raise_exception=True)
        reach = pilot_reach(pilot, by=payload.validated_data["by"], arm=payload.validated_data["arm"])
        return Response(ReachOutput(reach_disclosure(audience_of(request.user), pilot).cut(reach)).data)
