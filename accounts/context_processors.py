from django.http import HttpRequest

from accounts.roles import role_for


def roles(request: HttpRequest) -> dict[str, object]:
    """The signed-in person's role, for the page header's navigation."""
    user = getattr(request, "user", None)
    role = role_for(user) if user is not None else None
    return {"current_role": role.group if role else None}
