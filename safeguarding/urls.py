from django.urls import path

from safeguarding import views

urlpatterns: list = [
    path("safeguarding/", views.safeguarding_start, name="safeguarding-list"),
    path("safeguarding/<int:entry_id>/review/", views.safeguarding_entry_review, name="safeguarding-entry-review"),
]
