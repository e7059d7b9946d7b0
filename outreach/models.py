"""Pilots, call lists, reminders and replies: added by the outreach issues."""
