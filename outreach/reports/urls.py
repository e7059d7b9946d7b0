from django.urls import path

from outreach.reports import views

urlpatterns = [
    path("dashboard/", views.dashboard_start, name="dashboard-start"),
]
