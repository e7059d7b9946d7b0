from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.sign_in import admin_login
from config.health import healthz

admin.site.site_header = "Attend administration"
admin.site.site_title = "Attend"
# The admin signs in on Attend's own login page wherever a password alone is not enough.
admin.site.login = admin_login

# Each area adds its endpoints in its own api_urls module.
api_v1 = [
    path("", include("appointments.api_urls")),
    path("", include("calls.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("targets.api_urls")),
    path("", include("aggregates.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("patients.api_urls")),
]

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("calls.urls")),
    path("", include("reminders.urls")),
    path("", include("letters.urls")),
    path("", include("safeguarding.urls")),
    path("", include("reports.urls")),
    path("", include("targets.urls")),
    path("", include("hub.urls")),
    path("", include("risk.urls")),
    path("", include("monitoring.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no exception.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("webhooks/", include("reminders.webhook_urls")),
    path("healthz", healthz, name="healthz"),
]

# An unknown /api/ path, or an error there, answers JSON like the rest of the API.
handler404 = "config.openapi.page_not_found"
handler500 = "config.openapi.server_error"
