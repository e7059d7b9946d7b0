from django.urls import path

from reminders import webhooks

urlpatterns: list = [
    path("twilio/status/", webhooks.twilio_status, name="sms-webhook-status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="sms-webhook-inbound"),
    path("notify/status/", webhooks.notify_status, name="notify-webhook-status"),
]
