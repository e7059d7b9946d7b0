from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.forms import PasswordLoginForm
from accounts.roles import role_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the start page of their role."""
    role = role_for(request.user)
    if role is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(role.start_url_name)


class SignInView(auth_views.LoginView):
    """The login page: single sign-on when it is on, and the password form (with its TOTP code
    where one is required) for those who may still use one (accounts/sign_in.py)."""

    form_class = PasswordLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "oidc_enabled": settings.ATTEND_OIDC_ENABLED,
            "oidc_provider_name": settings.ATTEND_OIDC_PROVIDER_NAME,
            "mfa_required": settings.ATTEND_PASSWORD_MFA,
        }


class _OnlyWithOIDC:
    """Single sign-on's endpoints exist only while it is switched on."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.ATTEND_OIDC_ENABLED:
            raise Http404("Single sign-on is not switched on.")
        return super().dispatch(request, *args, **kwargs)


class OIDCStartView(_OnlyWithOIDC, OIDCAuthenticationRequestView):
    """Sends the browser to the identity provider (public: it is how a person signs in)."""


class OIDCCallbackView(_OnlyWithOIDC, OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back (public: mozilla-django-oidc checks state,
    nonce and PKCE, accounts/oidc.py the token and the claims). A refusal says why."""

    def login_failure(self):
        """A refused sign-in also ends any login this browser already had: whoever is at it now
        is not someone Attend will sign in."""
        reason = getattr(self.request, "attend_sign_in_refused", "the provider did not sign you in")
        logout(self.request)
        messages.error(self.request, f"You could not be signed in to Attend: {reason}.")
        return super().login_failure()
