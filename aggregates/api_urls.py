from django.urls import path

from aggregates import api

urlpatterns = [
    path("aggregates/", api.ExportListView.as_view(), name="api-aggregates"),
    path("aggregates/<int:export_id>/file/", api.ExportFileView.as_view(), name="api-aggregate-file"),
]
