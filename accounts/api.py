"""GET /api/v1/me/: who a login or API token belongs to, and what its roles allow.

An integration holding a token can check here that the token carries the roles it needs
before it calls anything else."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import ROLES
from accounts.selectors import team_of


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField(), help_text="Role names, e.g. 'Call handler'.")
    permissions = serializers.ListField(
        child=serializers.CharField(), help_text="Attend permissions held, e.g. 'accounts.work_call_list'."
    )
    team = serializers.CharField(allow_null=True)


class MeView(APIView):
    # Any signed-in member of staff may ask who they are (listed in tests/support/access_policy.py).
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutputSerializer, summary="The signed-in user or token owner, with roles")
    def get(self, request: Request) -> Response:
        user = request.user
        groups = set(user.groups.values_list("name", flat=True))
        attend_permissions = sorted({p for role in ROLES for p in role.permissions if user.has_perm(p)})
        team = team_of(user)
        data = {
            "username": user.get_username(),
            "roles": [role.group for role in ROLES if role.group in groups or (user.is_superuser and role.staff)],
            "permissions": attend_permissions,
            "team": team.name if team else None,
        }
        return Response(MeOutputSerializer(data).data)
