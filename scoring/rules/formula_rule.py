"""公式 (formula): a small arithmetic expression over named inputs, in our own language.

The expression is parsed by `scoring.formula` (our tokenizer and grammar: numbers,
names, + - * /, min, max, abs) and evaluated over Decimal. No eval, no exec.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..formula import FormulaError, parse_formula
from ..numbers import ZERO
from ..values import NUMBER, UnitMismatch, common_numbers
from .base import Outcome, Rule, RowContext, cannot, n, param, register
from .tiers import RuleParamError

STANDARD_NAMES = ("分值", "目标值", "实际值", "完成率", "执行数", "预算数", "执行率",
                  "年初预算数", "全年预算数", "调整后预算数", "全年执行数")


@register
class FormulaRule(Rule):
    """公式计分：用 + - * / 和 min、max、abs 写出得分，可用的名称：分值、目标值、实际值、完成率（实际/目标）、
    执行数、预算数、执行率、年初预算数、全年预算数、调整后预算数、全年执行数，以及 inputs 中声明的名称
    （由自评表在该行的 inputs 中给出取值）。结果限制在 0～分值之间。

    例：formula: "20 * min(执行数 / 预算数, 1)"，执行数 160、预算数 256 → 12.5。
    """
    kind = "formula"
    title = "公式计分"
    scales_with_weight = False

    @dataclass
    class Params:
        formula: str = param("公式：数字、名称、+ − × ÷ 和 min、max、abs；名称为预算数、执行数、目标、实际等")
        inputs: list = param("公式中另外用到的输入名称（在自评表的 inputs 中填写）", [])

    def __init__(self, params: dict):
        super().__init__(params)
        allowed = set(STANDARD_NAMES) | set(params.get("inputs") or [])
        try:
            self.formula = parse_formula(params["formula"], allowed_names=allowed)
        except FormulaError as exc:
            raise RuleParamError(exc.message, exc.code) from None

    def score(self, ctx: RowContext) -> Outcome:
        values: dict[str, Decimal] = {"分值": ctx.weight}
        values.update({k: v for k, v in ctx.budget.items() if v is not None})
        if ctx.target.kind == NUMBER:
            values["目标值"] = ctx.target.number
        if ctx.actual.kind == NUMBER:
            values["实际值"] = ctx.actual.number
            if ctx.target.kind == NUMBER:
                try:
                    a, b, _ = common_numbers(ctx.target, ctx.actual)
                    values["实际值"] = b
                    if a != 0:
                        values["完成率"] = b / a
                except UnitMismatch:
                    pass
        values.update({k: v for k, v in ctx.inputs.items()})
        try:
            raw = self.formula.evaluate(values)
        except FormulaError as exc:
            ctx.diags.add(exc.code, ctx.where("rule"), formula=self.formula.source, detail=exc.message)
            return cannot("公式无法计算")
        used = "、".join(f"{name}={n(values[name])}" for name in sorted(self.formula.names))
        score = min(max(raw, ZERO), ctx.weight)
        text = f"按公式 {self.formula.source}（{used}）= {n(raw)}"
        if score != raw:
            text += f"，限定在 0～{n(ctx.weight)} 分内为 {ctx.show(score)}"
        return Outcome(score, text, met=score >= ctx.weight)
