"""The import API: upload an extract, watch its status, download its error report.

Only people who administer Attend (permission accounts.administer_attend) may use it.
The upload is stored and processed by a Celery task after the request commits.
"""

from __future__ import annotations

from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.permissions import HasRole
from appointments.importing.layouts import LAYOUTS
from appointments.importing.models import ImportBatch, ImportFormat
from appointments.importing.report import error_report_response
from appointments.importing.services import start_import

AdministersAttend = HasRole("accounts.administer_attend")


@extend_schema_field(OpenApiTypes.BINARY)
class _UploadedFile(serializers.FileField):
    """A file sent in the multipart body: the schema says `format: binary`, so clients and the
    API docs offer a file picker (a plain FileField is described as a URL, what it returns)."""


class ImportUploadInput(serializers.Serializer):
    file = _UploadedFile(help_text="The extract: CSV (shared/DESIGN.md columns) or a FHIR R4 Bundle (JSON).")
    mapping = _UploadedFile(required=False, help_text="Optional mapping file for the trust's own headers.")
    layout = serializers.ChoiceField(
        choices=sorted(LAYOUTS),
        required=False,
        help_text="A built-in layout instead of a mapping file: attend (the default) or cds-outpatient (SUS/HES).",
    )

    def validate_file(self, value):
        limit = settings.ATTEND_IMPORT_MAX_UPLOAD_BYTES
        if value.size > limit:
            raise serializers.ValidationError(f"The file is larger than {limit // 2**20} MB.")
        return value

    def validate(self, data: dict) -> dict:
        if data.get("layout") and data.get("mapping"):
            raise serializers.ValidationError({"layout": "Give a layout or a mapping file, not both."})
        return data


class _FormatOrNull(serializers.ChoiceField):
    """The extract's format, or null while a pending upload has not been read yet (stored as "")."""

    def to_representation(self, value: str) -> str | None:
        return super().to_representation(value) if value else None


class ImportBatchOutput(serializers.ModelSerializer):
    format = _FormatOrNull(choices=ImportFormat.choices, allow_null=True, read_only=True)
    status_url = serializers.SerializerMethodField()
    error_report_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id", "file_name", "file_sha256", "file_size", "format", "layout", "status", "message", "rows_read",
            "rows_created", "rows_updated", "rows_unchanged", "rows_rejected", "rows_withdrawn", "patients_created",
            "patients_updated", "unmatched_postcodes", "unmatched_postcode_examples", "replanning",
            "errors_truncated", "created_at", "started_at", "finished_at", "duration_seconds",
            "status_url", "error_report_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_status_url(self, batch: ImportBatch) -> str:
        return reverse("api-import-detail", args=[batch.pk], request=self.context.get("request"))

    def get_error_report_url(self, batch: ImportBatch) -> str:
        return reverse("api-import-errors", args=[batch.pk], request=self.context.get("request"))


class ImportListCreate(generics.ListAPIView):
    """GET: recent imports. POST: upload an extract (multipart) to be imported in the background."""

    permission_classes = [AdministersAttend]
    parser_classes = [MultiPartParser]
    serializer_class = ImportBatchOutput
    queryset = ImportBatch.objects.order_by("-created_at")

    @extend_schema(request=ImportUploadInput, responses={202: ImportBatchOutput})
    def post(self, request: Request) -> Response:
        data = ImportUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch = start_import(
            upload=data.validated_data["file"],
            uploaded_by=request.user,
            mapping_file=data.validated_data.get("mapping"),
            layout=data.validated_data.get("layout", ""),
        )
        output = ImportBatchOutput(batch, context={"request": request})
        return Response(output.data, status=status.HTTP_202_ACCEPTED, headers={"Location": output.data["status_url"]})


class ImportDetail(generics.RetrieveAPIView):
    """An import's status and counts."""

    permission_classes = [AdministersAttend]
    serializer_class = ImportBatchOutput
    queryset = ImportBatch.objects.all()


class ImportErrorReport(APIView):
    """The rows an import skipped (and values it ignored), as CSV safe to open in a spreadsheet."""

    permission_classes = [AdministersAttend]

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(description="line,column,value,problem,severity")})
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        batch = get_object_or_404(ImportBatch, pk=pk)
        return error_report_response(request, batch)
