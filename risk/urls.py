from django.urls import path

from risk import views as risk_views

urlpatterns = [
    path("models/", risk_views.risk_model_list, name="risk-models"),
    path("models/<int:pk>/", risk_views.risk_model_card, name="risk-model-card"),
    path("models/<int:pk>/activate/", risk_views.risk_model_activate, name="risk-model-activate"),
]
