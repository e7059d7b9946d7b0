from django.urls import path

from calls import api

urlpatterns = [
    path("worklist/", api.WorklistView.as_view(), name="api-worklist"),
    path("worklist/claim-next/", api.ClaimNextView.as_view(), name="api-worklist-claim-next"),
    path("worklist/<int:task_id>/", api.CallDetailView.as_view(), name="api-worklist-call"),
    path("worklist/<int:task_id>/release/", api.CallReleaseView.as_view(), name="api-worklist-release"),
    path("worklist/<int:task_id>/reassign/", api.CallReassignView.as_view(), name="api-worklist-reassign"),
    path("worklist/<int:task_id>/attempts/", api.AttemptCreateView.as_view(), name="api-worklist-attempts"),
    path("worklist/<int:task_id>/support-offers/", api.CallSupportOffersView.as_view(), name="api-worklist-support"),
    path("support-offers/<int:offer_id>/", api.SupportOfferView.as_view(), name="api-support-offer"),
]
