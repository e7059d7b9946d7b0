"""The aggregate export over the REST API, for admins: make one, list them, download a file.

The download is the plain route for a trust that sends files to its hub some other way than
MESH: the same bytes, hash and disclosure control as the MESH message. Each download is audited.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from aggregates.files import InvalidAggregateFile
from aggregates.models import AggregateFile
from aggregates.services import ExportError, check_whole_months, export_aggregates
from audit.models import AuditAction
from audit.services import audit_record

ADMINISTER = "accounts.administer_attend"


class ExportInput(serializers.Serializer):
    date_from = serializers.DateField(help_text="The first day of a month.")
    date_to = serializers.DateField(help_text="The last day of a month.")

    def validate(self, attrs):
        try:
            check_whole_months(attrs["date_from"], attrs["date_to"])
        except ExportError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return attrs


class MeshSendOutput(serializers.Serializer):
    recipient = serializers.CharField()
    workflow_id = serializers.CharField()
    status = serializers.CharField()
    message_id = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class ExportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    sha256 = serializers.CharField()
    suppressed_cells = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by_label")
    file_name = serializers.CharField()
    mesh_sends = MeshSendOutput(many=True)


class ExportListView(APIView):
    permission_classes = [HasRole(ADMINISTER)]

    @extend_schema(responses=ExportOutput(many=True), summary="Aggregate exports, newest first")
    def get(self, request: Request) -> Response:
        exports = AggregateFile.objects.prefetch_related("mesh_sends")[:100]
        return Response(ExportOutput(exports, many=True).data)

    @extend_schema(request=ExportInput, responses={201: ExportOutput}, summary="Make an aggregate export")
    def post(self, request: Request) -> Response:
        data = ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            exported = export_aggregates(**data.validated_data, actor=request.user)
        except (ExportError, InvalidAggregateFile) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ExportOutput(exported).data, status=status.HTTP_201_CREATED)


class ExportFileView(APIView):
    permission_classes = [HasRole(ADMINISTER)]

    @extend_schema(
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The file (attend-aggregates-v1 schema).")},
        summary="Download an aggregate export's file",
        parameters=[OpenApiParameter("export_id", int, OpenApiParameter.PATH)],
    )
    def get(self, request: Request, export_id: int) -> HttpResponse:
        exported = get_object_or_404(AggregateFile, pk=export_id)
        audit_record(action=AuditAction.EXPORT, target=exported, request=request,
                     summary=f"Aggregate file {exported.sha256[:12]} downloaded")  # fmt: skip
        response = HttpResponse(bytes(exported.content), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{exported.file_name}"'
        return response
