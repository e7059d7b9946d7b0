from django.urls import path

from outreach.worklists import views

urlpatterns = [
    path("calls/", views.calls_start, name="calls-start"),
    path("team/", views.team_start, name="team-start"),
]
