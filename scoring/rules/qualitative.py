"""Kinds decided by words or by the evaluator: 定性, 选项, 评价人打分, 不适用."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..numbers import ZERO
from ..values import EMPTY, MET_WORDS, count_of, is_none_target, normalize_text, read_words, text_meets
from ..verdicts import Flag
from .base import Outcome, RowContext, Rule, cannot, n, param, register

# 财预〔2020〕10号: three bands, upper ends open except the top one (100% belongs to 达成).
DEFAULT_BANDS = [
    {"label": "达成年度指标", "low": Decimal("0.8"), "high": Decimal(1)},
    {"label": "部分达成年度指标并具有一定效果", "low": Decimal("0.6"), "high": Decimal("0.8")},
    {"label": "未达成年度指标且效果较差", "low": Decimal(0), "high": Decimal("0.6")},
]
# Other ways tables write the official labels (older notices and short forms).
BAND_ALIASES = {
    "达成年度指标": ("达成",),
    "部分达成年度指标并具有一定效果": ("部分达成并具有一定效果", "部分达成"),
    "未达成年度指标且效果较差": ("未达成且效果较差", "未达成"),
}


def _key(text: str) -> str:
    return normalize_text(text).replace(" ", "")


def find_band(bands: list[dict], grade: str) -> dict | None:
    """The band a written grade names: its full label, an alias, or the start of its label."""
    key = _key(grade)
    for band in bands:
        if key == _key(band["label"]) or key in (_key(a) for a in BAND_ALIASES.get(band["label"], ())):
            return band
    return next((b for b in bands if _key(b["label"]).startswith(key)), None) if key else None


def in_band(band: dict, bands: list[dict], ratio: Decimal) -> bool:
    """low ≤ ratio < high; the top band also holds its upper end (full marks)."""
    top = max(b["high"] for b in bands)
    return band["low"] <= ratio < band["high"] or (band["high"] == top and ratio == top)


@register
class Qualitative(Rule):
    """定性指标：实际明确达到目标（与目标表述相同，「达成预期指标」「已完成」，「逐步提高」对「提高」）得满分；
    实际含限定词（基本、部分、有所、初步、较好、不明显）、否定词（未、尚未、不合格）或写有发生的次数
    （「发生1起」「投诉2起」）时不视为达到，由评价人选档并在档内打分（财预〔2020〕10号）：
    达成年度指标 [80%, 100%]，部分达成年度指标并具有一定效果 [60%, 80%)，未达成年度指标且效果较差 [0, 60%)
    （档次可在 bands 中改写；上端不含，最高档含 100%）。

    例：目标「及时」，实际「达成预期指标」，分值 5 → 5；实际「基本及时」→ 由评价人打分。
    """
    kind = "qualitative"
    title = "定性评价"

    @dataclass
    class Params:
        hedge_bands: dict = param("限定词对应的档次（如 基本: 达成年度指标）：实际含该词而未选档时按该档，评价人在档内打分", {})
        bands: list = param("档次：label 名称，low、high 为分值的比例（上端不含，最高档含满分）；默认财预〔2020〕10号三档", DEFAULT_BANDS)

    def bands(self) -> list[dict]:
        return self.params.get("bands") or DEFAULT_BANDS

    def score(self, ctx: RowContext) -> Outcome:
        w = ctx.weight
        actual, target = ctx.actual, ctx.target
        if actual.kind == EMPTY:
            return cannot("缺少实际完成值")
        reading = read_words(actual.text, target.text if target.kind != EMPTY else "")
        count = count_of(actual) if target.kind != EMPTY and is_none_target(target) else None
        if count is not None and count > 0:  # 「零事故」 against 「发生1起」: a zero target missed scores 0
            return Outcome(ZERO, f"实际「{actual.display()}」，目标「{target.display()}」为零，按{n(count)}次计，不得分",
                           met=False, method="按零目标")
        if target.kind != EMPTY:
            verdict = text_meets(target, actual)
        else:
            # No target written: a plain statement that the work was done is all there is to check.
            done = MET_WORDS | {"完成", "已完成", "按时完成", "按期完成", "如期完成"}
            verdict = True if actual.text in done else (False if reading.negation else None)
        shown = f"实际「{actual.display()}」"
        if verdict and ctx.grade is None:
            goal = f"目标「{target.display()}」" if target.kind != EMPTY else "目标"
            return Outcome(w, f"{shown}，达到{goal}，得满分{n(w)}分", met=True)
        why = reading.why() if not reading.plain else (
            "表明未达成" if verdict is False else "与目标的表述不一致，无法确认已达成")
        bands = self.bands()
        labels = "、".join(b["label"] for b in bands)
        band = None
        grade = ctx.grade or (self.params.get("hedge_bands") or {}).get(reading.hedge)  # the set maps a hedge
        if grade:
            band = find_band(bands, grade)
            if band is None:
                ctx.diags.add("V509", ctx.where("grade"), field="定性评价档次", raw=grade, rule=self.title,
                              detail=f"可选档次：{labels}")
                return cannot("档次无效")
        if ctx.given is None:
            choice = f"在「{band['label']}」档" if band else f"选档（{labels}）"
            todo = (f"请在「{band['label']}」档的范围内填写 given_score（{n(band['low'] * w)}～{n(band['high'] * w)}分）。"
                    if band else f"请填写 grade（{labels}）和 given_score（所选档次范围内的分数）。")
            ctx.diags.add("G607", ctx.where("given_score"), raw=actual.display(), why=why, todo=todo)
            return cannot(f"{why}，需评价人{choice}打分")
        ratio = ctx.given / w if w else ZERO
        if band is None:
            band = next((b for b in bands if in_band(b, bands, ratio)), bands[-1])
        low, high = band["low"] * w, band["high"] * w
        top = band["high"] == max(b["high"] for b in bands)
        if not in_band(band, bands, ratio):
            ctx.diags.add("G608", ctx.where("given_score"), given=n(ctx.given), band=band["label"],
                          low=n(low), high=n(high), closing="]" if top else ")")
        if ctx.given >= w and not verdict and (reading.hedge or reading.occurrence or verdict is None):
            ctx.diags.add("V512", ctx.where("actual"), raw=actual.display(), why=why,
                          target=target.display() if target.kind != EMPTY else "达成年度指标", bands=labels)
        span = f"{n(low)}～{n(high)}分" + ("" if top else "，不含上端")
        if ctx.grade:
            who = f"评价人评为「{band['label']}」档（{span}），打分{n(ctx.given)}分"
        elif ctx.judgement:
            who = f"评价人打分{n(ctx.given)}分，属「{band['label']}」档（{span}）"
        else:  # the table's own score, no grade chosen and no judgement written
            who = f"按自评得分{n(ctx.given)}分，属「{band['label']}」档（{span}），未经评价人选档"
        # Not met when the words say so or the score sits below the top band; otherwise the rule cannot tell.
        met = verdict if verdict is not None else (False if not top else None)
        return Outcome(ctx.given, f"{shown}{why}，{who}", met=met, from_given=True)


@register
class Options(Rule):
    """选项：实际情况对应列出的某一项，得该项分值。

    例：资金结余 —— 无结余 3 分；有结余但不超过上年结转 2 分；结余超过上年结转 0 分。
    实际「有结余，但不超过上年结转」→ 2。
    """
    kind = "options"
    title = "选项计分"
    scales_with_weight = False

    @dataclass
    class Params:
        options: list = param("选项：label 实际情况的写法，points 该项得分")

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

    @dataclass
    class Params:
        pass

    def score(self, ctx: RowContext) -> Outcome:
        if ctx.given is None:
            return cannot("需评价人打分")
        return Outcome(ctx.given, f"评价人打分{n(ctx.given)}分", met=ctx.given >= ctx.weight, from_given=True)


@register
class NotApplicable(Rule):
    """不适用：本行不计分，总分按 Σ得分 / Σ适用分值 × 100 折算。

    例：分值 10 的一行不适用，其余 90 分得 81 分 → 81/90×100 = 90。
    """
    kind = "not_applicable"
    title = "不适用"

    @dataclass
    class Params:
        pass

    def score(self, ctx: RowContext) -> Outcome:
        return Outcome(None, "不适用，不计分，总分按适用分值折算", flags=[Flag.NOT_APPLICABLE])
