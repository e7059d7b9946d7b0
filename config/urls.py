from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz

admin.site.site_header = "Attend administration"
admin.site.site_title = "Attend"

api_v1 = [
    # Each app adds its endpoints in its own api_urls module.
]

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("outreach.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]
