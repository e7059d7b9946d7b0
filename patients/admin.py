from django.contrib import admin
from django.utils import timezone

from audit.admin_mixins import PatientDataAuditMixin
from patients.corrections.models import CorrectionConflict, LocalCorrection
from patients.deaths import death_conflict_settle
from patients.models import DeathConflict, Patient


@admin.register(Patient)
class PatientAdmin(PatientDataAuditMixin, admin.ModelAdmin):
    list_display = ("hospital_number", "display_name", "date_of_birth", "sex", "imd_decile", "sms_opt_out", "deceased")
    list_filter = ("deceased", "sex", "imd_decile", "sms_opt_out", "interpreter_required", "preferred_language")
    search_fields = ("hospital_number", "nhs_number", "family_name", "postcode")
    readonly_fields = ("created_at", "updated_at")


@admin.register(LocalCorrection)
class LocalCorrectionAdmin(PatientDataAuditMixin, admin.ModelAdmin):
    """What staff corrected in Attend; read only (a correction is made on a call card)."""

    list_display = ("patient", "field", "value", "previous_value", "source", "corrected_at", "corrected_by")
    list_filter = ("field", "source")
    search_fields = ("patient__hospital_number",)
    date_hierarchy = "corrected_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CorrectionConflict)
class CorrectionConflictAdmin(PatientDataAuditMixin, admin.ModelAdmin):
    """Newer PAS values that disagree with a correction: Attend kept its value; a team lead settles
    each (correct it again on the patient, or mark it resolved here)."""

    list_display = ("patient", "field", "attend_value", "pas_value", "first_seen_at", "last_seen_at", "resolved_at")
    list_filter = ("field", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("patient__hospital_number",)
    readonly_fields = ("correction", "patient", "field", "attend_value", "pas_value", "first_seen_at", "last_seen_at")
    actions = ("mark_resolved",)

    @admin.action(description="Mark resolved")
    def mark_resolved(self, request, queryset) -> None:
        queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=request.user)


@admin.register(DeathConflict)
class DeathConflictAdmin(PatientDataAuditMixin, admin.ModelAdmin):
    """Extracts that no longer say a patient Attend holds as deceased has died. Attend keeps them
    deceased (nothing is sent) until a team lead checks the PAS and settles it here."""

    list_display = ("patient", "date_of_death", "first_seen_at", "last_seen_at", "resolved_at", "resolution")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter), "resolution")
    search_fields = ("patient__hospital_number",)
    readonly_fields = ("patient", "date_of_death", "first_seen_at", "last_seen_at", "resolved_at", "resolved_by")
    actions = ("the_patient_is_alive", "still_deceased")

    def _settle(self, request, queryset, *, alive: bool) -> None:
        for conflict in queryset.filter(resolved_at__isnull=True).select_related("patient"):
            death_conflict_settle(conflict=conflict, alive=alive, by=request.user, request=request)

    @admin.action(description="The patient is alive: the death was recorded in error (contact may restart)")
    def the_patient_is_alive(self, request, queryset) -> None:
        self._settle(request, queryset, alive=True)

    @admin.action(description="The patient has died: keep them deceased")
    def still_deceased(self, request, queryset) -> None:
        self._settle(request, queryset, alive=False)
