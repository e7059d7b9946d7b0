from django.urls import path

from calls import views

urlpatterns = [
    path("calls/", views.calls_start, name="calls-start"),
    path("calls/next/", views.call_next, name="call-next"),
    path("calls/<int:task_id>/", views.call_card, name="call-card"),
    path("calls/<int:task_id>/release/", views.call_release, name="call-release"),
    path("calls/<int:task_id>/take/", views.call_take, name="call-take"),
    path("calls/search/", views.patient_search, name="patient-search"),
    path("team/", views.team_start, name="team-start"),
    path("team/capacity/", views.team_capacity_set, name="team-capacity"),
    path("team/calls/<int:task_id>/reassign/", views.team_reassign, name="team-reassign"),
    path("team/calls/<int:task_id>/do-not-call/", views.team_do_not_call, name="team-do-not-call"),
    path("team/calls/<int:task_id>/preferred-channel/", views.team_preferred_channel, name="team-preferred-channel"),
    path("team/patients/<int:patient_id>/do-not-call/lift/", views.team_do_not_call_lift, name="team-do-not-call-lift"),
    path("team/booking-requests/", views.booking_requests, name="booking-requests"),
    path("team/booking-requests/<int:request_id>/done/", views.booking_request_done, name="booking-request-done"),
    path("team/booking-requests.csv", views.booking_requests_csv, name="booking-requests-csv"),
    path("team/death-conflicts/", views.death_conflicts, name="death-conflicts"),
    path(
        "team/death-conflicts/<int:conflict_id>/settle/", views.death_conflict_settle_view, name="death-conflict-settle"
    ),
]
