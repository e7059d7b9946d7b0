from django.urls import path

from targets import api

urlpatterns = [
    path("reports/targets/", api.TargetListView.as_view(), name="api-targets"),
    path("reports/targets/<int:target_id>/", api.TargetDetailView.as_view(), name="api-target"),
]
