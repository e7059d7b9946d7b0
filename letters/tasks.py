"""Celery tasks for letters: thin wrappers the beat schedule (config/beat.py) runs. Each is safe to
run twice or at once: planning is one row per appointment and start, and sending claims each
letter with a conditional update."""

from __future__ import annotations

from celery import shared_task

from letters.planning import letters_plan
from letters.sending import letters_poll_status, letters_send_due


@shared_task(name="letters.plan_letters")
def plan_letters() -> dict[str, int]:
    return letters_plan()


@shared_task(name="letters.send_letters")
def send_letters() -> dict[str, int]:
    return letters_send_due().as_dict()


@shared_task(name="letters.poll_letter_status")
def poll_letter_status() -> dict[str, int]:
    return letters_poll_status()
