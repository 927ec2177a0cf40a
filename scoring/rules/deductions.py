"""Deduction kinds: 每偏离一个单位扣分, 每出现一次扣分, and 要素法 checklists."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from ..numbers import ZERO
from ..values import EMPTY, NUMBER, UnitMismatch, common_numbers, count_of, normalize_text, parse_value
from .base import Outcome, RowContext, Rule, cannot, n, param, register, unusable_actual
from .tiers import RuleParamError


@register
class DeductPerPoint(Rule):
    """每偏离标准一个单位扣分，扣完为止：direction: above 超过标准扣分，below 低于标准扣分。
    per 为一个单位的大小（默认 1，百分数即一个百分点）；count: exact 按实际偏离计，ceil/floor 按整单位计。

    例：以100%为标准，每超过一个百分点扣0.5分 → standard: 100%, direction: above, step: 0.5。
    实际 103%，分值 5 → 5 − 3×0.5 = 3.5。
    """
    kind = "deduct_per_point"
    title = "每偏离一个单位扣分"

    @dataclass
    class Params:
        standard: Any = param("标准值，如「100%」")
        direction: str = param("above 超过标准扣分，below 低于标准扣分")
        step: Decimal = param("每个单位扣的分数")
        per: Decimal = param("一个单位的大小（百分数即一个百分点）", Decimal(1))
        count: str = param("偏离单位的计法：exact 按实际，ceil 不足一个按一个，floor 不足一个不计", "exact")

    def __init__(self, params: dict):
        super().__init__(params)
        standard = parse_value(params["standard"])
        if standard.kind != NUMBER:
            raise RuleParamError(f"标准「{params['standard']}」不是数值")
        self.standard = standard

    def score(self, ctx: RowContext) -> Outcome:
        actual = ctx.actual
        problem = unusable_actual(ctx)
        if problem is not None:
            return problem
        try:  # 万元 against 元 converts; 台 against % does not
            std, value, _ = common_numbers(self.standard, actual)
        except UnitMismatch as exc:
            ctx.diags.add("V502", ctx.where("actual"), target_label="评分标准", target_unit=exc.target_unit,
                          actual_label="实际完成值", actual_unit=exc.actual_unit)
            return cannot("单位不一致")
        above = self.params["direction"] == "above"
        deviation = value - std if above else std - value
        w = ctx.weight
        std_text = self.standard.amount()
        if deviation <= 0:
            word = "未超过" if above else "不低于"
            return Outcome(w, f"实际{actual.amount()}{word}标准{std_text}，得满分{n(w)}分", met=True)
        per = self.params.get("per", Decimal(1))
        units = deviation / per
        mode = self.params.get("count", "exact")
        if mode != "exact":
            units = units.to_integral_value(rounding=ROUND_CEILING if mode == "ceil" else ROUND_FLOOR)
        step = self.params["step"]
        deduction = step * units
        score = max(ZERO, w - deduction)
        unit_word = "个百分点" if (self.standard.unit or actual.unit) == "%" else (self.standard.unit or "")
        word = "超过" if above else "低于"
        return Outcome(score, f"实际{actual.amount()}，{word}标准{std_text} {n(deviation)}{unit_word}，"
                              f"扣 {n(units)}×{n(step)} = {n(deduction)}分，得{ctx.show(score)}分"
                              + ("（扣完为止）" if w - deduction < 0 else ""), met=False)


@register
class DeductPerOccurrence(Rule):
    """每出现一次扣分，扣完为止：实际完成值为出现次数。

    例：每出现一例不符合要求的扣1分 → step: 1。出现 2 例，分值 3 → 1。
    """
    kind = "deduct_per_occurrence"
    title = "每出现一次扣分"

    @dataclass
    class Params:
        step: Decimal = param("每出现一次扣的分数")

    def score(self, ctx: RowContext) -> Outcome:
        actual = ctx.actual
        if actual.kind == EMPTY:
            return cannot("缺少实际完成值")
        count = count_of(actual)  # 「无」 is 0, 「发生2起」 is 2
        read_as = ""
        if count is not None and actual.kind != NUMBER:
            read_as = f"实际「{actual.display()}」，按{n(count)}次计；"
            actual = parse_value(count)
        if actual.kind != NUMBER or actual.number < 0 or actual.number != actual.number.to_integral_value():
            ctx.diags.add("V509", ctx.where("actual"), field="实际完成值", raw=actual.display(), rule=self.title,
                          detail="应为出现次数（非负整数）")
            return cannot("次数无效")
        count, step, w = actual.number, self.params["step"], ctx.weight
        if count == 0:
            return Outcome(w, f"{read_as}未出现扣分情形，得满分{n(w)}分", met=True)
        deduction = step * count
        score = max(ZERO, w - deduction)
        return Outcome(score, f"{read_as}出现{n(count)}次，每次扣{n(step)}分，扣{n(deduction)}分，得{ctx.show(score)}分"
                              + ("（扣完为止）" if w - deduction < 0 else ""), met=False)


_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ①..⑳


@register
class Checklist(Rule):
    """要素法：满足哪些要素，得哪些要素的分。实际完成值写满足的要素：序号列表 [1, 2]、
    「①②③」、要素名称，或「全部」。

    例：①管理办法 1分；②合法合规 1分；③有效执行 1分。实际「①③」→ 2。
    """
    kind = "checklist"
    title = "要素法"
    scales_with_weight = False

    @dataclass
    class Params:
        items: list = param("要素：name 要素名称，points 该要素的分数")

    def lint(self, weight, diags, where) -> None:
        total = sum((item["points"] for item in self.params["items"]), ZERO)
        if weight is not None and total != weight:
            diags.add("W405", where, total=n(total), weight=n(weight))

    def _satisfied(self, raw) -> tuple[set[int], list[str]]:
        items = self.params["items"]
        if isinstance(raw, str) and raw.strip() in ("全部", "全部满足", "均满足", "all"):
            return set(range(1, len(items) + 1)), []
        if isinstance(raw, str) and raw.strip() in ("无", "均不满足", "none"):
            return set(), []
        names = {normalize_text(item["name"]): i for i, item in enumerate(items, 1)}
        if isinstance(raw, (list, tuple)):
            tokens = [str(t) for t in raw]
        elif normalize_text(raw) in names:  # one item's name, which may itself contain 、 or ，
            return {names[normalize_text(raw)]}, []
        else:
            text = str(raw)
            tokens = [str(_CIRCLED[ch]) for ch in text if ch in _CIRCLED] or re.split(r"[,，、\s]+", text.strip())
        chosen, unknown = set(), []
        for token in tokens:
            token = token.strip()
            if not token:
                continue
            if token.isdecimal() and 1 <= int(token) <= len(items):  # isdigit() admits ² which int() refuses
                chosen.add(int(token))
                continue
            index = names.get(normalize_text(token))
            if index is None:
                unknown.append(token)
            else:
                chosen.add(index)
        return chosen, unknown

    def score(self, ctx: RowContext) -> Outcome:
        raw = ctx.actual_raw
        if raw is None or raw == "" or raw == []:
            return cannot("缺少实际完成值")
        chosen, unknown = self._satisfied(raw)
        if unknown:
            ctx.diags.add("V509", ctx.where("actual"), field="实际完成值", raw="、".join(unknown), rule=self.title,
                          detail=f"要素应为 1～{len(self.params['items'])} 的序号或要素名称")
            return cannot("要素无效")
        items = self.params["items"]
        got = [items[i - 1]["points"] for i in sorted(chosen)]
        score = min(sum(got, ZERO), ctx.weight)
        missing = [items[i - 1]["name"] for i in range(1, len(items) + 1) if i not in chosen]
        text = f"满足{len(chosen)}项要素，得{'+'.join(n(p) for p in got) or '0'} = {n(score)}分"
        if missing:
            text += "；未满足：" + "；".join(missing)
        return Outcome(score, text, met=not missing)
