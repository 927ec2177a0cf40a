"""Text a spreadsheet shows as written, never evaluates (formula injection).

Kept apart from the Excel writer so CSV output can use it without loading openpyxl.
"""
from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """`value` as a spreadsheet shows it without evaluating it: a leading = + - @ tab or CR gets a `'` before it."""
    return "'" + value if value.startswith(FORMULA_START) else value
