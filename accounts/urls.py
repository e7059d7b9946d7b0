from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on (404 unless ATTEND_OIDC_ENABLED); the names are mozilla-django-oidc's.
    path("oidc/authenticate/", views.OIDCStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", views.OIDCCallbackView.as_view(), name="oidc_authentication_callback"),
]
