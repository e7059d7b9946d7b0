"""Outreach services: functions that change state (HackSoft style), one module per concern."""
