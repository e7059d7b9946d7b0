"""REST API for the call list: the same rules and permissions as the pages."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.selectors import team_of
from audit.services import audit_patient_view
from calls import selectors, services
from calls.models import CallTask, SupportOffer
from calls.serializers import (
    AttemptIn,
    AttemptOut,
    CallCardOut,
    CallOut,
    ListCountsOut,
    ReassignIn,
    SupportOfferOut,
    SupportStatusIn,
)

ERROR = inline_serializer("WorklistError", fields={"detail": serializers.CharField()})


CanWorkCallList = HasRole("accounts.work_call_list")


def _error(exc: services.WorklistError) -> Response:
    code = {
        services.StaleClaim: status.HTTP_409_CONFLICT,
        services.AppointmentNoLongerUpcoming: status.HTTP_409_CONFLICT,
        services.NotInTeam: status.HTTP_403_FORBIDDEN,
    }.get(type(exc), status.HTTP_400_BAD_REQUEST)
    return Response({"detail": str(exc)}, status=code)


def _visible_call(request: Request, task_id: int) -> CallTask:
    """A handler sees the calls they hold; a team lead sees any call of their team."""
    try:
        return selectors.call_visible_to(request.user, task_id)
    except CallTask.DoesNotExist as exc:
        raise NotFound(str(exc)) from None


class WorklistView(APIView):
    permission_classes = [CanWorkCallList]

    @extend_schema(
        operation_id="worklist_today",
        summary="Today's call list for your team",
        description="Counts, and the calls whose patient you may see: a call handler sees the calls "
        "they hold (as the /calls/ page does: waiting calls are counts until claimed); a team lead "
        "sees every call of the team's list. Each patient listed is recorded in the audit trail.",
        responses=inline_serializer(
            "Worklist", fields={"date": serializers.DateField(), "counts": ListCountsOut(), "calls": CallOut(many=True)}
        ),
    )
    def get(self, request: Request) -> Response:
        team = team_of(request.user)
        if team is None:
            return Response({"detail": "You are not in a call-handling team."}, status=status.HTTP_403_FORBIDDEN)
        today = timezone.localdate()
        calls = list(selectors.team_day(team, today).filter(pk__in=selectors.calls_visible_to(request.user)))
        for task in calls:
            audit_patient_view(request, task.patient, summary="Listed on the call list (API)")
        counts = selectors.list_counts(team, today)
        return Response(
            {
                "date": today,
                "counts": ListCountsOut(counts).data,
                "calls": CallOut(calls, many=True).data,
            }
        )


class ClaimNextView(APIView):
    permission_classes = [CanWorkCallList]

    @extend_schema(
        summary="Claim the highest-priority waiting call",
        request=None,
        responses={200: CallCardOut, 204: OpenApiResponse(description="No call is waiting."), 403: ERROR},
    )
    def post(self, request: Request) -> Response:
        try:
            task = services.call_claim_next(handler=request.user)
        except services.WorklistError as exc:
            return _error(exc)
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        task = selectors.call_for_card(task.pk)
        audit_patient_view(request, task.patient, summary="Call claimed (API)")
        return Response(CallCardOut(task).data)


class CallDetailView(APIView):
    permission_classes = [CanWorkCallList]

    @extend_schema(
        operation_id="worklist_call_retrieve", summary="A call's patient card", responses={200: CallCardOut, 404: ERROR}
    )
    def get(self, request: Request, task_id: int) -> Response:
        task = _visible_call(request, task_id)
        audit_patient_view(request, task.patient, summary="Patient card (API)")
        return Response(CallCardOut(task).data)


class CallReleaseView(APIView):
    permission_classes = [CanWorkCallList]

    @extend_schema(summary="Put a claimed call back on the list", request=None, responses={200: CallOut, 409: ERROR})
    def post(self, request: Request, task_id: int) -> Response:
        _visible_call(request, task_id)
        try:
            task = services.call_release(task_id=task_id, by=request.user)
        except services.WorklistError as exc:
            return _error(exc)
        return Response(CallOut(selectors.call_for_card(task.pk)).data)


class AttemptCreateView(APIView):
    permission_classes = [CanWorkCallList]

    @extend_schema(
        summary="Record an attempt on a call you hold",
        description="All or nothing. 409 if the call is no longer yours or its appointments were "
        "cancelled or have happened; 400 if the attempt is incomplete.",
        request=AttemptIn,
        responses={201: AttemptOut, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, task_id: int) -> Response:
        _visible_call(request, task_id)
        payload = AttemptIn(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            attempt = services.call_attempt_record(
                task_id=task_id, handler=request.user, data=payload.to_input(), request=request
            )
        except services.WorklistError as exc:
            return _error(exc)
        return Response(AttemptOut(attempt).data, status=status.HTTP_201_CREATED)


class SupportOfferView(APIView):
    permission_classes = [CanWorkCallList]

    def _offer(self, request: Request, offer_id: int) -> SupportOffer:
        offer = SupportOffer.objects.select_related("attempt__task").filter(pk=offer_id).first()
        if offer is None or offer.attempt.task.team != team_of(request.user):
            raise NotFound("No such support offer.")
        return offer

    @extend_schema(summary="A support offer", responses={200: SupportOfferOut, 404: ERROR})
    def get(self, request: Request, offer_id: int) -> Response:
        return Response(SupportOfferOut(self._offer(request, offer_id)).data)

    @extend_schema(
        summary="Move a support offer on (offered → accepted → arranged → used on the day, or declined)",
        request=SupportStatusIn,
        responses={200: SupportOfferOut, 400: ERROR, 404: ERROR},
    )
    def patch(self, request: Request, offer_id: int) -> Response:
        self._offer(request, offer_id)
        payload = SupportStatusIn(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            offer = services.support_offer_update(
                offer_id=offer_id, status=payload.validated_data["status"], by=request.user
            )
        except services.WorklistError as exc:
            return _error(exc)
        return Response(SupportOfferOut(offer).data)


class CallSupportOffersView(APIView):
    permission_classes = [CanWorkCallList]

    @extend_schema(summary="Support offered on a call", responses={200: SupportOfferOut(many=True), 404: ERROR})
    def get(self, request: Request, task_id: int) -> Response:
        task = _visible_call(request, task_id)
        offers = SupportOffer.objects.filter(attempt__task=task).order_by("pk")
        return Response(SupportOfferOut(offers, many=True).data)


class CallReassignView(APIView):
    permission_classes = [CanWorkCallList]

    @extend_schema(
        summary="Give a call to another handler in the team (team leads)",
        request=ReassignIn,
        responses={200: CallOut, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, task_id: int) -> Response:
        from django.contrib.auth import get_user_model

        _visible_call(request, task_id)
        payload = ReassignIn(data=request.data)
        payload.is_valid(raise_exception=True)
        to_handler = get_user_model().objects.filter(username=payload.validated_data["handler"]).first()
        if to_handler is None:
            return Response({"detail": "No such handler."}, status=status.HTTP_400_BAD_REQUEST)
        try:
            task = services.call_reassign(task_id=task_id, to_handler=to_handler, by=request.user)
        except services.WorklistError as exc:
            return _error(exc)
        return Response(CallOut(selectors.call_for_card(task.pk)).data)
