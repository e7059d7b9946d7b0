from django.urls import path

from monitoring import views

urlpatterns: list = [
    path("models/<int:pk>/live/", views.risk_model_live, name="risk-model-live"),
]
