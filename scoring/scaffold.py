"""The starter YAML that `jixiao sets new` writes for a regional variant of a set.

The file `extends` the base set and changes nothing yet: it holds the required
keys, then commented examples built from the base set's own names (change a
weight, change or replace a rule, add and remove indicators, change grades).
Every example line starts with "# " and prose lines with "#【", so deleting
"# " from the example lines gives valid YAML that `jixiao sets lint` accepts.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

import yaml

from .model import FixedIndicator, IndicatorSet, Level1, Level2
from .numbers import fmt_short

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")  # as in schemas/indicator-set.schema.json


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class ScaffoldError(ValueError):
    """A new id that cannot be used."""


def default_id(base_id: str) -> str:
    return f"{base_id}-custom"


def validate_id(new_id: str, base_id: str, existing: list[str]) -> None:
    if not ID_PATTERN.match(new_id):
        raise ScaffoldError(f"编号「{new_id}」不合格式：只能用小写英文字母、数字和 -，以字母或数字开头，最长 64 个字符。")
    if new_id == base_id:
        raise ScaffoldError(f"新体系的编号不能与继承的体系相同（{base_id}），否则会继承自己。")
    if new_id in existing:
        raise ScaffoldError(f"编号「{new_id}」已被另一个指标体系使用；请用 --id 另取一个编号。")


# -- YAML text ------------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Decimals as the plain numbers they are; strings quoted only when YAML needs it."""


def _decimal(dumper, value: Decimal):
    text = fmt_short(value)
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)


_Dumper.add_representer(Decimal, _decimal)


def flow(value) -> str:
    """One value in YAML flow style, on one line."""
    text = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, default_flow_style=True, sort_keys=False,
                     width=10**6)
    if text.endswith("\n...\n"):  # a lone scalar ends its document explicitly
        text = text[:-5]
    return text.strip()


@dataclass
class _Lines:
    """Commented example lines: `# ` + YAML, with an optional trailing YAML comment."""
    lines: list[str] = field(default_factory=list)

    def yaml(self, indent: int, text: str, note: str = "") -> None:
        line = "# " + " " * indent + text
        if note:
            line += " " * max(2, 46 - _width(line)) + "# " + note
        self.lines.append(line)

    def prose(self, text: str) -> None:
        self.lines.append("#" + text)

    def blank(self) -> None:
        self.lines.append("#")


def _rule_lines(out: _Lines, indent: int, params: dict, note: str = "") -> None:
    """`rule:` as a block mapping; lists of mappings (tiers, items, options, bands) one flow item per line."""
    out.yaml(indent, "rule:", note)
    out.yaml(indent + 2, f"kind: {flow(params['kind'])}")
    for key, value in params.items():
        if key == "kind":
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.yaml(indent + 2, f"{key}:")
            for item in value:
                out.yaml(indent + 4, f"- {flow(item)}")
        else:
            out.yaml(indent + 2, f"{key}: {flow(value)}")


# -- choosing examples from the base set -----------------------------------------------------------

@dataclass
class _Edit:
    """Example changes to one fixed indicator (or one to add), in the order they are written."""
    name: str
    lines: list = field(default_factory=list)  # (key, value, note) or ("rule", params, note)
    note: str = ""


@dataclass
class _Plan:
    """Example edits keyed by 一级 and 二级 names; written as one `levels:` block."""
    level_weights: dict = field(default_factory=dict)    # level1 name -> (weight, note)
    child_fields: dict = field(default_factory=dict)     # (level1, level2) -> [(key, value, note)]
    indicators: dict = field(default_factory=dict)       # (level1, level2) -> [_Edit]
    headings: list = field(default_factory=list)         # prose above the levels block
    count: int = 0

    def number(self) -> str:
        """The next example's number: 一, 二, 三 …"""
        self.count += 1
        return "一二三四五六七八九十"[self.count - 1]

    def child(self, level: Level1, child: Level2) -> list:
        return self.child_fields.setdefault((level.name, child.name), [])

    def edits(self, level: Level1, child: Level2) -> list:
        return self.indicators.setdefault((level.name, child.name), [])

    def touches(self, level: Level1) -> bool:
        return level.name in self.level_weights or any(k[0] == level.name for k in
                                                        (*self.child_fields, *self.indicators))


def _tradable(ind: FixedIndicator, used: set, minimum: Decimal = Decimal(1)) -> bool:
    """An example may move points to or from an indicator whose rule scales with any weight."""
    from .rules import REGISTRY

    return (ind.name not in used and ind.weight is not None and ind.weight >= minimum
            and (ind.rule is None or (ind.rule.kind in REGISTRY and REGISTRY[ind.rule.kind].scales_with_weight)))


def _weighted_pair(base: IndicatorSet):
    """A 二级 with two fixed indicators whose weights can trade one point, so the sums stay right."""
    for level in base.levels:
        for child in level.children:
            fixed = [i for i in child.indicators if _tradable(i, set())]
            if len(fixed) >= 2:
                return level, child, fixed[0], fixed[1]
    return None


def _plan_weights(base: IndicatorSet, plan: _Plan, used: set) -> str:
    """Example 一: change weights and keep every sum. Returns top-level YAML to show, if any."""
    k = plan.number()
    pair = _weighted_pair(base)
    if pair:
        level, child, a, b = pair
        used.update({a.name, b.name})
        plan.headings.append(f"【{k}、修改分值】二级指标「{child.name}」下，「{a.name}」{fmt_short(a.weight)} → "
                             f"{fmt_short(a.weight - 1)} 分，「{b.name}」{fmt_short(b.weight)} → {fmt_short(b.weight + 1)} 分"
                             "（同一二级指标下各指标分值合计须等于二级指标分值）。")
        plan.edits(level, child).append(_Edit(a.name, [("weight", a.weight - 1, f"{k}：{fmt_short(a.weight)} → "
                                                        f"{fmt_short(a.weight - 1)}")]))
        plan.edits(level, child).append(_Edit(b.name, [("weight", b.weight + 1, f"{k}：{fmt_short(b.weight)} → "
                                                        f"{fmt_short(b.weight + 1)}")]))
        return ""
    weighted = [lv for lv in base.levels if lv.weight is not None and all(c.weight is None for c in lv.children)]
    if len(weighted) >= 2 and weighted[0].weight >= 5:
        a, b = weighted[0], weighted[1]
        plan.headings.append(f"【{k}、修改分值】一级指标「{a.name}」{fmt_short(a.weight)} → {fmt_short(a.weight - 5)} 分，"
                             f"「{b.name}」{fmt_short(b.weight)} → {fmt_short(b.weight + 5)} 分（各项合计仍须等于总分 "
                             f"{fmt_short(base.total)}）。")
        plan.level_weights[a.name] = (a.weight - 5, f"{k}：{fmt_short(a.weight)} → {fmt_short(a.weight - 5)}")
        plan.level_weights[b.name] = (b.weight + 5, f"{k}：{fmt_short(b.weight)} → {fmt_short(b.weight + 5)}")
        return ""
    if base.budget is not None and base.budget.weight is not None and base.budget.weight >= 5:
        weight = base.budget.weight - 5
        plan.headings.append(f"【{k}、修改分值】预算执行率 {fmt_short(base.budget.weight)} → {fmt_short(weight)} 分"
                             f"（一级指标分值由单位分配，合计 {fmt_short(base.total - weight)} 分）。")
        return f"budget:\n  weight: {flow(weight)}"
    plan.headings.append(f"【{k}、修改分值】在 levels 下按名称写 weight，例如「- name: 一级指标名称」「weight: 40」。")
    return ""


def _first(items, test):
    return next((item for item in items if test(item)), None)


def _plan_rules(base: IndicatorSet, plan: _Plan, used: set) -> None:
    """Example 二: change a rule's parameters (same kind), and replace a rule with another kind."""
    fixed = [(lv, ch, ind) for lv, ch, ind in base.fixed_indicators() if ind.rule is not None]
    same = _first(fixed, lambda t: t[2].name not in used and t[2].rule.kind == "tiers") or \
        _first(fixed, lambda t: t[2].name not in used and len(t[2].rule.params) > 1)
    if same:
        k = plan.number()
        level, child, ind = same
        used.add(ind.name)
        plan.headings.append(f"【{k}、修改评分规则】「{ind.name}」仍用同一种规则，改写参数（分档等列表整体替换，须写全）。")
        plan.edits(level, child).append(_Edit(ind.name, [("rule", dict(ind.rule.params), f"{k}：改写区间、得分等参数")]))
        other = _first(fixed, lambda t: t[2].name not in used and t[2].rule.kind not in ("manual", "tiers"))
        if other:
            k = plan.number()
            level, child, ind = other
            used.add(ind.name)
            plan.headings.append(f"【{k}、换一种评分规则】写出新规则的 kind 和全部参数，「{ind.name}」原来的规则整个被替换。")
            plan.edits(level, child).append(_Edit(ind.name, [("rule", {"kind": "manual"}, f"{k}：改为评价人打分")]))
        return
    child_pick = None
    for level in base.levels:
        for child in level.children:
            if child.rule is None and not child.indicators and ("成本" in child.name or child_pick is None):
                if child_pick is None or "成本" in child.name:
                    child_pick = (level, child)
    if child_pick:
        k = plan.number()
        level, child = child_pick
        used.add(("child", level.name, child.name))
        plan.headings.append(f"【{k}、修改评分规则】二级指标「{child.name}」下单位自设的指标改用反向线性计分"
                             "（实际达到目标两倍时得 0 分）；其他指标仍按默认评分规则。")
        plan.child(level, child).append(("rule", {"kind": "reverse", "form": "linear"}, f"{k}：本二级指标的默认规则"))


def _plan_add(base: IndicatorSet, plan: _Plan, used: set) -> None:
    """Example: add a fixed indicator where no sum breaks, or take its points from a neighbour."""
    free = [(lv, ch) for lv in base.levels for ch in lv.children
            if ("child", lv.name, ch.name) not in used and ch.weight is None]
    pick = _first(free, lambda t: not t[1].indicators) or _first(free, lambda t: True)
    donor = None
    if pick is None:
        pick = next(((lv, ch) for lv in base.levels for ch in lv.children
                     if any(_tradable(i, used, Decimal(2)) for i in ch.indicators)), None)
        if pick is None:
            return
        donor = _first(pick[1].indicators, lambda i: _tradable(i, used, Decimal(2)))
    k = plan.number()
    level, child = pick
    used.add(("child", level.name, child.name))
    weight = Decimal(1) if donor else Decimal(5)
    where = f"「{level.name} > {child.name}」"
    if donor:
        used.add(donor.name)
        plan.headings.append(f"【{k}、增加指标】在{where}下增加一个 1 分的固定指标，「{donor.name}」相应 "
                             f"{fmt_short(donor.weight)} → {fmt_short(donor.weight - 1)} 分（二级指标下分值合计不变）。")
        plan.edits(level, child).append(_Edit(donor.name, [("weight", donor.weight - 1, f"{k}：{fmt_short(donor.weight)}"
                                                            f" → {fmt_short(donor.weight - 1)}")]))
    else:
        plan.headings.append(f"【{k}、增加指标】在{where}下增加一个固定指标。")
    if not child.indicators:
        plan.child(level, child).append(("allow_custom", True, f"{k}：有了固定指标后仍允许单位自设其他指标"))
    plan.edits(level, child).append(_Edit("新增指标名称", [
        ("weight", weight, ""), ("standard", "按实际完成值与指标值之比计分。", ""),
        ("rule", {"kind": "proportional"}, f"{k}：正向指标按比例计分"),
    ], note=f"{k}：改成实际的指标名称"))


def _plan_remove(base: IndicatorSet, plan: _Plan, used: set) -> None:
    """Example 四: remove a 二级 that has no weight of its own (so no sum changes)."""
    for level in reversed(base.levels):
        if len(level.children) < 2:
            continue
        for child in reversed(level.children):
            if child.weight is None and not child.indicators and ("child", level.name, child.name) not in used:
                k = plan.number()
                plan.headings.append(f"【{k}、删除】删除二级指标「{level.name} > {child.name}」（写 remove: true）。")
                plan.child(level, child).append(("remove", True, f"{k}：删除此二级指标"))
                return


def _levels_block(base: IndicatorSet, plan: _Plan, out: _Lines) -> None:
    out.yaml(0, "levels:")
    for level in base.levels:
        if not plan.touches(level):
            continue
        out.yaml(2, f"- name: {flow(level.name)}")
        if level.name in plan.level_weights:
            weight, note = plan.level_weights[level.name]
            out.yaml(4, f"weight: {flow(weight)}", note)
        children = [c for c in level.children if (level.name, c.name) in plan.child_fields
                    or (level.name, c.name) in plan.indicators]
        if not children:
            continue
        out.yaml(4, "children:")
        for child in children:
            out.yaml(6, f"- name: {flow(child.name)}")
            for key, value, note in plan.child_fields.get((level.name, child.name), []):
                if key == "rule":
                    _rule_lines(out, 8, value, note)
                else:
                    out.yaml(8, f"{key}: {flow(value)}", note)
            edits = plan.indicators.get((level.name, child.name), [])
            if edits:
                out.yaml(8, "indicators:")
                for edit in edits:
                    out.yaml(10, f"- name: {flow(edit.name)}", edit.note)
                    for key, value, note in edit.lines:
                        if key == "rule":
                            _rule_lines(out, 12, value, note)
                        else:
                            out.yaml(12, f"{key}: {flow(value)}", note)


def _grades_block(base: IndicatorSet, plan: _Plan, out: _Lines) -> None:
    k = plan.number()
    grades = sorted(base.grades, key=lambda g: g.min, reverse=True)
    top = grades[0]
    lowered = top.min - 5
    changed = len(grades) > 1 and lowered > grades[1].min
    what = f"例如「{top.label}」的下限 {fmt_short(top.min)} → {fmt_short(lowered)}" if changed else "例如改写下限或等级名称"
    out.prose(f"【{k}、修改等级】grades 整体替换，须写全所有等级，从高到低；{what}。")
    out.yaml(0, "grades:")
    for grade in grades:
        minimum = lowered if changed and grade is top else grade.min
        note = f"{k}：{fmt_short(grade.min)} → {fmt_short(minimum)}" if minimum != grade.min else ""
        out.yaml(2, f"- {flow({'label': grade.label, 'min': minimum})}", note)


def _deviation_block(base: IndicatorSet, plan: _Plan, out: _Lines) -> None:
    low = base.deviation.low_rate
    if low is None or low <= Decimal("0.05"):
        return
    k = plan.number()
    new = low - Decimal("0.05")
    out.prose(f"【{k}、偏差规则】预算执行率低于 {fmt_short(low * 100)}% 时要求说明原因，改为低于 {fmt_short(new * 100)}%。")
    out.yaml(0, "deviation:")
    out.yaml(2, f"low_rate: {flow(new)}", f"{k}：{fmt_short(low)} → {fmt_short(new)}")


def scaffold_text(base: IndicatorSet, new_id: str, name: str | None = None, region: str | None = None,
                  file_name: str | None = None) -> str:
    """The starter YAML for a set that extends `base`: valid as written, examples commented out."""
    name = name or f"{base.name}（{region or '自定义'}）"
    file_name = file_name or f"{new_id}.yaml"
    head = [
        f"# {name}",
        f"# 继承「{base.id}」（{base.name}），只写与它不同的部分，没写的一律沿用。",
        f"# 查看继承的体系：jixiao sets show {base.id}",
        f"# 检查本文件：    jixiao sets lint {file_name}",
        f"# 与继承的比较：  jixiao sets diff {base.id} {file_name}",
        "#                 （加 --against 自评表目录，可看各表按两个版本计分的总分和等级变化）",
        f"# 使用：把本文件以 {new_id}.yaml 为名放进一个目录，计分时加 --sets 该目录，自评表中写 set: {new_id}。",
        "#",
        "# 合并规则：映射逐键合并；levels、children、indicators 按 name 对应继承体系中的同名项并逐键合并，",
        "# 写 remove: true 删除该项，继承体系中没有的名称追加为新项；其他列表（grades、tiers、items、options、",
        "# bands、denominator）整体替换，须写全。",
        "schema_version: 1",
        f"id: {flow(new_id)}",
        f"extends: {flow(base.id)}",
        f"name: {flow(name)}",
    ]
    if region:
        head.append(f"region: {flow(region)}")
    out = _Lines()
    out.blank()
    out.prose("=" * 78)
    out.prose("【示例】以下各处都已注释掉。需要哪一处，就去掉那几行开头的「# 」（保留其后的缩进）。")
    out.prose("【示例】levels 只能写一次：对指标的几处修改都写在同一个 levels: 下，其中不需要的项整项删去。")
    out.prose("=" * 78)
    plan = _Plan()
    used: set = set()
    top = _plan_weights(base, plan, used)
    _plan_rules(base, plan, used)
    _plan_add(base, plan, used)
    _plan_remove(base, plan, used)
    if top:
        out.blank()
        out.prose(plan.headings.pop(0))
        for line in top.splitlines():
            out.yaml(0, line)
    if plan.level_weights or plan.child_fields or plan.indicators:
        out.blank()
        for heading in plan.headings:
            out.prose(heading)
        _levels_block(base, plan, out)
    out.blank()
    _grades_block(base, plan, out)
    deviation = _Lines()
    _deviation_block(base, plan, deviation)
    if deviation.lines:
        out.blank()
        out.lines.extend(deviation.lines)
    return "\n".join(head + out.lines) + "\n"
