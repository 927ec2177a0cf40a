"""Kinds decided by words or by the evaluator: 定性, 选项, 评价人打分, 不适用."""
from __future__ import annotations

from decimal import Decimal

from ..numbers import ZERO
from ..values import EMPTY, MET_WORDS, normalize_text, text_meets
from .base import Outcome, Rule, RowContext, cannot, n, register

DEFAULT_BANDS = [
    {"label": "达成年度指标", "low": Decimal("0.8"), "high": Decimal(1)},
    {"label": "部分达成并具有一定效果", "low": Decimal("0.6"), "high": Decimal("0.8")},
    {"label": "未达成且效果较差", "low": Decimal(0), "high": Decimal("0.6")},
]


@register
class Qualitative(Rule):
    """定性指标：实际达到目标（「逐步提高」对「提高」，「达成预期指标」，与目标相同）得满分；
    否则由评价人选档并在档内打分：达成年度指标 80%～100%，部分达成并具有一定效果 60%～80%，
    未达成且效果较差 0～60%（档次可在 bands 中改写）。

    例：目标「及时」，实际「达成预期指标」，分值 5 → 5。
    """
    kind = "qualitative"
    title = "定性评价"

    def bands(self) -> list[dict]:
        return self.params.get("bands") or DEFAULT_BANDS

    def score(self, ctx: RowContext) -> Outcome:
        w = ctx.weight
        if ctx.actual.kind == EMPTY:
            return cannot("缺少实际完成值")
        verdict = text_meets(ctx.target, ctx.actual) if ctx.target.kind != EMPTY else (
            True if ctx.actual.text in MET_WORDS else None)
        if verdict and ctx.grade is None:
            return Outcome(w, f"实际「{ctx.actual.display()}」达到目标「{ctx.target.display()}」，得满分{n(w)}",
                           met=True)
        bands = self.bands()
        labels = "、".join(b["label"] for b in bands)
        band = None
        if ctx.grade:
            band = next((b for b in bands if b["label"] == ctx.grade or b["label"].startswith(ctx.grade)), None)
            if band is None:
                ctx.diags.add("V509", ctx.where("grade"), field="定性评价档次", raw=ctx.grade, rule=self.title,
                              detail=f"可选档次：{labels}")
                return cannot("档次无效")
        if ctx.given is None:
            ctx.diags.add("G607", ctx.where("given_score"), band=band["label"] if band else "相应", bands=labels)
            return cannot("定性指标未达成，需评价人打分")
        if band is None:
            ratio = ctx.given / w if w else ZERO
            band = next((b for b in bands if b["low"] <= ratio <= b["high"]), bands[-1])
        low, high = band["low"] * w, band["high"] * w
        if not low <= ctx.given <= high:
            ctx.diags.add("G608", ctx.where("given_score"), given=n(ctx.given), band=band["label"],
                          low=n(low), high=n(high))
        return Outcome(ctx.given, f"实际「{ctx.actual.display()}」，评价人评为「{band['label']}」档"
                                  f"（{n(low)}～{n(high)}分），打分{n(ctx.given)}",
                       met=verdict, from_given=True)


@register
class Options(Rule):
    """选项：实际情况对应列出的某一项，得该项分值。

    例：资金结余 —— 无结余 3 分；有结余但不超过上年结转 2 分；结余超过上年结转 0 分。
    实际「有结余，但不超过上年结转」→ 2。
    """
    kind = "options"
    title = "选项计分"

    def lint(self, weight, diags, where) -> None:
        if weight is not None:
            for option in self.params["options"]:
                if option["points"] > weight:
                    diags.add("W406", where, points=n(option["points"]), weight=n(weight))

    def score(self, ctx: RowContext) -> Outcome:
        text = ctx.actual.text
        if ctx.actual.kind == EMPTY:
            return cannot("缺少实际完成值")
        options = self.params["options"]
        # Labels are compared the way the answer was read: full-width folded (「，」 is 「,」).
        chosen = next((o for o in options if normalize_text(o["label"]) == text), None)
        if chosen is None:
            # The longest label contained in the answer: 「有结余，但不超过上年结转」 beats 「有结余」.
            contained = [o for o in options if normalize_text(o["label"]) in text]
            chosen = max(contained, key=lambda o: len(o["label"])) if contained else None
        if chosen is None:
            ctx.diags.add("V509", ctx.where("actual"), field="实际完成值", raw=ctx.actual.display(), rule=self.title,
                          detail="可选：" + "、".join(o["label"] for o in options))
            return cannot("不在选项中")
        points = min(chosen["points"], ctx.weight)
        best = max(o["points"] for o in options)
        return Outcome(points, f"实际「{ctx.actual.display()}」对应「{chosen['label']}」，得{n(points)}分",
                       met=chosen["points"] >= best)


@register
class Manual(Rule):
    """评价人打分：得分由评价人给出（given_score），须在 0～分值之间；低于分值时须说明理由。

    例：「推进全面小康建设指标任务完成情况」按考核分数折算，评价人打 5 分。
    """
    kind = "manual"
    title = "评价人打分"

    def score(self, ctx: RowContext) -> Outcome:
        if ctx.given is None:
            return cannot("需评价人打分")
        return Outcome(ctx.given, f"评价人打分{n(ctx.given)}", met=ctx.given >= ctx.weight, from_given=True)


@register
class NotApplicable(Rule):
    """不适用：本行不计分，总分按 Σ得分 / Σ适用分值 × 100 折算。

    例：分值 10 的一行不适用，其余 90 分得 81 分 → 81/90×100 = 90。
    """
    kind = "not_applicable"
    title = "不适用"

    def score(self, ctx: RowContext) -> Outcome:
        return Outcome(None, "不适用，不计分，总分按适用分值折算", flags=["not_applicable"])
