"""Pilots: which appointments are eligible, and their randomised arm (see allocation.py)."""
