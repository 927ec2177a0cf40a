"""分档 (tiers): value bands with explicit bounds, each worth a number of points.

Bounds are written in interval notation, so inclusivity is never guessed:
`[90%, +∞)` 含 90%；`[80%, 90%)` 含 80% 不含 90%；`[0, 0]` 恰为 0.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..values import NUMBER, UnitMismatch, convert, parse_value
from .base import Outcome, Rule, RowContext, cannot, n, param, register, unusable_actual


class RuleParamError(ValueError):
    """A parameter that the schema allowed but that makes no sense."""


@dataclass(frozen=True)
class Interval:
    low: Decimal | None  # None: unbounded
    low_closed: bool
    high: Decimal | None
    high_closed: bool
    unit: str | None
    text: str

    def contains(self, value: Decimal) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_closed)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and not self.high_closed)):
            return False
        return True


_INFINITE = {"", "+∞", "∞", "+inf", "inf", "-∞", "-inf", "正无穷", "负无穷"}


def _bound(text: str) -> tuple[Decimal | None, str | None]:
    text = text.strip()
    if text in _INFINITE:
        return None, None
    value = parse_value(text)
    if value.kind != NUMBER or value.sign is not None:
        raise RuleParamError(f"区间端点「{text}」不是数值")
    return value.number, value.unit


def parse_interval(text: str) -> Interval:
    folded = unicodedata.normalize("NFKC", text).replace("【", "[").replace("】", "]").strip()
    match = re.match(r"^([\[(])(.*),(.*)([\])])$", folded)
    if not match:
        raise RuleParamError(f"区间「{text}」应写成「[80%, 90%)」的形式")
    low, low_unit = _bound(match.group(2))
    high, high_unit = _bound(match.group(3))
    if low is not None and high is not None and (low > high or (low == high and not (
            match.group(1) == "[" and match.group(4) == "]"))):
        raise RuleParamError(f"区间「{text}」是空的")
    if low_unit and high_unit and low_unit != high_unit:
        raise RuleParamError(f"区间「{text}」两端单位不同")
    return Interval(low, match.group(1) == "[" and low is not None, high,
                    match.group(4) == "]" and high is not None, low_unit or high_unit, text)


def _point(value: Decimal | None, unit: str | None, closed: bool, lower: bool) -> str:
    if value is None:
        return "-∞" if lower else "+∞"
    return f"{n(value)}{unit or ''}"


@register
class Tiers(Rule):
    """分档计分：实际值落在哪一档，得哪一档的分。区间用「[含, 不含)」写明端点。

    例：重点支出安排率 ≥90% 计 5 分；80%（含）-90% 计 4 分……
        tiers: [{range: "[90%, +∞)", points: 5}, {range: "[80%, 90%)", points: 4}, ...]
    实际 85% → 4。
    """
    kind = "tiers"
    title = "分档计分"
    scales_with_weight = False

    @dataclass
    class Params:
        tiers: list = param("各档：range 区间（如「[90%, 100%]」「[80%, 90%)」），points 该档得分")
        domain: Any = param("实际值可能的范围（如「[0%, 100%]」），用于检查各档是否有缺口", None)

    def __init__(self, params: dict):
        super().__init__(params)
        self.tiers = [(parse_interval(t["range"]), t["points"]) for t in params["tiers"]]
        self.domain = parse_interval(params["domain"]) if params.get("domain") else None

    def lint(self, weight, diags, where) -> None:
        if weight is not None:
            for _, points in self.tiers:
                if points > weight:
                    diags.add("W406", where, points=n(points), weight=n(weight))
        for problem, fields in check_tiers([i for i, _ in self.tiers], self.domain):
            diags.add(problem, where, **fields)

    def score(self, ctx: RowContext) -> Outcome:
        actual = ctx.actual
        problem = unusable_actual(ctx)
        if problem is not None:
            return problem
        unit = next((i.unit for i, _ in self.tiers if i.unit), None)
        value = actual.number
        try:
            value = convert(value, actual.unit, unit)
        except UnitMismatch:
            ctx.diags.add("V502", ctx.where("actual"), target_label="分档区间", target_unit=unit,
                          actual_label="实际完成值", actual_unit=actual.unit)
            return cannot("单位不一致")
        for interval, points in self.tiers:
            if interval.contains(value):
                points = min(points, ctx.weight)
                best = max(p for _, p in self.tiers)
                return Outcome(points, f"实际{actual.amount()}落在「{interval.text}」档，得{n(points)}分",
                               met=points >= best)
        ctx.diags.add("V509", ctx.where("actual"), field="实际完成值", raw=actual.display(), rule=self.title,
                      detail="不在任何一档内")
        return cannot("不在任何一档内")


def check_tiers(intervals: list[Interval], domain: Interval | None = None):
    """Yield (code, fields) for every gap (W403) and overlap (W404) between tiers."""
    def low_key(i: Interval):
        return (Decimal("-Infinity") if i.low is None else i.low, not i.low_closed)

    ordered = sorted(intervals, key=low_key)
    unit = next((i.unit for i in ordered if i.unit), None)
    for first, second in zip(ordered, ordered[1:]):
        high = Decimal("Infinity") if first.high is None else first.high
        low = Decimal("-Infinity") if second.low is None else second.low
        if high > low or (high == low and first.high_closed and second.low_closed):
            overlap = f"{n(low)}{unit or ''}" if high == low else f"{_point(second.low, unit, True, True)}～{_point(first.high, unit, True, False)}"
            yield "W404", {"first": first.text, "second": second.text, "overlap": overlap}
        elif high < low or (high == low and not first.high_closed and not second.low_closed):
            left = "[" if not first.high_closed else "("
            right = "]" if not second.low_closed else ")"
            gap = f"{left}{_point(first.high, unit, True, False)}, {_point(second.low, unit, True, True)}{right}"
            yield "W403", {"gap": gap}
    if domain is not None and ordered:
        lowest, highest = ordered[0], max(ordered, key=lambda i: Decimal("Infinity") if i.high is None else i.high)
        if domain.low is not None and (lowest.low is not None and (
                lowest.low > domain.low or (lowest.low == domain.low and domain.low_closed and not lowest.low_closed))):
            yield "W403", {"gap": f"{_point(domain.low, unit, True, True)} 附近"}
        if domain.high is not None and (highest.high is not None and (
                highest.high < domain.high or (highest.high == domain.high and domain.high_closed and not highest.high_closed))):
            yield "W403", {"gap": f"{_point(domain.high, unit, True, False)} 附近"}
