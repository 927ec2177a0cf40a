"""The rule registry: a closed set of small scoring kinds.

Each kind is a class with a stable `kind` name, a Chinese `title`, a
docstring with an example, parameters validated by the JSON Schema definition
`rule_<kind>` in `schemas/indicator-set.schema.json`, and a `score` method
that returns the unrounded score with an explanation of what it did.
Rounding happens once, in the engine, at the set's precision.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Callable, ClassVar

from ..diagnostics import Diagnostics, Where
from ..model import DeviationSpec
from ..numbers import fmt, fmt_short, quantize
from ..values import Value

_REGISTRY: dict[str, type["Rule"]] = {}
REGISTRY = MappingProxyType(_REGISTRY)


def register(cls: type["Rule"]) -> type["Rule"]:
    assert cls.kind not in _REGISTRY, cls.kind
    _REGISTRY[cls.kind] = cls
    return cls


@dataclass
class RowContext:
    """What a rule sees of one row."""
    name: str
    weight: Decimal
    target: Value
    actual: Value
    diags: Diagnostics
    where: Callable[[str | None], Where]
    precision: int = 2
    rounding: str = "half_up"
    deviation: DeviationSpec = field(default_factory=DeviationSpec)
    actual_raw: Any = None
    given: Decimal | None = None
    grade: str | None = None
    inputs: dict = field(default_factory=dict)
    target_label: str = "年度指标值"
    budget: dict = field(default_factory=dict)

    def show(self, score: Decimal) -> str:
        """A score as the table will print it: at the set's precision (9.00, 3.18)."""
        return fmt(quantize(score, self.precision, self.rounding), self.precision)

    def result(self, raw: Decimal, met: bool | None = None) -> str:
        """「= 9.00分」 when exact, 「≈ 3.18分」 when rounded; a score rounded up to the full weight on a target not met
        says so, with the unrounded figure."""
        rounded = quantize(raw, self.precision, self.rounding)
        if rounded == raw:
            return f"= {self.show(raw)}分"
        if met is False and rounded >= self.weight:
            mode = "四舍五入" if self.rounding == "half_up" else "截尾"
            return (f"≈ {fmt_short(quantize(raw, self.precision + 2))}，{mode}为{self.show(raw)}分"
                    f"（等于分值，但目标未完成）")
        return f"≈ {self.show(raw)}分"


@dataclass
class Outcome:
    """A rule's verdict on one row. `score` is unrounded; None means it could not score."""
    score: Decimal | None
    explain: str
    flags: list[str] = field(default_factory=list)
    met: bool | None = None
    from_given: bool = False  # the rule adopted the evaluator's score (manual, qualitative band)
    over_ratio: Decimal | None = None  # actual / target when flagged as far over target


class Rule:
    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    quantitative: ClassVar[bool] = False

    def __init__(self, params: dict):
        self.params = params

    def lint(self, weight: Decimal | None, diags: Diagnostics, where: Where) -> None:
        """Static checks of the parameters against the row's weight."""

    def score(self, ctx: RowContext) -> Outcome:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def describe(self) -> str:
        return self.title


def n(value: Decimal) -> str:
    """A number in an explanation: no trailing zeros."""
    return fmt_short(value)


def cannot(explain: str) -> Outcome:
    return Outcome(score=None, explain=explain)


def unusable_actual(ctx: RowContext) -> Outcome | None:
    """None when the actual is a number; otherwise the outcome to return (after saying why)."""
    from ..values import EMPTY, NUMBER

    if ctx.actual.kind == EMPTY:
        return cannot("缺少实际完成值")
    if ctx.actual.kind != NUMBER:
        ctx.diags.add("V501", ctx.where("actual"), field="实际完成值", raw=ctx.actual.display())
        return cannot("实际完成值不是数值")
    return None


__all__ = ["REGISTRY", "register", "RowContext", "Outcome", "Rule", "n", "cannot", "unusable_actual", "fmt"]
