from django.urls import path

from appointments.importing.api import ImportDetail, ImportErrorReport, ImportListCreate

urlpatterns: list = [
    path("imports/", ImportListCreate.as_view(), name="api-imports"),
    path("imports/<int:pk>/", ImportDetail.as_view(), name="api-import-detail"),
    path("imports/<int:pk>/errors.csv", ImportErrorReport.as_view(), name="api-import-errors"),
]
