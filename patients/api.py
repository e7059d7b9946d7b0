"""Corrections made in Attend since a date, for the trust to write back to its PAS.

GET /api/v1/corrections/?since=YYYY-MM-DD (or an ISO 8601 date-time) answers JSON;
/api/v1/corrections.csv?since=… the same rows as CSV safe to open in a spreadsheet.
Only people who administer Attend (admin / analyst) may export them; every export is
audited with its row count, as patient-identifiable data leaving Attend.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from audit.services import audit_export
from config.spreadsheets import safe_writer
from patients.corrections.models import LocalCorrection
from patients.corrections.services import corrections_since

AdministersAttend = HasRole("accounts.administer_attend")
EXPORTED = "patients.localcorrection"
CSV_HEADER = (
    "hospital_number", "nhs_number", "field", "value", "previous_value", "source", "corrected_at", "corrected_by",
)  # fmt: skip
SINCE = OpenApiParameter(
    "since", str, required=True, description="Corrections made on or after this date (YYYY-MM-DD) or date-time."
)


class SinceInput(serializers.Serializer):
    since = serializers.DateTimeField(
        input_formats=["iso-8601", "%Y-%m-%d"], help_text="A date (local midnight) or an ISO 8601 date-time."
    )


class CorrectionOutput(serializers.ModelSerializer):
    hospital_number = serializers.CharField(source="patient.hospital_number")
    nhs_number = serializers.CharField(source="patient.nhs_number")
    corrected_by = serializers.SerializerMethodField()

    class Meta:
        model = LocalCorrection
        fields = ["hospital_number", "nhs_number", "field", "value", "previous_value", "source", "corrected_at",
                  "corrected_by"]  # fmt: skip
        read_only_fields = fields

    def get_corrected_by(self, correction: LocalCorrection) -> str:
        return correction.corrected_by.get_username() if correction.corrected_by else ""


def _corrections(request: Request) -> list[LocalCorrection]:
    data = SinceInput(data=request.query_params)
    data.is_valid(raise_exception=True)  # a missing or unreadable date: 400 naming the parameter
    corrections = list(corrections_since(since=data.validated_data["since"]))
    audit_export(request, what=EXPORTED, rows=len(corrections))
    return corrections


class CorrectionList(APIView):
    """Corrections made since a date, oldest first."""

    permission_classes = [AdministersAttend]

    @extend_schema(parameters=[SINCE], responses={200: CorrectionOutput(many=True)})
    def get(self, request: Request) -> Response:
        return Response(CorrectionOutput(_corrections(request), many=True).data)


class CorrectionCsv(APIView):
    """The same corrections as CSV."""

    permission_classes = [AdministersAttend]

    @extend_schema(
        parameters=[SINCE],
        responses={(200, "text/csv"): OpenApiResponse(description=", ".join(CSV_HEADER))},
    )
    def get(self, request: Request) -> HttpResponse:
        rows = [CorrectionOutput(correction).data for correction in _corrections(request)]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="attend-corrections.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        writer = safe_writer(response)
        writer.writerow(CSV_HEADER)
        writer.writerows([row[name] for name in CSV_HEADER] for row in rows)
        return response
