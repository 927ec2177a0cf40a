"""预算执行率 (budget execution): W × min(执行数 / 预算数, cap)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..diagnostics import Diagnostics
from ..model import BUDGET_LABELS, Budget, BudgetSpec
from ..numbers import ZERO, fmt, percent, quantize
from ..values import NUMBER, UnitMismatch, common_numbers
from .base import Outcome, Rule, RowContext, cannot, n, param, register


@dataclass
class BudgetResult:
    weight: Decimal | None
    denominator: str | None = None
    planned: Decimal | None = None
    executed: Decimal | None = None
    label: str = ""
    rate: Decimal | None = None
    raw: Decimal | None = None
    score: Decimal | None = None
    explain: str = ""
    flags: list[str] = field(default_factory=list)
    not_applicable: bool = False  # no budget and nothing spent: the weight leaves the total (rescaled)
    places: int = 2       # decimals of the score, as the set rounds it
    rate_places: int = 2  # decimals of the rate in percent, as the set prints it

    @property
    def rate_text(self) -> str:
        """The rate as every output prints it: 「47.1%」 for a set printing one decimal."""
        return percent(self.rate, self.rate_places) if self.rate is not None else ""

    @property
    def score_text(self) -> str:
        return fmt(self.score, self.places) if self.score is not None else ""


def execution_score(weight: Decimal, executed: Decimal, planned: Decimal, cap: Decimal,
                    planned_label: str = "全年预算数", rate_places: int = 2) -> tuple[Decimal, Decimal, str]:
    """(rate, unrounded score, explanation). `planned` must not be zero."""
    rate = executed / planned
    used = min(rate, cap)
    raw = weight * used
    shown_rate = percent(rate, rate_places)
    text = f"执行率 = 全年执行数{n(executed)} ÷ {planned_label}{n(planned)} = {shown_rate}"
    if quantize(rate * 100, rate_places) != rate * 100:
        text += "（计分用未四舍五入的执行率）"
    if rate > cap:
        text += f"；执行率超过{percent(cap, 0)}，按{percent(cap, 0)}计：得分 = {n(weight)} × {percent(cap, 0)}"
    else:
        text += f"；得分 = {n(weight)} × {shown_rate}"
    return rate, raw, text


def score_budget(spec: BudgetSpec, budget: Budget | None, places: int, rounding: str,
                 diags: Diagnostics, where, total: Decimal = Decimal(100),
                 implausible: Decimal | None = None) -> BudgetResult:
    """Score the 预算执行情况 block. `where(field)` locates a budget field."""
    result = BudgetResult(weight=spec.weight, places=places, rate_places=spec.rate_precision)
    if budget is None:
        diags.add("V508", where(None), field="预算执行情况（budget）")
        return result
    for key in ("initial", "annual", "adjusted", "executed"):
        value = getattr(budget, key)
        if value is not None and value < 0:
            diags.add("V503", where(key), field=BUDGET_LABELS[key], value=n(value))
    for index, source in enumerate(budget.sources):
        for key in ("initial", "annual", "adjusted", "executed"):
            value = source.get(key)
            if value is not None and value < 0:
                diags.add("V503", where(("sources", index, key)), field=f"{source['name']}{BUDGET_LABELS[key]}",
                          value=n(value))
    given = [k for k in spec.denominator if getattr(budget, k) is not None]
    if not given:
        if not set(spec.denominator) & budget.unreadable:  # an unreadable figure was reported as such
            diags.add("V508", where(spec.denominator[0]), field=BUDGET_LABELS[spec.denominator[0]])
        return result
    # 年初预算数 0 with a 全年预算数: the first figure that is not zero is the denominator.
    key = next((k for k in given if getattr(budget, k) != 0), given[0])
    result.denominator = key
    planned, executed = getattr(budget, key), budget.executed
    result.planned, result.executed, result.label = planned, executed, budget.label
    if executed is None:
        if "executed" not in budget.unreadable:
            diags.add("V508", where("executed"), field="全年执行数")
        return result
    if planned == 0 and executed == 0 and spec.zero_budget == "not_applicable":
        result.not_applicable = True
        diags.add("V518", where(key), label=BUDGET_LABELS[key], total=n(total))
        result.explain = f"{BUDGET_LABELS[key]}与全年执行数均为0，预算执行率不适用，总分按适用分值折算"
        return result
    if planned == 0:
        diags.add("V504", where(key), field=BUDGET_LABELS[key])
        if spec.weight is not None:
            result.score = ZERO
            result.explain = f"{BUDGET_LABELS[key]}为零，执行率无法计算，本项计0分"
        return result
    if planned < 0 or executed < 0:
        return result
    weight = spec.weight if spec.weight is not None else ZERO
    rate, raw, text = execution_score(weight, executed, planned, spec.cap, BUDGET_LABELS[key], spec.rate_precision)
    result.rate = rate
    if spec.weight is None:
        result.explain = text.split("；")[0]
        return result
    if implausible is not None and rate >= implausible:
        # 965 spent of 120: a unit or a decimal point mistyped, not a rate to score (V517 says so).
        result.explain = f"{text.split('；')[0]}，执行数远超预算数，很可能录入有误，改正前不计分"
        return result
    result.raw = raw
    result.score = quantize(raw, places, rounding)
    if result.score == raw:
        result.explain = f"{text} = {format(result.score, 'f')}分"
    else:
        longer = quantize(raw, places + 2)
        exact = f"= {n(raw)}" if longer == raw else f"≈ {n(longer)}"
        mode = "四舍五入" if rounding == "half_up" else "截尾"
        result.explain = f"{text} {exact}，{mode}保留{places}位小数为 {format(result.score, 'f')}分"
    return result


@register
class BudgetExecution(Rule):
    """预算执行率：分值 × min(执行数 / 预算数, cap)（cap 默认 100%）。用于指标行时，
    年度指标值为预算数、实际完成值为执行数；不填时取自评表的预算执行情况。

    例：分值 20，预算 256 万元，执行 160 万元 → 20 × 62.5% = 12.5。
    """
    kind = "budget_execution"
    title = "预算执行率"
    scales_with_weight = False

    @dataclass
    class Params:
        cap: Decimal = param("执行率计分的上限（1 即 100%）", Decimal(1))

    def score(self, ctx: RowContext) -> Outcome:
        cap = self.params.get("cap", Decimal(1))
        if ctx.target.kind == NUMBER and ctx.actual.kind == NUMBER:
            try:  # 万元 and 元 are converted; 万元 and 台 cannot be compared
                planned, executed, _ = common_numbers(ctx.target, ctx.actual)
            except UnitMismatch as exc:
                ctx.diags.add("V502", ctx.where("actual"), target_label="预算数", target_unit=exc.target_unit,
                              actual_label="执行数", actual_unit=exc.actual_unit)
                return cannot("预算数与执行数单位不一致")
            label = "预算数"
        else:
            planned, executed, label = ctx.budget.get("预算数"), ctx.budget.get("执行数"), "预算数"
        if planned is None or executed is None:
            return cannot("缺少预算数或执行数")
        if planned == 0:
            ctx.diags.add("V504", ctx.where("target"), field="预算数")
            return Outcome(ZERO, "预算数为零，执行率无法计算，计0分", met=False)
        rate, raw, text = execution_score(ctx.weight, executed, planned, cap, label)
        return Outcome(max(raw, ZERO), f"{text} {ctx.result(max(raw, ZERO))}", met=rate >= 1)
