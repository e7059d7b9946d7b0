"""Outreach admin. Each area registers its models in its own admin module, imported here."""

from outreach.sms import admin as sms_admin  # noqa: F401  (Issue 6: SMS templates, outbox, replies)
