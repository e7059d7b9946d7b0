from django.urls import path

from reports import views

urlpatterns = [
    path("dashboard/", views.dashboard_start, name="dashboard-start"),
    path("dashboard/target/", views.set_target, name="dashboard-set-target"),
    path("dashboard/download/<slug:name>.csv", views.table_csv, name="dashboard-csv"),
    path("dashboard/pilots/<int:pilot_id>/", views.pilot_evaluation, name="dashboard-pilot"),
    path("dashboard/pilots/<int:pilot_id>/<slug:name>.csv", views.pilot_table_csv, name="dashboard-pilot-csv"),
]
