"""The post room's pages: today's (or a given day's) letters to print, "mark printed", and the
letters that came back."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from letters.content import address_block, appointment_details
from letters.forms import BatchDayForm, ReturnedLettersForm
from letters.models import LetterStatus, LetterVariant
from letters.printing import audit_print_batch_viewed, print_batch, print_batch_mark_printed
from letters.returns import NotAReturnsList, returned_letters_upload

PRINT_PERMISSION = "letters.print_letters"


def _day(request: HttpRequest) -> date:
    """The batch's day from ?day=YYYY-MM-DD; today when none (or none readable) is given."""
    try:
        return date.fromisoformat(request.GET.get("day") or request.POST.get("day") or "")
    except ValueError:
        return timezone.localdate()


@role_required(PRINT_PERMISSION)
def print_batch_page(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    letters = [
        {
            "letter": letter,
            "address": letter.address.splitlines() or address_block(letter),
            "details": appointment_details(letter),
            "large": letter.variant != LetterVariant.STANDARD,
            "easy_read": letter.variant == LetterVariant.EASY_READ,
        }
        for letter in print_batch(day)
    ]
    audit_print_batch_viewed(request, day=day, letters=len(letters))
    waiting = sum(1 for item in letters if item["letter"].status == LetterStatus.QUEUED)
    context = {"day": day, "letters": letters, "waiting": waiting, "day_form": BatchDayForm(day=day)}
    return render(request, "letters/print_batch.html", context)


@role_required(PRINT_PERMISSION)
@require_POST
def print_batch_printed(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    printed = print_batch_mark_printed(day=day, by=request.user, request=request)
    if printed:
        messages.success(request, f"{printed} letters marked printed for {day:%-d %B %Y}.")
    else:
        messages.info(request, f"No letters were waiting to be printed for {day:%-d %B %Y}.")
    return redirect(f"{reverse('letters-print-batch')}?day={day.isoformat()}")


@role_required(PRINT_PERMISSION)
def returned_letters_page(request: HttpRequest) -> HttpResponse:
    """The post room (or a team lead) uploads the letters that came back: each is marked returned
    and its address as not working."""
    form = ReturnedLettersForm(request.POST or None, request.FILES or None)
    summary, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            summary = returned_letters_upload(data=form.cleaned_data["file"].read(), by=request.user, request=request)
        except NotAReturnsList as exc:
            form.add_error("file", str(exc))
    if form.errors:
        status = 400
    return render(request, "letters/returned_letters.html", {"form": form, "summary": summary}, status=status)
