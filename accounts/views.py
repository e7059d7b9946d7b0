from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.roles import role_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the start page of their role."""
    role = role_for(request.user)
    if role is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(role.start_url_name)
