"""Bounds on what one submission may hold, checked in the validate stage before anything is scored,
and the time one file may take.

The schema caps each text field and list; this adds what a schema cannot say:
- numbers: a 500-digit score, 1E+300 typed in an Excel cell or a 10^58 budget
  would make every later step slow or fail; no real table comes near the bounds
  below (万元 amounts, scores, percentages, counts);
- the same for numbers written inside text cells (「≥1E+300台」, 「999…9人」);
- rows: a table holds at most MAX_ROWS indicators over all its goal blocks.
A table over a bound is not scored; every place over a bound is reported.
"""
from __future__ import annotations

import re
import signal
import threading
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # light to import: the CLI reads DEFAULT_TIMEOUT at start-up
    from .diagnostics import Diagnostics
    from .yamlload import Document

MAX_DIGITS = 24        # significant digits of one number
MAX_EXPONENT = 15      # |number| < 10^15 (a thousand trillion: more than any budget in 元)
MAX_PLACES = 12        # decimals
MAX_ROWS = 500         # indicators in one table, all goal blocks together
DEFAULT_TIMEOUT = 120  # seconds per file (batch, render): a table takes milliseconds, its PDF about a second

VALUE_FIELDS = frozenset({"target", "adjusted_target", "actual"})
# Digit runs long enough to matter, or anything written with an exponent.
_LONG_NUMBER = re.compile(r"\d[\d,，]{%d,}(?:[.．]\d+)?|\d+(?:[.．]\d+)?[eE][-+]?\d+|[.．]\d{%d,}"
                          % (MAX_EXPONENT - 1, MAX_PLACES + 1))


def in_range(number: Decimal) -> bool:
    if not number.is_finite():
        return False
    if number.is_zero():
        return True
    sign, digits, exponent = number.as_tuple()
    return len(digits) <= MAX_DIGITS and number.adjusted() < MAX_EXPONENT and exponent >= -MAX_PLACES


def check_limits(doc: Document, diags: Diagnostics) -> bool:
    """Report every number out of range and a table with too many rows; False if the table must not be scored."""
    from .paths import where

    before = len(diags)
    if _suspect(doc):  # the usual table: nothing found in its gathered values, no paths are built
        _walk(doc, doc.data, (), diags)
    rows = _row_count(doc.data)
    if rows > MAX_ROWS:
        diags.add("R311", where(doc, ("indicators",)), count=rows, limit=MAX_ROWS)
    return len(diags) == before


def _suspect(doc: Document) -> bool:
    """Whether any number is out of range or any text holds a long number (anywhere: the walk then
    decides which texts are value cells).  Over the document's gathered values, one regex over the texts."""
    texts, numbers = doc.leaves()
    return not all(map(in_range, numbers)) or _LONG_NUMBER.search("\x00".join(texts)) is not None


def _walk(doc: Document, node, path: tuple, diags: Diagnostics) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _walk(doc, value, path + (key,), diags)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk(doc, value, path + (index,), diags)
    elif isinstance(node, Decimal):
        if not in_range(node):
            shown = ("无穷大（Excel 里超过 1.8E+308 的数）" if not node.is_finite()
                     else format(node, "f") if node.adjusted() < 40 else str(node))
            _report(doc, path, shown, diags)
    elif isinstance(node, str) and _value_field(path):
        for match in _LONG_NUMBER.finditer(node):
            if not _text_in_range(match.group(0)):
                _report(doc, path, node if len(node) <= 40 else node[:40] + "…", diags)
                return


def _value_field(path: tuple) -> bool:
    keys = [step for step in path if isinstance(step, str)]
    return bool(keys) and (keys[-1] in VALUE_FIELDS or keys[0] == "budget")


def _text_in_range(text: str) -> bool:
    cleaned = text.replace(",", "").replace("，", "").replace("．", ".")
    try:
        return in_range(Decimal(cleaned))
    except InvalidOperation:
        return True  # not a number after all


def _report(doc: Document, path: tuple, raw: str, diags: Diagnostics) -> None:
    from .paths import label, where

    last = next((step for step in reversed(path) if isinstance(step, str)), "")
    diags.add("V510", where(doc, path), field=label(last) or "数值", raw=raw if len(raw) <= 40 else raw[:40] + "…",
              digits=MAX_DIGITS, exponent=MAX_EXPONENT)


def _row_count(data) -> int:
    """Rows over the table and its goal blocks; the data may be anything (the schema runs beside this)."""
    if not isinstance(data, dict):
        return 0
    rows = len(data["indicators"]) if isinstance(data.get("indicators"), list) else 0
    goals = data.get("goals")
    for goal in goals if isinstance(goals, list) else ():
        if isinstance(goal, dict) and isinstance(goal.get("indicators"), list):
            rows += len(goal["indicators"])
    return rows


class TimeBudgetExceeded(BaseException):
    """Raised by the alarm when one file takes longer than its budget (a BaseException: no `except
    Exception` on the way swallows it)."""


def _alarm(signum, frame):
    raise TimeBudgetExceeded()


@contextmanager
def time_budget(seconds: float | None):
    """Raise TimeBudgetExceeded in this thread after `seconds`.  Only the main thread gets signals: elsewhere
    (and with no budget) nothing is armed; the size caps still bound the work there."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
