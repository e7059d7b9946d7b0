from django.urls import path

from targets import views

urlpatterns = [
    path("targets/", views.targets_list, name="targets-list"),
    path("targets/new/", views.target_new, name="target-new"),
    path("targets/<int:target_id>/", views.target_detail, name="target-detail"),
    path("targets/<int:target_id>/edit/", views.target_edit, name="target-edit"),
    path("targets/<int:target_id>/retire/", views.target_retire_view, name="target-retire"),
    path("board-pack/", views.board_pack_view, name="board-pack"),
]
