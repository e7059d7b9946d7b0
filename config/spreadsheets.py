"""Text that Attend writes into CSV files people open in a spreadsheet.

A cell from a trust's file or a patient's record could be a formula ("=HYPERLINK(…)")
that the spreadsheet would run when a person opens the file. Any cell that starts with
= + - @ or a tab or carriage return is prefixed with a single quote (OWASP's advice for
CSV injection), so it is shown as text.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
