from django.urls import path

from hub import views

urlpatterns = [
    path("collaborative/", views.hub_trusts, name="hub-trusts"),
    path("collaborative/funnels/", views.hub_funnels, name="hub-funnels"),
    path("collaborative/gap-over-time/", views.hub_gap_over_time, name="hub-gap-over-time"),
    path("collaborative/pilots/", views.hub_pilots, name="hub-pilots"),
    path("collaborative/files/", views.hub_files, name="hub-files"),
]
