from django.urls import path

from patients.api import CorrectionCsv, CorrectionList

urlpatterns: list = [
    path("corrections/", CorrectionList.as_view(), name="api-corrections"),
    path("corrections.csv", CorrectionCsv.as_view(), name="api-corrections-csv"),
]
