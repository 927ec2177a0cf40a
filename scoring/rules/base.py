"""The rule registry: a closed set of small scoring kinds.

Each kind is a class with a stable `kind` name, a Chinese `title`, a
docstring with an example, parameters validated by the JSON Schema definition
`rule_<kind>` in `schemas/indicator-set.schema.json`, and a `score` method
that returns the unrounded score with an explanation of what it did.
Rounding happens once, in the engine, at the set's precision.
"""
from __future__ import annotations

import copy
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
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
    """Add a kind. A kind must declare its parameters (`Params`, a dataclass made with `param`)."""
    assert cls.kind not in _REGISTRY, cls.kind
    assert is_dataclass(cls.__dict__.get("Params")), f"{cls.kind}: declare its parameters as a Params dataclass"
    _REGISTRY[cls.kind] = cls
    return cls


def param(doc: str, default: Any = MISSING) -> Any:
    """One parameter of a rule kind: what it means and its default (none: the set must write it).
    `jixiao rules` prints these; a test holds them equal to the kind's JSON Schema definition."""
    if default is MISSING:
        return field(metadata={"doc": doc})
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(default), metadata={"doc": doc, "default": default})
    return field(default=default, metadata={"doc": doc, "default": default})


@dataclass(frozen=True)
class Parameter:
    name: str
    doc: str
    required: bool
    default: Any = None


@dataclass(slots=True)  # one per row: slots make it cheaper to build and read
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
    judgement: str | None = None  # the evaluator's stated reason, when the given score is theirs

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


@dataclass(slots=True)
class Outcome:
    """A rule's verdict on one row. `score` is unrounded; None means it could not score."""
    score: Decimal | None
    explain: str
    flags: list[str] = field(default_factory=list)
    met: bool | None = None
    from_given: bool = False  # the rule adopted the evaluator's score (manual, qualitative band)
    over_ratio: Decimal | None = None  # actual / target when flagged as far over target
    method: str = ""  # how the points were computed, for the deviation sentence: 「按比例」「按反向指标」


class Rule:
    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    # The score scales with whatever weight the row has (true of ratios, bands and deductions; not of tiers,
    # checklists, options, formulas and budget execution, whose points are written in the rule).
    scales_with_weight: ClassVar[bool] = True

    @dataclass
    class Params:  # overridden by every kind (register() checks that it is the kind's own)
        pass

    def __init__(self, params: dict):
        self.params = params

    @classmethod
    def parameters(cls) -> list[Parameter]:
        return [Parameter(f.name, f.metadata.get("doc", ""), "default" not in f.metadata, f.metadata.get("default"))
                for f in fields(cls.Params)]

    @classmethod
    def defaults(cls) -> dict:
        """The parameters a set may leave out, with the value used then."""
        return {p.name: copy.deepcopy(p.default) for p in cls.parameters() if not p.required}

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


__all__ = ["REGISTRY", "register", "param", "Parameter", "RowContext", "Outcome", "Rule", "n", "cannot",
           "unusable_actual", "fmt"]
