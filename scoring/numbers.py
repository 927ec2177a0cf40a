"""Decimal helpers: the only place scores are rounded.

Scores and money are Decimal from the source text.  Rounding is an explicit,
named step at a declared number of places, 四舍五入 (ROUND_HALF_UP) unless a
set says `down` (截尾).  Python's built-in rounding and Jinja's rounding filter
round half to even, which is wrong for published tables.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN}


_WIDE = Context(prec=60)  # room for any figure a table holds; quantize never loses integer digits
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(0, 13)}


def quantize(value: Decimal, places: int, mode: str = "half_up") -> Decimal:
    """Round `value` to `places` decimals (四舍五入 by default)."""
    places = int(places)
    exponent = _EXPONENTS.get(places) or Decimal(1).scaleb(-places)
    return value.quantize(exponent, rounding=ROUNDING_MODES[mode], context=_WIDE)


def fmt(value: Decimal | None, places: int | None = None) -> str:
    """A decimal string for people and JSON: no exponent, trailing zeros kept only to `places`."""
    if value is None:
        return ""
    if places is not None:
        value = quantize(value, places)
        return format(value, "f")
    text = format(value.normalize(), "f")
    return text


def fmt_short(value: Decimal | None) -> str:
    """Drop trailing zeros: 5.00 -> 5, 3.50 -> 3.5."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def percent(ratio: Decimal, places: int = 2) -> str:
    """0.625 -> '62.50%'."""
    return f"{format(quantize(ratio * HUNDRED, places), 'f')}%"


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))
