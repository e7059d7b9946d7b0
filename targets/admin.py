from django.contrib import admin

from config.admin import DeleteUnreferencedOnlyMixin, ReadOnlyAdmin
from targets.models import DisparityTarget, Division, DivisionSpecialty


class DivisionSpecialtyInline(admin.TabularInline):
    model = DivisionSpecialty
    extra = 1


@admin.register(Division)
class DivisionAdmin(DeleteUnreferencedOnlyMixin, admin.ModelAdmin):
    """A division and its specialties (a specialty is in one division at most)."""

    list_display = ("name",)
    search_fields = ("name",)
    inlines = [DivisionSpecialtyInline]
    instead_of_deleting = "Retire its targets first; they stay as history."


@admin.register(DisparityTarget)
class DisparityTargetAdmin(ReadOnlyAdmin):
    """Read only: targets are set, changed and retired on the targets pages (/targets/), where who
    may is checked and every change is audited."""

    list_display = ("__str__", "scope", "owner", "set_at", "retired_at")
    list_filter = ("scope",)
