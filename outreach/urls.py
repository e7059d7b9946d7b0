from django.urls import include, path

urlpatterns = [
    path("", include("outreach.worklists.urls")),
    path("", include("outreach.sms.urls")),
    path("", include("outreach.reports.urls")),
]
