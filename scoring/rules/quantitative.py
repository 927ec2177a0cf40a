"""Quantitative kinds: 正向, 反向, 等于, and `by_sign`, which picks one from the target's sign."""
from __future__ import annotations

from decimal import Decimal

from ..numbers import ZERO, percent
from ..values import (DATE, EMPTY, EQ, GE, GT, LE, LT, MET_WORDS, NUMBER, TEXT, UnitMismatch,
                      common_numbers, looks_numeric, text_meets)
from .base import Outcome, Rule, RowContext, cannot, n, register


def read_numbers(ctx: RowContext, rule_title: str) -> tuple[Decimal, Decimal] | None:
    """Target and actual as numbers in one unit, or None after saying why."""
    target, actual = ctx.target, ctx.actual
    if target.kind == EMPTY:
        ctx.diags.add("V508", ctx.where("target"), field=ctx.target_label)
        return None
    if target.kind != NUMBER:
        ctx.diags.add("V509", ctx.where("target"), field=ctx.target_label, raw=target.display(),
                      rule=rule_title, detail="需要数值目标")
        return None
    if actual.kind == EMPTY:
        return None
    if actual.kind != NUMBER:
        if actual.text not in MET_WORDS:  # `达成预期指标` is handled by _met_word, not an error
            ctx.diags.add("V501", ctx.where("actual"), field="实际完成值", raw=actual.display())
        return None
    if actual.sign_text:
        ctx.diags.add("V505", ctx.where("actual"), raw=actual.display(), sign=actual.sign_text,
                      value=actual.amount())
    try:
        a, b, _ = common_numbers(target, actual)
    except UnitMismatch as exc:
        ctx.diags.add("V502", ctx.where("actual"), target_label=ctx.target_label, target_unit=exc.target_unit,
                      actual_label="实际完成值", actual_unit=exc.actual_unit)
        return None
    if a < 0:  # a ratio to a negative target means nothing: say so instead of scoring above the weight
        ctx.diags.add("V509", ctx.where("target"), field=ctx.target_label, raw=target.display(), rule=rule_title,
                      detail="目标值为负数，无法按比例计分；请改用分档或公式规则")
        return None
    return a, b


def _met_word(ctx: RowContext) -> Outcome | None:
    """`达成预期指标` written against a numeric target: full marks, but unverified."""
    if ctx.actual.kind == TEXT and ctx.actual.text in MET_WORDS:
        return Outcome(ctx.weight, f"实际「{ctx.actual.display()}」，视为达到目标「{ctx.target.display()}」，"
                                   f"得满分{n(ctx.weight)}（未给出实际数值）", flags=["unverified"], met=True)
    return None


def _over_achievement(ctx: RowContext, a: Decimal, b: Decimal, outcome: Outcome) -> Outcome:
    threshold = ctx.deviation.over_achievement_ratio
    if threshold is None or a <= 0 or b / a < threshold:
        return outcome
    ratio = b / a
    outcome.flags.append("over_target")
    outcome.over_ratio = ratio
    outcome.explain += f"；实际是目标的{n(ratio.quantize(Decimal('0.01')))}倍（≥{n(threshold)}倍），目标可能设置过低"
    reduction = ctx.deviation.over_achievement_reduction
    if reduction:
        outcome.score = outcome.score * (1 - reduction)
        outcome.explain += f"，按规定扣减{n(reduction * 100)}%，得{ctx.show(outcome.score)}"
    return outcome


def _proportional(ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:
    w = ctx.weight
    a_amt = ctx.actual.amount()
    if b >= a:
        out = Outcome(w, f"实际{a_amt} ≥ 目标{ctx.target.display()}，得满分{n(w)}", met=True)
        return _over_achievement(ctx, a, b, out)
    score = max(ZERO, w * b / a)
    return Outcome(score, f"实际{a_amt} < 目标{ctx.target.display()}，按比例 {n(b)}/{n(a)}×{n(w)} = {ctx.show(score)}",
                   met=False)


class _Quantitative(Rule):
    """Shared opening of the quantitative kinds: read both numbers, then `compare`."""
    quantitative = True

    def score(self, ctx: RowContext) -> Outcome:
        numbers = read_numbers(ctx, self.title)
        if numbers is None:
            return _met_word(ctx) or cannot("无法读取目标值或实际值")
        return self.compare(ctx, *numbers)

    def compare(self, ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:  # pragma: no cover
        raise NotImplementedError


@register
class Proportional(_Quantitative):
    """正向指标（≥、>）：实际 ≥ 目标得满分，否则按 实际/目标 × 分值。

    例：目标 ≥11台，实际 7台，分值 5 → 7/11×5 = 3.18。
    """
    kind = "proportional"
    title = "正向指标按比例"
    quantitative = True

    def compare(self, ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:
        if a == 0:
            return Outcome(ctx.weight, f"目标为0，实际{ctx.actual.amount()}，得满分{n(ctx.weight)}", met=True)
        return _proportional(ctx, a, b)


@register
class Reverse(_Quantitative):
    """反向指标（≤、<，如成本）：实际 ≤ 目标得满分；否则
    form: ratio 时按 目标/实际 × 分值；form: linear 时按 分值 × (1 − (实际−目标)/目标)，实际达到目标两倍时为 0。

    例：目标 ≤10万元，实际 12万元，分值 5 → ratio: 10/12×5 = 4.17；linear: 5×(1−2/10) = 4。
    """
    kind = "reverse"
    title = "反向指标"
    quantitative = True

    def compare(self, ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:
        w = ctx.weight
        t_amt, a_amt = ctx.target.amount(), ctx.actual.amount()
        if b <= a:
            return Outcome(w, f"实际{a_amt} ≤ 目标{ctx.target.display()}，得满分{n(w)}", met=True)
        if a <= 0:
            return Outcome(ZERO, f"目标为{t_amt}，实际{a_amt}超出，不得分", met=False)
        if self.params.get("form", "ratio") == "linear":
            score = max(ZERO, w * (1 - (b - a) / a))
            return Outcome(score, f"实际{a_amt} > 目标{ctx.target.display()}，超出{percent((b - a) / a)}，"
                                  f"按 {n(w)}×(1−({n(b)}−{n(a)})/{n(a)}) = {ctx.show(score)}", met=False)
        score = w * a / b
        return Outcome(score, f"实际{a_amt} > 目标{ctx.target.display()}，按 目标/实际 {n(a)}/{n(b)}×{n(w)} = {ctx.show(score)}",
                       met=False)


@register
class Equal(_Quantitative):
    """等于（=、→）：目标为 0（零事故、零投诉）时实际 ≤ 0 得满分，否则 0 分；
    目标不为 0 时按正向指标计分。

    例：目标 →100%，实际 →60%，分值 2.5 → 60/100×2.5 = 1.5。
    """
    kind = "equal"
    title = "等于目标"
    quantitative = True

    def compare(self, ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:
        w = ctx.weight
        if a == 0:
            if b <= 0:
                return Outcome(w, f"目标为0，实际{ctx.actual.amount()}，得满分{n(w)}", met=True)
            return Outcome(ZERO, f"目标为0，实际{ctx.actual.amount()}，不得分", met=False)
        return _proportional(ctx, a, b)


@register
class BySign(Rule):
    """按指标性质自动选择（默认规则）：
    ≥、> 或不写符号 → 正向；≤、< → 反向（form 同 reverse，默认 ratio）；=、→ → 等于；
    日期（「2021年12月31日前」）→ 按期完成得满分；文字（「及时」「逐步提高」）→ 定性。

    例：目标「≤1次」，实际「0」→ 反向，得满分。
    """
    kind = "by_sign"
    title = "按指标性质"
    quantitative = True

    def score(self, ctx: RowContext) -> Outcome:
        from .qualitative import Qualitative

        target = ctx.target
        if target.kind == NUMBER:
            if target.sign in (LE, LT):
                return Reverse({"form": self.params.get("form", "ratio")}).score(ctx)
            if target.sign == EQ:
                return Equal({}).score(ctx)
            return Proportional({}).score(ctx)
        if target.kind == DATE:
            return _deadline(ctx)
        if target.kind == EMPTY:
            ctx.diags.add("V508", ctx.where("target"), field=ctx.target_label)
            return cannot("缺少目标值")
        if looks_numeric(target):  # `≥abc台`: meant as a number, but not one
            ctx.diags.add("V501", ctx.where("target"), field=ctx.target_label, raw=target.display())
            return cannot("目标值无法识别为数值")
        return Qualitative({}).score(ctx)


def _deadline(ctx: RowContext) -> Outcome:
    target, actual, w = ctx.target, ctx.actual, ctx.weight
    if actual.kind == EMPTY:
        return cannot("缺少实际完成值")
    if actual.kind == DATE:
        # A date target is a deadline unless written as 「…以后」 (≥): finishing early is on time.
        on_time = actual.date >= target.date if target.sign in (GE, GT) else actual.date <= target.date
        if on_time:
            return Outcome(w, f"实际「{actual.display()}」不晚于目标「{target.display()}」，得满分{n(w)}", met=True)
        return Outcome(ZERO, f"实际「{actual.display()}」晚于目标「{target.display()}」，不得分", met=False)
    verdict = text_meets(target, actual)
    if verdict:
        return Outcome(w, f"实际「{actual.display()}」达到目标「{target.display()}」，得满分{n(w)}", met=True)
    from .qualitative import Qualitative

    return Qualitative({}).score(ctx)


__all__ = ["Proportional", "Reverse", "Equal", "BySign", "read_numbers", "GE", "GT"]
