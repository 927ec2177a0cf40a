"""Decimal helpers: the only place scores are rounded.

Scores and money are Decimal from the source text.  Rounding is an explicit,
named step at a declared number of places, 四舍五入 (ROUND_HALF_UP) unless a
set says `down` (截尾).  Python's built-in rounding and Jinja's rounding filter
round half to even, which is wrong for published tables.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN}


def quantize(value: Decimal, places: int, mode: str = "half_up") -> Decimal:
    """Round `value` to `places` decimals (四舍五入 by default)."""
    exponent = Decimal(1).scaleb(-int(places))
    with localcontext() as ctx:
        ctx.prec = 60
        return value.quantize(exponent, rounding=ROUNDING_MODES[mode])


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
