from django.urls import path

from letters import views

urlpatterns: list = [
    path("letters/print/", views.print_batch_page, name="letters-print-batch"),
    path("letters/print/printed/", views.print_batch_printed, name="letters-print-batch-printed"),
    path("letters/returned/", views.returned_letters_page, name="letters-returned"),
]
