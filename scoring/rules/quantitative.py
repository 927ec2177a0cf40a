"""Quantitative kinds: 正向, 反向, 等于, and `by_sign`, which picks one from the target's sign.

A number is scored only against a number.  Words against a numeric target (「满意」 against 「≥95%」) prove
nothing: the row is not scored by the rule and the unit is asked for the number (V513); the one exception is
无/零 against a zero target.  A decimal against a percentage target (「0.85」 against 「≥95%」) is asked about
(V514) instead of being scored as 0.85%.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..numbers import HUNDRED, ZERO, percent, quantize
from ..values import (DATE, EMPTY, EQ, GE, GT, LE, LT, NUMBER, ON_TIME_WORDS, RANGE, SIGN_LABEL, TEXT, UnitMismatch,
                      common_numbers, comparable_date, convert, count_of, has_digits, looks_numeric, text_meets)
from ..verdicts import Flag
from .base import Outcome, RowContext, Rule, cannot, n, param, register
from .qualitative import Qualitative

_RELATION = {GE: "达到", GT: "超过", LE: "未超过", LT: "低于", EQ: "等于"}


def _target(ctx: RowContext, understood: str = "") -> str:
    """「目标（≥500人）」, naming the 调整后指标值 when that is what is used, and how a date was understood."""
    label = "调整后目标" if ctx.target_label == "调整后指标值" else "目标"
    note = f"，按{understood}理解" if understood else ""
    return f"{label}（{ctx.target.display()}{note}）"


def read_numbers(ctx: RowContext, rule_title: str) -> tuple[Decimal, Decimal] | str:
    """Target and actual as numbers in one unit, or, after reporting why, the sentence that explains the row."""
    target, actual = ctx.target, ctx.actual
    if target.kind == EMPTY:
        ctx.diags.add("V508", ctx.where("target"), field=ctx.target_label)
        return f"缺少{ctx.target_label}，无法计分"
    if target.kind != NUMBER:
        if target.ambiguous:
            _ambiguous(ctx, "target", ctx.target_label)
            return f"{ctx.target_label}「{target.display()}」的分隔符有歧义，无法计分"
        ctx.diags.add("V509", ctx.where("target"), field=ctx.target_label, raw=target.display(),
                      rule=rule_title, detail="需要数值目标")
        return f"{ctx.target_label}「{target.display()}」不是数值，无法按{rule_title}计分"
    if actual.kind == EMPTY:
        return "缺少实际完成值"
    if actual.kind != NUMBER:
        count = count_of(actual) if target.number == 0 else None
        if count is not None:
            return target.number, count  # 「无」 is 0 and 「发生2起」 is 2 against a zero target
        return _not_a_number(ctx, f"{n(target.number)}{target.unit or ''}")
    if actual.sign_text and _opposed(target.sign or GE, actual.sign):
        # 「95%以下」 against 「≥95%」: a bound in the wrong direction proves nothing about meeting the target.
        bound = f"{'不超过' if actual.sign in (LE, LT) else '不低于'}{actual.amount()}"
        ctx.diags.add("V521", ctx.where("actual"), raw=actual.display(), bound=bound, target=target.display(),
                      example=actual.amount())
        return f"实际「{actual.display()}」只说明{bound}，不能证明达到{_target(ctx)}"
    if actual.sign_text:
        ctx.diags.add("V505", ctx.where("actual"), raw=actual.display(), sign=actual.sign_text,
                      value=actual.amount())
    try:
        a, b, _ = common_numbers(target, actual)
    except UnitMismatch as exc:
        ctx.diags.add("V502", ctx.where("actual"), target_label=ctx.target_label, target_unit=exc.target_unit,
                      actual_label="实际完成值", actual_unit=exc.actual_unit)
        return f"单位不一致（{exc.target_unit}、{exc.actual_unit}），无法计分"
    if a < 0:  # a ratio to a negative target means nothing: say so instead of scoring above the weight
        ctx.diags.add("V509", ctx.where("target"), field=ctx.target_label, raw=target.display(), rule=rule_title,
                      detail="目标值为负数，无法按比例计分；请改用分档或公式规则")
        return "目标值为负数，无法按比例计分"
    if _decimal_for_percent(target, actual, a):
        ctx.diags.add("V514", ctx.where("actual"), raw=actual.display(), target=target.display(),
                      as_percent=f"{n(actual.number * HUNDRED)}%")
        return f"实际「{actual.display()}」像是写成了小数的百分数，待确认后计分"
    if actual.unit == "%" and "%" in actual.text and "%" not in target.text and 0 < a <= 1 and b > 1:
        ctx.diags.add("V524", ctx.where("target"), field=ctx.target_label, raw=target.display(),
                      actual=actual.display(), as_percent=f"{n(a * HUNDRED)}%")
        return f"{ctx.target_label}「{target.display()}」像是写成了小数的百分数，待确认后计分"
    if target.unit and not actual.unit_written() and a > 0 and b / a >= _UNIT_SLIP:
        ctx.diags.add("V523", ctx.where("actual"), raw=actual.display(), unit=target.unit, target=target.display(),
                      ratio=n(quantize(b / a, 2)))
        return f"实际「{actual.display()}」没有写单位，按{target.unit}计与目标相差太大，待确认后计分"
    return a, b


_UNIT_SLIP = Decimal(1000)  # a bare number this many times a target with a unit: 500000 against ≤50万元


def _not_a_number(ctx: RowContext, example: str) -> str:
    """Report an actual that is not a number (V515 ambiguous separator, V513 words, V501 anything else) and
    return the sentence that explains the row."""
    actual = ctx.actual
    if actual.ambiguous:
        _ambiguous(ctx, "actual", "实际完成值")
        return f"实际「{actual.display()}」的分隔符有歧义，无法计分"
    if actual.kind == TEXT and not has_digits(actual):
        ctx.diags.add("V513", ctx.where("actual"), raw=actual.display(), target=ctx.target.display(), example=example)
        return f"实际「{actual.display()}」是文字，不能证明达到{_target(ctx)}，需填写实际数值"
    ctx.diags.add("V501", ctx.where("actual"), field="实际完成值", raw=actual.display())
    return f"实际「{actual.display()}」无法识别为数值"


def _opposed(target_sign: str, actual_sign: str | None) -> bool:
    """A ≥ target with an actual written as a ceiling (≤, 以下, 以内), or a ≤ target with a floor."""
    up, down = (GE, GT), (LE, LT)
    return (target_sign in up and actual_sign in down) or (target_sign in down and actual_sign in up)


def _decimal_for_percent(target, actual, a: Decimal) -> bool:
    """「0.85」 written against 「≥95%」: 85% written as a decimal, or really 0.85%?"""
    return target.unit == "%" and a > 1 and "%" not in actual.text and 0 < actual.number <= 1


def _ambiguous(ctx: RowContext, field: str, label: str) -> None:
    from ..values import separator_readings

    value = ctx.target if field == "target" else ctx.actual
    as_int, as_dec = separator_readings(value.raw)
    ctx.diags.add("V515", ctx.where(field), raw=value.display(), sep=value.ambiguous, as_int=as_int, as_dec=as_dec)


def _over_achievement(ctx: RowContext, a: Decimal, b: Decimal, outcome: Outcome, below_cap: bool = False) -> Outcome:
    """Flag a target far exceeded (≥ targets: actual ÷ target ≥ threshold) or a cap far undercut (≤ targets:
    target ÷ actual ≥ threshold), optionally only past an absolute difference, and reduce the score when the set
    says so: `reduction` plus `reduction_step` for each 1× of ratio above the threshold, at most 100%."""
    dev = ctx.deviation
    threshold = dev.under_cap_ratio if below_cap else dev.over_achievement_ratio
    high, low = (a, b) if below_cap else (b, a)
    if threshold is None or low <= 0:
        return outcome
    ratio = high / low
    if ratio < threshold:
        return outcome
    if dev.over_achievement_min_difference is not None and abs(b - a) < dev.over_achievement_min_difference:
        return outcome
    outcome.flags.append(Flag.BELOW_CAP if below_cap else Flag.OVER_TARGET)
    outcome.over_ratio = ratio
    shown = n(quantize(ratio, 2))
    if below_cap:
        outcome.explain += f"；目标上限是实际的{shown}倍（≥{n(threshold)}倍），目标可能设置过松"
    else:
        outcome.explain += f"；实际是目标的{shown}倍（≥{n(threshold)}倍），目标可能设置过低"
    reduction = (dev.over_achievement_reduction or ZERO) + (dev.over_achievement_reduction_step or ZERO) * (ratio - threshold)
    if reduction > 0:
        reduction = min(reduction, Decimal(1))
        before = outcome.score
        outcome.score = before * (1 - reduction)
        cut = f"{n(quantize(reduction * HUNDRED, 2))}%"
        outcome.explain += f"，按规定扣减{cut}：{n(before)}×(1−{cut}) {ctx.result(outcome.score)}"
    return outcome


def _amount(ctx: RowContext, b: Decimal) -> str:
    """The actual as written, with its conversion when its unit is not the target's: 「8000万元（折合0.8亿元）」."""
    actual, target = ctx.actual, ctx.target
    if actual.kind == NUMBER and actual.unit and target.unit and actual.unit != target.unit and b != actual.number:
        return f"{actual.amount()}（折合{n(b)}{target.unit}）"
    return _shown(ctx, b)


def _proportional(ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:
    w = ctx.weight
    a_amt = _amount(ctx, b)
    sign = ctx.target.sign or GE
    if b > a or (b == a and sign != GT):
        out = Outcome(w, f"实际{a_amt}，{_RELATION[GE if sign == EQ else sign]}{_target(ctx)}，得满分{n(w)}分",
                      met=True)
        return _over_achievement(ctx, a, b, out)
    if b == a:  # strict 「>90%」 with exactly 90%: not exceeded, and the ratio would give the full weight
        return Outcome(w, f"实际{a_amt}，等于而未超过{_target(ctx)}；按完成比例为满分，"
                          f"严格大于的目标按达到计（见 jixiao rules）", met=True)
    raw = w * b / a
    text = f"实际{a_amt}，未达到{_target(ctx)}，按完成比例 {n(b)}÷{n(a)}×{n(w)} "
    if raw < 0:
        return Outcome(ZERO, text + f"= {n(quantize(raw, 2))}，低于0按0分计", met=False, method="按比例")
    return Outcome(raw, text + ctx.result(raw, met=False), met=False, method="按比例")


class _Quantitative(Rule):
    """Shared opening of the quantitative kinds: read both numbers, then `compare`."""

    directions: tuple = ()  # the signs this kind is for; a target signed the other way is reported (V526)

    def score(self, ctx: RowContext) -> Outcome:
        sign = ctx.target.sign
        if self.directions and ctx.target.kind == NUMBER and sign in (GE, GT, LE, LT) and sign not in self.directions:
            ctx.diags.add("V526", ctx.where("target"), rule=self.title, field=ctx.target_label,
                          target=ctx.target.display(), sign=SIGN_LABEL[sign])
        numbers = read_numbers(ctx, self.title)
        if isinstance(numbers, str):
            return cannot(numbers)
        return self.compare(ctx, *numbers)

    def compare(self, ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:  # pragma: no cover
        raise NotImplementedError


def _shown(ctx: RowContext, b: Decimal) -> str:
    """The actual as written, saying what was assumed: 「79.27（按%计）」 for a number without the target's unit,
    「无」（按0计） for a zero target answered in words."""
    actual, target = ctx.actual, ctx.target
    if actual.kind != NUMBER:
        return f"「{actual.display()}」（按{n(b)}计）"
    if target.unit and not actual.unit_written():
        return f"{n(actual.number)}（按{target.unit}计）"
    return actual.amount()


@register
class Proportional(_Quantitative):
    """正向指标（≥、>）：实际 ≥ 目标得满分，否则按 实际÷目标 × 分值。

    例：目标 ≥11台，实际 7台，分值 5 → 7÷11×5 = 3.18。
    """
    kind = "proportional"
    title = "正向指标按比例"
    directions = (GE, GT)

    @dataclass
    class Params:
        pass

    def compare(self, ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:
        if a == 0:
            return Outcome(ctx.weight, f"目标为0，实际{_shown(ctx, b)}，得满分{n(ctx.weight)}分", met=True)
        return _proportional(ctx, a, b)


@register
class Reverse(_Quantitative):
    """反向指标（≤、<，如成本）：实际 ≤ 目标得满分；否则
    form: ratio 时按 目标÷实际 × 分值；form: linear 时按 分值 × (1 − (实际−目标)÷目标)，实际达到目标两倍时为 0。

    例：目标 ≤10万元，实际 12万元，分值 5 → ratio: 10÷12×5 = 4.17；linear: 5×(1−2÷10) = 4。
    """
    kind = "reverse"
    title = "反向指标"
    directions = (LE, LT)

    @dataclass
    class Params:
        form: str = param("超出目标时的计分方式：ratio 按 目标÷实际 × 分值；linear 按 分值 × (1 − (实际−目标)÷目标)", "ratio")

    def compare(self, ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:
        w = ctx.weight
        a_amt = _amount(ctx, b)
        strict = ctx.target.sign == LT
        if b < a or (b == a and not strict):
            out = Outcome(w, f"实际{a_amt}，未超过{_target(ctx)}，得满分{n(w)}分", met=True)
            return _over_achievement(ctx, a, b, out, below_cap=True)
        if b == a:
            return Outcome(w, f"实际{a_amt}，等于{_target(ctx)}而未低于它；严格小于的目标按达到计（见 jixiao rules），"
                              f"得满分{n(w)}分", met=True)
        if a <= 0:
            return Outcome(ZERO, f"实际{a_amt}，超过{_target(ctx)}，不得分", met=False)
        if self.params.get("form", "ratio") == "linear":
            raw = w * (1 - (b - a) / a)
            score = max(ZERO, raw)
            text = (f"实际{a_amt}，超过{_target(ctx)}，超出{percent((b - a) / a)}，"
                    f"按 {n(w)}×(1−({n(b)}−{n(a)})÷{n(a)}) ")
            if raw < 0:
                text += f"= {n(quantize(raw, 2))}，低于0按0分计"
            else:
                text += ctx.result(score, met=False)
            return Outcome(score, text, met=False, method="按反向指标")
        score = w * a / b
        return Outcome(score, f"实际{a_amt}，超过{_target(ctx)}，按 目标÷实际 {n(a)}÷{n(b)}×{n(w)} "
                              f"{ctx.result(score, met=False)}", met=False, method="按反向指标")


@register
class Equal(_Quantitative):
    """等于（=、→）：目标为 0（零事故、零投诉）时实际 ≤ 0（或「无」「零」）得满分，否则 0 分；
    目标不为 0 时按正向指标计分。

    例：目标 →100%，实际 →60%，分值 2.5 → 60÷100×2.5 = 1.5。
    """
    kind = "equal"
    title = "等于目标"

    @dataclass
    class Params:
        pass

    def compare(self, ctx: RowContext, a: Decimal, b: Decimal) -> Outcome:
        w = ctx.weight
        if a == 0:
            if b <= 0:
                return Outcome(w, f"目标为0，实际{_shown(ctx, b)}，得满分{n(w)}分", met=True)
            return Outcome(ZERO, f"目标为0，实际{ctx.actual.amount()}，不得分", met=False)
        return _proportional(ctx, a, b)


@register
class BySign(Rule):
    """按指标性质自动选择（默认规则）：
    ≥、> 或不写符号 → 正向；≤、< → 反向（form 同 reverse，默认 ratio）；=、→ → 等于；
    区间（「90%-95%」「±5%」）→ 落在区间内得满分；
    日期（「2021年12月31日前」「12月底前」「第四季度」）→ 按期完成得满分；文字（「及时」「逐步提高」）→ 定性。

    例：目标「≤1次」，实际「0」→ 反向，得满分。
    """
    kind = "by_sign"
    title = "按指标性质"

    @dataclass
    class Params:
        form: str = param("反向指标（≤、<）的计分方式，同 reverse：ratio 或 linear", "ratio")

    def score(self, ctx: RowContext) -> Outcome:
        target = ctx.target
        if target.kind == NUMBER:
            if target.sign in (LE, LT):
                return _REVERSE[self.params.get("form", "ratio")].score(ctx)
            if target.sign == EQ or (target.sign is None and target.number == 0):  # 「0起」 is 零事故, not ≥0
                return _EQUAL.score(ctx)
            return _PROPORTIONAL.score(ctx)
        if target.kind == RANGE:
            return _in_range(ctx)
        if target.kind == DATE:
            return _deadline(ctx)
        if target.kind == EMPTY:
            ctx.diags.add("V508", ctx.where("target"), field=ctx.target_label)
            return cannot("缺少目标值")
        if target.ambiguous:
            _ambiguous(ctx, "target", ctx.target_label)
            return cannot("目标值的分隔符有歧义")
        if looks_numeric(target):  # `≥abc台`: meant as a number, but not one
            ctx.diags.add("V501", ctx.where("target"), field=ctx.target_label, raw=target.display())
            return cannot("目标值无法识别为数值")
        return _QUALITATIVE.score(ctx)


def _in_range(ctx: RowContext) -> Outcome:
    """A range target: inside is full marks; outside, the distance to the nearer end is scored in proportion
    when that end is positive, else the evaluator judges."""
    target, actual, w = ctx.target, ctx.actual, ctx.weight
    if actual.kind == EMPTY:
        return cannot("缺少实际完成值")
    if actual.kind != NUMBER:
        return cannot(_not_a_number(ctx, f"{n(target.high)}{target.unit or ''}"))
    try:
        b = convert(actual.number, actual.unit, target.unit)
    except UnitMismatch as exc:
        ctx.diags.add("V502", ctx.where("actual"), target_label=ctx.target_label, target_unit=exc.target_unit,
                      actual_label="实际完成值", actual_unit=exc.actual_unit)
        return cannot("单位不一致")
    low, high = target.low, target.high
    if low <= b <= high:
        return Outcome(w, f"实际{actual.amount()}，在{_target(ctx)}区间内，得满分{n(w)}分", met=True)
    if low <= 0:  # 「±5%」「0-3次」: no ratio to a zero or negative end; the evaluator weighs the deviation
        return Outcome(None, f"实际{actual.amount()}，超出{_target(ctx)}区间，需评价人按偏离程度打分", met=False)
    if b < low:
        score = max(ZERO, w * b / low)
        return Outcome(score, f"实际{actual.amount()}，低于{_target(ctx)}的下限，按 {n(b)}÷{n(low)}×{n(w)} "
                              f"{ctx.result(score, met=False)}", met=False)
    if b > high:
        score = w * high / b
        return Outcome(score, f"实际{actual.amount()}，高于{_target(ctx)}的上限，按 {n(high)}÷{n(b)}×{n(w)} "
                              f"{ctx.result(score, met=False)}", met=False)
    return cannot("实际超出目标区间")  # not reached: low > 0 and b is outside, so one branch above applies


def _deadline(ctx: RowContext) -> Outcome:
    target, actual, w = ctx.target, ctx.actual, ctx.weight
    if actual.kind == EMPTY:
        return cannot("缺少实际完成值")
    if actual.kind == DATE:
        when = comparable_date(target, actual)
        understood = target.assumed
        if when != target.date:
            understood = f"{when.year}年{when.month}月{when.day}日" + ("前" if target.sign in (LE, LT) else "")
            ctx.diags.add("V522", ctx.where("target"), target=target.display(), understood=understood)
        goal = _target(ctx, understood)
        if actual.sign == GT and target.sign not in (GE, GT):  # 「12月31日后」
            if actual.date >= when:
                return Outcome(ZERO, f"实际「{actual.display()}」，晚于{goal}，不得分", met=False)
            return cannot(f"实际「{actual.display()}」只说明晚于{actual.date.month}月{actual.date.day}日，无法判断是否按期")
        # A date target is a deadline unless written as 「…以后」 (≥): finishing early is on time.
        on_time = actual.date >= when if target.sign in (GE, GT) else actual.date <= when
        if on_time:
            return Outcome(w, f"实际「{actual.display()}」，不晚于{goal}，得满分{n(w)}分", met=True)
        return Outcome(ZERO, f"实际「{actual.display()}」，晚于{goal}，不得分", met=False)
    if actual.text in ON_TIME_WORDS:  # 「按时完成」 says it met the deadline, without the date
        return Outcome(w, f"实际「{actual.display()}」（未写完成日期），按达到{_target(ctx, target.assumed)}计，"
                          f"得满分{n(w)}分", met=True)
    verdict = text_meets(target, actual)
    if verdict:
        return Outcome(w, f"实际「{actual.display()}」，达到{_target(ctx)}，得满分{n(w)}分", met=True)
    return _QUALITATIVE.score(ctx)


# The kinds by_sign delegates to, built once (rules keep no state between rows).
_PROPORTIONAL, _EQUAL = Proportional({}), Equal({})
_REVERSE = {form: Reverse({"form": form}) for form in ("ratio", "linear")}
_QUALITATIVE = Qualitative({})


__all__ = ["Proportional", "Reverse", "Equal", "BySign", "read_numbers", "GE", "GT"]
