"""Disparity targets over the REST API, beside the reports: the same progress and the same
disclosure control as the pages (a withheld month is null with `suppressed: true`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from config.disclosure import audience_of
from reports.api import SpcOutput
from reports.disclosure import request_families
from targets.models import DisparityTarget
from targets.progress import Disclosures, target_progress
from targets.services import VIEW_REPORTS


class TargetMonthOutput(serializers.Serializer):
    month = serializers.CharField()
    gap_points = serializers.FloatField(allow_null=True, help_text="Quintile 1 − quintile 5; null when suppressed.")
    gap_ci_low = serializers.FloatField(allow_null=True)
    gap_ci_high = serializers.FloatField(allow_null=True)
    target_points = serializers.FloatField(help_text="The trajectory's gap for the month.")
    on_trajectory = serializers.BooleanField(allow_null=True)
    spc_signals = serializers.CharField()
    suppressed = serializers.BooleanField()


class TargetOutput(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.CharField(help_text="division, specialty or site")
    name = serializers.CharField()
    owner = serializers.CharField()
    own = serializers.BooleanField(help_text="Whether the caller owns the target (the caller's own come first).")
    baseline_month = serializers.CharField()
    baseline_gap_points = serializers.FloatField()
    target_month = serializers.CharField()
    target_gap_points = serializers.FloatField()
    trajectory_now = serializers.FloatField(allow_null=True, help_text="The trajectory in the latest month charted.")
    status = serializers.CharField(help_text="on_trajectory, off_trajectory or not_known")
    status_label = serializers.CharField()
    statements = serializers.ListField(child=serializers.CharField())
    latest_month = serializers.CharField(allow_null=True, help_text="The latest month whose gap may be shown.")
    latest_gap_points = serializers.FloatField(allow_null=True)
    assurance_icon = serializers.CharField(allow_null=True)
    assurance_icon_text = serializers.CharField(allow_null=True)


class TargetDetailOutput(TargetOutput):
    months = TargetMonthOutput(many=True)
    spc = SpcOutput()


def _payload(target: DisparityTarget, request: Request, disclosures: Disclosures | None = None) -> dict:
    progress = target_progress(target, audience_of(request.user), disclosures=disclosures).as_dict()
    return {**progress, "own": target.owner_id == request.user.pk, "spc": {"measure": "gap", **progress["spc"]}}


class TargetListView(APIView):
    permission_classes = [HasRole(VIEW_REPORTS)]

    @extend_schema(responses=TargetOutput(many=True), summary="Active disparity targets, the caller's own first")
    def get(self, request: Request) -> Response:
        targets = DisparityTarget.objects.active().owned_first(request.user)
        disclosures = Disclosures(audience_of(request.user), request_families(request))
        rows = [_payload(target, request, disclosures) for target in targets]
        return Response(TargetOutput(rows, many=True).data)


class TargetDetailView(APIView):
    permission_classes = [HasRole(VIEW_REPORTS)]

    @extend_schema(
        responses=TargetDetailOutput,
        summary="One disparity target: its monthly gap against the trajectory, and the XmR chart",
        parameters=[OpenApiParameter("target_id", int, OpenApiParameter.PATH)],
    )
    def get(self, request: Request, target_id: int) -> Response:
        target = get_object_or_404(DisparityTarget.objects.select_related("owner"), pk=target_id)
        return Response(TargetDetailOutput(_payload(target, request)).data)
