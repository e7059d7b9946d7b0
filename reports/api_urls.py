from django.urls import path

from reports import api

urlpatterns = [
    path("reports/dna-rates/", api.DnaRatesView.as_view(), name="api-report-dna-rates"),
    path("reports/gap/", api.GapView.as_view(), name="api-report-gap"),
    path("reports/spc/", api.SpcView.as_view(), name="api-report-spc"),
    path("reports/pilots/<int:pilot_id>/evaluation/", api.PilotEvaluationView.as_view(), name="api-pilot-evaluation"),
    path("reports/pilots/<int:pilot_id>/reach/", api.PilotReachView.as_view(), name="api-pilot-reach"),
]
