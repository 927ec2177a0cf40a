"""The data model: an indicator set and a submission, after validation.

Everything numeric is a Decimal.  Each object remembers where it was written
(`where`) so later stages can point at the right line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .diagnostics import Diagnostics, Where
from .values import UnitMismatch, convert, name_key, parse_amount, separator_readings
from .yamlload import Document

BUDGET_FIGURES = ("initial", "annual", "adjusted", "executed")
# The judgement an importer writes for a published table's printed score: the score is the table's own, but
# no one wrote a reason for it.
IMPORTED_SCORE = "导入的表中自评得分"
BUDGET_LABELS = {"initial": "年初预算数", "annual": "全年预算数", "adjusted": "调整后预算数", "executed": "全年执行数"}


# -- indicator sets ------------------------------------------------------------------

@dataclass
class RuleSpec:
    kind: str
    params: dict
    where: Where = field(default_factory=Where)
    rule: Any = None  # the built rules.Rule, or None when its parameters are invalid


@dataclass
class FixedIndicator:
    name: str
    weight: Decimal | None
    standard: str = ""
    target: Any = None
    rule: RuleSpec | None = None
    where: Where = field(default_factory=Where)


@dataclass
class Level2:
    name: str
    weight: Decimal | None = None
    rule: RuleSpec | None = None
    allow_custom: bool = True
    max_indicators: int | None = None
    indicators: list[FixedIndicator] = field(default_factory=list)
    where: Where = field(default_factory=Where)


def _by_name(owner, items: list, name: str):
    """The first of `items` whose name is `name` (compared loosely); indexed on `owner` at first use.
    Sets are built once and then only read, so the index never goes stale."""
    index = owner.__dict__.get("_name_index")
    if index is None:
        index = {}
        for item in items:
            index.setdefault(name_key(item.name), item)
        owner.__dict__["_name_index"] = index
    return index.get(name_key(name))


@dataclass
class Level1:
    name: str
    weight: Decimal | None = None
    children: list[Level2] = field(default_factory=list)
    where: Where = field(default_factory=Where)

    def child(self, name: str) -> Level2 | None:
        return _by_name(self, self.children, name)


@dataclass
class BudgetSpec:
    weight: Decimal | None
    denominator: tuple[str, ...] = ("annual",)
    cap: Decimal = Decimal(1)
    precision: int | None = None
    rate_precision: int = 2
    label: str = "预算执行率"
    zero_budget: str = "not_applicable"  # 预算数与执行数均为 0: not_applicable (rescaled) or zero (0 points)
    where: Where = field(default_factory=Where)


@dataclass
class DeviationSpec:
    # 超额完成 (财预〔2020〕10号: a target set too low is a deviation to explain, and may cost points).
    over_achievement_ratio: Decimal | None = Decimal("1.3")      # ≥ targets: actual ÷ target at or above this is flagged
    under_cap_ratio: Decimal | None = Decimal(2)                  # ≤ targets: target ÷ actual at or above this is flagged
    over_achievement_min_difference: Decimal | None = None       # also require |actual − target| ≥ this (target's unit)
    over_achievement_reduction: Decimal | None = None            # fraction of the row's score taken off when flagged
    over_achievement_reduction_step: Decimal | None = None       # plus this fraction per 1× of ratio above the threshold
    low_rate: Decimal | None = Decimal("0.9")
    implausible_rate: Decimal | None = Decimal(2)  # 执行率 at or above this is taken for a typing error (V517)
    reason_required: bool = True


@dataclass
class Grade:
    label: str
    min: Decimal


@dataclass
class IndicatorSet:
    id: str
    name: str
    file: str
    chain: tuple[str, ...] = ()
    description: str = ""
    year: str = ""
    region: str = ""
    kind: str = "project"
    template: str = ""
    scored: bool = True
    precision: int = 2
    rounding: str = "half_up"
    total: Decimal = Decimal(100)
    goal_blocks: bool = False
    budget: BudgetSpec | None = None
    levels: list[Level1] = field(default_factory=list)
    default_rule: RuleSpec | None = None
    grades: list[Grade] = field(default_factory=list)
    deviation: DeviationSpec = field(default_factory=DeviationSpec)
    where: Where = field(default_factory=Where)

    def level1(self, name: str) -> Level1 | None:
        return _by_name(self, self.levels, name)

    def fixed_indicators(self):
        """(Level1, Level2, FixedIndicator) for every indicator the set fixes."""
        for level in self.levels:
            for child in level.children:
                for indicator in child.indicators:
                    yield level, child, indicator

    def fixed_named(self, name: str) -> list:
        """The fixed indicators called `name` (compared loosely), in set order; indexed on first use."""
        index = self.__dict__.get("_fixed_index")
        if index is None:
            index = {}
            for entry in self.fixed_indicators():
                index.setdefault(name_key(entry[2].name), []).append(entry)
            self.__dict__["_fixed_index"] = index
        return index.get(name_key(name), [])

    def grade_for(self, total: Decimal) -> str:
        for grade in sorted(self.grades, key=lambda g: g.min, reverse=True):
            if total >= grade.min:
                return grade.label
        return ""


# -- submissions ------------------------------------------------------------------------

@dataclass
class Row:
    """One 三级指标 row of a submission."""
    path: tuple
    goal: int
    name: str
    level1: str = ""
    level2: str = ""
    weight: Decimal | None = None
    target: Any = None
    adjusted_target: Any = None
    actual: Any = None
    sign: str | None = None
    unit: str | None = None
    rule: dict | None = None
    given_score: Decimal | None = None
    evaluator_judgement: str | None = None
    grade: str | None = None
    inputs: dict = field(default_factory=dict)
    not_applicable: str | None = None
    reason: str = ""
    measures: str = ""

    @classmethod
    def from_dict(cls, data: dict, path: tuple, goal: int) -> "Row":
        return cls(
            path=path, goal=goal, name=data["name"],
            level1=data.get("level1") or "", level2=data.get("level2") or "",
            weight=data.get("weight"), target=data.get("target"),
            adjusted_target=data.get("adjusted_target"), actual=data.get("actual"),
            sign=data.get("sign"), unit=data.get("unit"), rule=data.get("rule"),
            given_score=data.get("given_score"), evaluator_judgement=data.get("evaluator_judgement"),
            grade=data.get("grade"), inputs=dict(data.get("inputs") or {}),
            not_applicable=data.get("not_applicable"),
            reason=data.get("reason") or "", measures=data.get("measures") or "",
        )


@dataclass
class Goal:
    name: str
    weight: Decimal | None
    target: str = ""
    actual: str = ""
    path: tuple = ()


@dataclass
class Budget:
    initial: Decimal | None = None
    annual: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None
    score: Decimal | None = None
    weight: Decimal | None = None  # the 分值 the table prints on its 预算执行率 row
    unreadable: frozenset = frozenset()  # figures written but not read for sure (V515, V520): not "missing"
    reason: str = ""
    measures: str = ""
    label: str = ""
    sources: list[dict] = field(default_factory=list)


@dataclass
class Submission:
    doc: Document
    set_id: str
    unit: str
    data: dict
    precision: int | None = None
    budget: Budget | None = None
    goals: list[Goal] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    total: Decimal | None = None
    total_grade: str | None = None
    reason: str = ""
    measures: str = ""

    @property
    def file(self) -> str:
        return self.doc.file

    @classmethod
    def from_document(cls, doc: Document, diags: Diagnostics | None = None) -> "Submission":
        """Build the submission; budget figures written as text (「100万元」) are read here, and what cannot be
        read for sure (「22，873」) is reported into `diags` and left out."""
        data = doc.data
        budget = None
        if isinstance(data.get("budget"), dict):
            b = data["budget"]
            figures = {k: _amount(doc, ("budget", k), b.get(k), diags) for k in BUDGET_FIGURES}
            budget = Budget(
                **figures, score=b.get("score"),
                unreadable=frozenset(k for k in BUDGET_FIGURES if b.get(k) is not None and figures[k] is None),
                weight=b.get("weight"),
                reason=b.get("reason") or "", measures=b.get("measures") or "",
                label=b.get("label") or "", sources=[
                    {**source, **{k: _amount(doc, ("budget", "sources", i, k), source[k], diags)
                                  for k in BUDGET_FIGURES if k in source}}
                    for i, source in enumerate(b.get("sources") or [])],
            )
        goals: list[Goal] = []
        rows: list[Row] = []
        listed = data.get("goals") or []
        for index, goal in enumerate(listed):
            default = "年度总体目标" if len(listed) == 1 else f"年度目标{index + 1}"
            goals.append(Goal(name=goal.get("name") or default, weight=goal.get("weight"),
                              target=goal.get("target") or "", actual=goal.get("actual") or "",
                              path=("goals", index)))
            for r, row in enumerate(goal.get("indicators") or []):
                rows.append(Row.from_dict(row, ("goals", index, "indicators", r), index))
        for r, row in enumerate(data.get("indicators") or []):
            rows.append(Row.from_dict(row, ("indicators", r), 0))
        return cls(
            doc=doc, set_id=data["set"], unit=data["unit"], data=data,
            precision=int(data["precision"]) if data.get("precision") is not None else None,
            budget=budget, goals=goals, rows=rows, total=data.get("total"),
            total_grade=data.get("total_grade"), reason=data.get("reason") or "",
            measures=data.get("measures") or "",
        )


BUDGET_UNIT = "万元"  # the unit every 自评表 prints its 预算执行情况 in


def _amount(doc: Document, path: tuple, raw, diags: Diagnostics | None) -> Decimal | None:
    """A budget figure: a number, or text with a unit (「100万元」「6,577.19」), in 万元."""
    if raw is None or isinstance(raw, Decimal):
        return raw
    reading = parse_amount(raw)
    problem = reading.problem
    number = reading.number
    if not problem:
        try:
            number = convert(reading.number, reading.unit, BUDGET_UNIT)
        except UnitMismatch:
            problem = "V520"
    if problem and diags is not None:
        from .paths import label, where

        at = where(doc, path)
        if problem == "V515":
            as_int, as_dec = separator_readings(str(raw))
            diags.add("V515", at, raw=str(raw).strip(), sep="，", as_int=as_int, as_dec=as_dec)
        else:
            diags.add("V520", at, field=label(path[-1]), raw=str(raw).strip(), detail="不是金额",
                      hint=f"请只填数字（单位为{BUDGET_UNIT}），例如「256.5」或「256.5万元」。")
    return None if problem else number
