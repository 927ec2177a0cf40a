"""Compare two resolved indicator sets, and re-score submissions under both.

`diff_sets(old, new)` lists what changed, object by object and by name:
set-level settings (name, total, precision, budget execution, grades,
deviation thresholds), 一级/二级 indicators, fixed indicators, and the rules
(kind and every parameter).  The sets are compared after `extends` is
resolved, so a variant and its base compare by what they mean, not by what
the variant file happens to spell out.

`rescore(paths, old, new)` scores every submission with both versions,
whatever set it names, so a bureau sees what a change does to real tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .diagnostics import ERROR, Diagnostic, Diagnostics, Where
from .model import BUDGET_LABELS, FixedIndicator, IndicatorSet, Level1, Level2, RuleSpec
from .numbers import fmt_short, quantize
from .paths import label as key_label

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
KIND_WORDS = {ADDED: "新增", REMOVED: "删除", CHANGED: "修改"}

SECTIONS = {"set": "体系设置", "levels": "一级、二级指标", "indicators": "固定指标", "rules": "评分规则"}

SUBMISSION_SUFFIXES = (".yaml", ".yml", ".xlsx", ".csv")

# Labels that read better than paths.LABELS in this context.
_LABELS = {
    "name": "名称", "total": "总分", "precision": "得分小数位数", "weight": "分值", "year": "年度",
    "kind": "类型", "scored": "是否计分", "goal_blocks": "分年度目标块", "budget": "预算执行率",
    "label": "名称", "domain": "取值范围", "count": "计数取整", "inputs": "公式取值", "cap": "执行率上限",
    "allow_custom": "允许单位自设指标", "max_indicators": "指标个数上限", "target": "指标值",
}
_RULE_LABELS = {"standard": "标准值", "cap": "上限", "label": "名称", "name": "名称"}
_ENUM_WORDS = {
    "kind": {"project": "项目", "department": "部门整体"},
    "rounding": {"half_up": "四舍五入", "down": "截尾"},
    "direction": {"above": "超过标准扣分", "below": "低于标准扣分"},
    "form": {"ratio": "比值（目标/实际）", "linear": "线性"},
    "count": {"exact": "按实际", "ceil": "不足一个单位按一个计", "floor": "不足一个单位不计"},
}


_NONE_WORDS = {"weight": "自定（由单位分配）", "over_achievement_ratio": "不检查", "low_rate": "不检查",
               "over_achievement_reduction": "不扣减", "over_achievement_min_difference": "不设",
               "over_achievement_reduction_step": "不递增", "implausible_rate": "不检查",
               "under_cap_ratio": "不检查"}


def _label(key: str, in_rule: bool = False) -> str:
    if in_rule and key in _RULE_LABELS:
        return _RULE_LABELS[key]
    return _LABELS.get(key) or key_label(key)


# -- values for people and for JSON --------------------------------------------------------

def show(value: Any, key: str | None = None) -> str:
    """A value as a person reads it: Decimals with fmt_short, enums and booleans in words."""
    if value is None:
        return _NONE_WORDS.get(key or "", "（未设置）")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return fmt_short(value)
    if key == "denominator" and isinstance(value, (list, tuple)):
        return " 或 ".join(BUDGET_LABELS.get(v, str(v)) for v in value)
    if isinstance(value, str):
        return _ENUM_WORDS.get(key or "", {}).get(value, value)
    if isinstance(value, (list, tuple)):
        return "[" + "；".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        if "kind" in value and key in (None, "rule", "default_rule"):
            return rule_summary(value)
        return "，".join(f"{_label(k, True)} {show(v, k)}" for k, v in value.items())
    return str(value)


def to_jsonable(value: Any) -> Any:
    """Decimals as decimal strings (never floats), tuples as lists."""
    if isinstance(value, Decimal):
        return fmt_short(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def rule_summary(params: dict | None) -> str:
    """「分档（tiers：…）」: the rule's Chinese title, its kind and its parameters."""
    if not params:
        return "（无）"
    from .rules import REGISTRY

    kind = params.get("kind", "")
    title = REGISTRY[kind].title if kind in REGISTRY else kind
    rest = {k: v for k, v in params.items() if k != "kind"}
    if not rest:
        return f"{title}（{kind}）"
    return f"{title}（{kind}：" + "，".join(f"{_label(k, True)} {show(v, k)}" for k, v in rest.items()) + "）"


# -- changes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One difference. `path` names the object by its names; `field` is the machine key path."""
    kind: str        # added | removed | changed
    section: str     # set | levels | indicators | rules
    path: str        # e.g. 产出指标 > 数量指标 > 指标「办公设备购置数量」 ("" = the set itself)
    field: str       # e.g. weight, rule.tiers.1.range ("" = the object itself)
    label: str       # Chinese for `field`, or the kind of object added or removed
    old: Any = None
    new: Any = None

    def to_json(self) -> dict:
        return {"kind": self.kind, "section": self.section, "path": self.path, "field": self.field,
                "label": self.label, "old": to_jsonable(self.old), "new": to_jsonable(self.new)}

    def text(self) -> str:
        if self.kind == CHANGED:
            subject = " > ".join(p for p in (self.path, self.label) if p)
            key = self.field.rsplit(".", 1)[-1]
            return f"修改 {subject}：{show(self.old, key)} → {show(self.new, key)}"
        value = self.new if self.kind == ADDED else self.old
        detail = _object_detail(value)
        if self.field:  # a part of an object: a grade, the budget block, a rule, a tier
            head = f"{KIND_WORDS[self.kind]} " + " > ".join(p for p in (self.path, self.label) if p)
        else:  # an indicator or a level itself: say which kind of object
            head = f"{KIND_WORDS[self.kind]}{self.label}：{self.path}"
        return head + (f"（{detail}）" if detail else "")


def _object_detail(value: Any) -> str:
    """What an added or removed object was: its weight, rule, children."""
    if not isinstance(value, dict):
        return show(value)
    if "kind" in value and "name" not in value:
        return rule_summary(value)
    parts = []
    for key, item in value.items():
        if key == "name" or item in (None, [], ""):
            if key == "weight":
                parts.append("分值 自定")
            continue
        if key == "rule":
            parts.append(f"评分规则 {rule_summary(item)}")
        elif key in ("children", "indicators"):
            parts.append(f"{_label(key)} " + "、".join(str(x) for x in item))
        else:
            parts.append(f"{_label(key)} {show(item, key)}")
    return "；".join(parts)


@dataclass
class _Changes:
    by_section: dict = field(default_factory=lambda: {s: [] for s in SECTIONS})

    def add(self, kind: str, section: str, path: str, field_key: str, label: str, old=None, new=None) -> None:
        self.by_section[section].append(Change(kind, section, path, field_key, label, old, new))

    def value(self, section: str, path: str, field_key: str, label: str, old, new) -> None:
        if not _same(old, new):
            self.add(CHANGED, section, path, field_key, label, old, new)

    def ordered(self) -> list[Change]:
        return [c for s in SECTIONS for c in self.by_section[s]]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def diff_sets(old: IndicatorSet, new: IndicatorSet) -> list[Change]:
    """Every difference between two resolved sets, grouped by section, in hierarchy order.

    The ids are not compared (two versions of a set have different ids by nature)."""
    out = _Changes()
    _diff_settings(old, new, out)
    _diff_rule(old.default_rule, new.default_rule, "默认评分规则", "default_rule", out)
    _diff_levels(old, new, out)
    return out.ordered()


_SETTINGS = ("name", "description", "region", "year", "kind", "template", "scored", "total", "precision",
             "rounding", "goal_blocks")
_BUDGET_FIELDS = ("weight", "denominator", "cap", "precision", "rate_precision", "label")
_DEVIATION_FIELDS = ("over_achievement_ratio", "under_cap_ratio", "over_achievement_min_difference", "over_achievement_reduction",
                     "over_achievement_reduction_step", "low_rate", "implausible_rate", "reason_required")


def _diff_settings(old: IndicatorSet, new: IndicatorSet, out: _Changes) -> None:
    for key in _SETTINGS:
        out.value("set", "", key, _label(key), getattr(old, key), getattr(new, key))
    if old.budget is None or new.budget is None:
        if old.budget is not None or new.budget is not None:
            kind = ADDED if new.budget is not None else REMOVED
            spec = new.budget or old.budget
            snapshot = {k: getattr(spec, k) for k in _BUDGET_FIELDS}
            out.add(kind, "set", "预算执行率", "budget", "",
                    *((None, snapshot) if kind == ADDED else (snapshot, None)))
    else:
        for key in _BUDGET_FIELDS:
            out.value("set", "预算执行率", f"budget.{key}", _label(key), getattr(old.budget, key),
                      getattr(new.budget, key))
    _diff_grades(old, new, out)
    for key in _DEVIATION_FIELDS:
        out.value("set", "偏差规则", f"deviation.{key}", _label(key), getattr(old.deviation, key),
                  getattr(new.deviation, key))


def _diff_grades(old: IndicatorSet, new: IndicatorSet, out: _Changes) -> None:
    before = {g.label: g.min for g in old.grades}
    after = {g.label: g.min for g in new.grades}
    for grade in old.grades:
        path = f"等级「{grade.label}」"
        if grade.label not in after:
            out.add(REMOVED, "set", path, f"grades.{grade.label}", "", {"min": grade.min}, None)
        else:
            out.value("set", path, f"grades.{grade.label}.min", "下限", grade.min, after[grade.label])
    for grade in new.grades:
        if grade.label not in before:
            out.add(ADDED, "set", f"等级「{grade.label}」", f"grades.{grade.label}", "", None, {"min": grade.min})


def _by_name(old_items: list, new_items: list):
    """(old or None, new or None) pairs: the old order, then what only the new version has."""
    new_by = {item.name: item for item in new_items}
    old_names = {item.name for item in old_items}
    pairs = [(item, new_by.get(item.name)) for item in old_items]
    pairs += [(None, item) for item in new_items if item.name not in old_names]
    return pairs


def _diff_order(old_items: list, new_items: list, path: str, field_key: str, label: str, section: str,
                out: _Changes) -> None:
    common = {i.name for i in old_items} & {i.name for i in new_items}
    before = [i.name for i in old_items if i.name in common]
    after = [i.name for i in new_items if i.name in common]
    if before != after:
        out.add(CHANGED, section, path, field_key, label, before, after)


def _level1_snapshot(level: Level1) -> dict:
    return {"name": level.name, "weight": level.weight, "children": [c.name for c in level.children]}


def _level2_snapshot(child: Level2) -> dict:
    return {"name": child.name, "weight": child.weight, "rule": _params(child.rule),
            "indicators": [i.name for i in child.indicators]}


def _indicator_snapshot(ind: FixedIndicator) -> dict:
    return {"name": ind.name, "weight": ind.weight, "rule": _params(ind.rule), "target": ind.target,
            "standard": ind.standard}


def _diff_levels(old: IndicatorSet, new: IndicatorSet, out: _Changes) -> None:
    _diff_order(old.levels, new.levels, "", "levels.order", "一级指标顺序", "levels", out)
    for a, b in _by_name(old.levels, new.levels):
        if a is None or b is None:
            kind, level = (ADDED, b) if a is None else (REMOVED, a)
            snap = _level1_snapshot(level)
            out.add(kind, "levels", level.name, "", "一级指标", *((None, snap) if a is None else (snap, None)))
            continue
        out.value("levels", a.name, "weight", "分值", a.weight, b.weight)
        _diff_order(a.children, b.children, a.name, "children.order", "二级指标顺序", "levels", out)
        for c, d in _by_name(a.children, b.children):
            if c is None or d is None:
                kind, child = (ADDED, d) if c is None else (REMOVED, c)
                snap = _level2_snapshot(child)
                out.add(kind, "levels", f"{a.name} > {child.name}", "", "二级指标",
                        *((None, snap) if c is None else (snap, None)))
                continue
            _diff_level2(f"{a.name} > {c.name}", c, d, out)


def _diff_level2(path: str, a: Level2, b: Level2, out: _Changes) -> None:
    out.value("levels", path, "weight", "分值", a.weight, b.weight)
    out.value("levels", path, "allow_custom", _label("allow_custom"), a.allow_custom, b.allow_custom)
    out.value("levels", path, "max_indicators", _label("max_indicators"), a.max_indicators, b.max_indicators)
    _diff_rule(a.rule, b.rule, path, "rule", out)
    _diff_order(a.indicators, b.indicators, path, "indicators.order", "固定指标顺序", "indicators", out)
    for c, d in _by_name(a.indicators, b.indicators):
        if c is None or d is None:
            kind, ind = (ADDED, d) if c is None else (REMOVED, c)
            snap = _indicator_snapshot(ind)
            out.add(kind, "indicators", f"{path} > 指标「{ind.name}」", "", "指标",
                    *((None, snap) if c is None else (snap, None)))
            continue
        where = f"{path} > 指标「{c.name}」"
        out.value("indicators", where, "weight", "分值", c.weight, d.weight)
        out.value("indicators", where, "target", _label("target"), c.target, d.target)
        out.value("indicators", where, "standard", _label("standard"), c.standard or None, d.standard or None)
        _diff_rule(c.rule, d.rule, where, "rule", out)


# -- rules ----------------------------------------------------------------------------------

def _rule_defaults() -> dict:
    """Each kind's defaults, as the kind declares them (its Params)."""
    from .rules import REGISTRY

    return {kind: cls.defaults() for kind, cls in REGISTRY.items()}


def _params(spec: RuleSpec | None, defaults: bool = False) -> dict | None:
    """The rule as written, kind first; with `defaults`, the kind's defaults fill what was left out,
    so that comparing treats 'left out' and 'written as the default' alike."""
    if spec is None:
        return None
    written = {k: v for k, v in spec.params.items() if k != "kind"}
    if defaults:
        written = {**_rule_defaults().get(spec.kind, {}), **written}
    return {"kind": spec.kind, **written}


def _diff_rule(a: RuleSpec | None, b: RuleSpec | None, path: str, field_key: str, out: _Changes) -> None:
    old, new = _params(a), _params(b)
    if old is None and new is None:
        return
    if old is None or new is None:
        out.add(ADDED if old is None else REMOVED, "rules", path, field_key, "评分规则", old, new)
        return
    if old["kind"] != new["kind"]:
        out.add(CHANGED, "rules", path, field_key, "" if field_key == "default_rule" else "评分规则", old, new)
        return
    crumbs = [] if field_key == "default_rule" else ["评分规则"]
    _diff_params(_params(a, True), _params(b, True), path, field_key, crumbs, out)


def _diff_params(old: Any, new: Any, path: str, key_path: str, crumbs: list[str], out: _Changes) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [k for k in old if k != "kind"] + [k for k in new if k not in old and k != "kind"]
        for key in keys:
            _diff_params(old.get(key), new.get(key), path, f"{key_path}.{key}", crumbs + [_label(key, True)], out)
        return
    if isinstance(old, list) and isinstance(new, list) and all(isinstance(x, dict) for x in old + new):
        _diff_param_list(old, new, path, key_path, crumbs, out)
        return
    if key_path.endswith(".range") and isinstance(old, str) and isinstance(new, str) and _same_interval(old, new):
        return
    if not _same(old, new):
        out.add(CHANGED, "rules", path, key_path, " > ".join(crumbs), old, new)


def _diff_param_list(old: list, new: list, path: str, key_path: str, crumbs: list[str], out: _Changes) -> None:
    """Items with a name (checklist items, options, qualitative bands) match by it; tiers match by position."""
    key = next((k for k in ("name", "label") if all(k in x for x in old + new)), None)
    if key is None:
        for index in range(max(len(old), len(new))):
            a = old[index] if index < len(old) else None
            b = new[index] if index < len(new) else None
            step = f"第{index + 1}档" if key_path.endswith("tiers") else f"第{index + 1}项"
            where = f"{key_path}.{index}"
            if a is None or b is None:
                out.add(ADDED if a is None else REMOVED, "rules", path, where, " > ".join(crumbs + [step]), a, b)
            else:
                _diff_params(a, b, path, where, crumbs + [step], out)
        return
    new_by = {x[key]: x for x in new}
    old_names = {x[key] for x in old}
    for item in old:
        step = f"「{item[key]}」"
        where = f"{key_path}.{item[key]}"
        if item[key] not in new_by:
            out.add(REMOVED, "rules", path, where, " > ".join(crumbs + [step]), item, None)
        else:
            _diff_params({k: v for k, v in item.items() if k != key}, {k: v for k, v in new_by[item[key]].items()
                                                                       if k != key},
                         path, where, crumbs + [step], out)
    for item in new:
        if item[key] not in old_names:
            out.add(ADDED, "rules", path, f"{key_path}.{item[key]}", " > ".join(crumbs + [f"「{item[key]}」"]),
                    None, item)


def _same_interval(a: str, b: str) -> bool:
    from .rules.tiers import RuleParamError, parse_interval

    try:
        x, y = parse_interval(a), parse_interval(b)
    except RuleParamError:
        return a == b
    return (x.low, x.low_closed, x.high, x.high_closed, x.unit) == (y.low, y.low_closed, y.high, y.high_closed, y.unit)


# -- text -----------------------------------------------------------------------------------

def set_title(iset: IndicatorSet, ref: str) -> str:
    shown = iset.id if ref == iset.id else f"{ref}（{iset.id}）"
    return f"{shown} {iset.name}"


def render_changes(changes: list[Change]) -> list[str]:
    if not changes:
        return ["两个版本没有差别。"]
    lines: list[str] = []
    for section, title in SECTIONS.items():
        mine = [c for c in changes if c.section == section]
        if mine:
            lines.append(f"{title}（{len(mine)} 处）")
            lines.extend(f"  {c.text()}" for c in mine)
    lines.append(f"共 {len(changes)} 处变化。")
    return lines


# -- re-scoring submissions ------------------------------------------------------------------

@dataclass
class Scored:
    """A submission's result under one version of the set."""
    total: Decimal | None
    grade: str | None
    scored: bool
    precision: int
    errors: list[Diagnostic] = field(default_factory=list)

    def total_text(self) -> str:
        if not self.scored:
            return "不计分"
        return "—" if self.total is None else format(quantize(self.total, self.precision), "f")


@dataclass
class Rescored:
    file: str
    unit: str = ""
    named_set: str = ""  # the set the submission itself names
    problem: Diagnostic | None = None  # why the file could not be loaded
    old: Scored | None = None
    new: Scored | None = None

    @property
    def loaded(self) -> bool:
        return self.old is not None and self.new is not None

    @property
    def delta(self) -> Decimal | None:
        if not self.loaded or self.old.total is None or self.new.total is None:
            return None
        return self.new.total - self.old.total

    @property
    def grade_changed(self) -> bool:
        return self.loaded and (self.old.grade or "") != (self.new.grade or "")

    def delta_text(self) -> str:
        if not self.loaded:
            return "无法读取"
        delta = self.delta
        if delta is None:
            return "—"
        if delta == 0:
            return "不变"
        places = max(self.old.precision, self.new.precision)
        text = format(quantize(delta, places), "f")
        return text if text.startswith("-") else "+" + text


def find_submissions(targets) -> tuple[list[Path], list[Path]]:
    """(submission files, set files skipped): files as given, directories searched recursively, sorted."""
    from .lint import is_set_file

    found: set[Path] = set()
    for target in targets:
        target = Path(target)
        if target.is_dir():
            found.update(p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in SUBMISSION_SUFFIXES
                         and not p.name.startswith((".", "~$")))
        else:
            found.add(target)
    files, skipped = [], []
    for path in sorted(found, key=lambda p: str(p)):
        (skipped if path.suffix.lower() in (".yaml", ".yml") and is_set_file(path) else files).append(path)
    return files, skipped


def rescore(paths, old: IndicatorSet, new: IndicatorSet) -> list[Rescored]:
    """Score each file with `old` and with `new`, whatever set it names; never raises for one bad file."""
    from . import schema
    from .importers.loader import load_submission
    from .model import Submission

    results = []
    for path in paths:
        item = Rescored(file=str(path))
        results.append(item)
        diags = Diagnostics()
        try:
            doc = load_submission(path, diags, old.id)
            if doc is None or not schema.validate(doc, "submission", diags):
                item.problem = _first_error(diags, path)
                continue
            item.unit = str(doc.data.get("unit") or "")
            item.named_set = str(doc.data.get("set") or "")
            sub = Submission.from_document(doc)  # scoring never changes a submission: one serves both sets
            item.old = _score(sub, old)
            item.new = _score(sub, new)
        except Exception as exc:  # one broken file must not stop the others
            item.old = item.new = None
            item.problem = Diagnostics().add("B902", Where(str(path)), reason=f"{type(exc).__name__}: {exc}")
    return results


def _score(sub, iset: IndicatorSet) -> Scored:
    from .checks import check_table
    from .engine import score_submission

    diags = Diagnostics()
    result = score_submission(sub, iset, diags)
    check_table(result, sub, iset, diags)  # the same findings as `score` and `check`
    return Scored(total=result.total, grade=result.grade, scored=result.scored, precision=result.precision,
                  errors=[d for d in diags.sorted() if d.severity == ERROR])


def _first_error(diags: Diagnostics, path) -> Diagnostic:
    errors = [d for d in diags.sorted() if d.severity == ERROR]
    if errors:
        return errors[0]
    return Diagnostics().add("Y100", Where(str(path)), reason="无法读取")


def _tail(text: str, limit: int) -> str:
    """Keep the end of a long path (the file name), not its beginning."""
    from .report import width

    if width(text) <= limit:
        return text
    kept = ""
    for ch in reversed(text):
        if width(kept) + width(ch) > limit - 1:
            break
        kept = ch + kept
    return "…" + kept


def render_rescored(items: list[Rescored], old_chain=(), new_chain=()) -> list[str]:
    """The 文件/单位/旧总分/旧等级/新总分/新等级/变化 table and what changed grade."""
    from .report import table

    rows = [["文件", "单位", "旧总分", "旧等级", "新总分", "新等级", "变化"]]
    for item in items:
        if not item.loaded:
            rows.append([_tail(item.file, 44), item.unit or "—", "—", "—", "—", "—", "无法读取"])
            continue
        rows.append([_tail(item.file, 44), item.unit, item.old.total_text() + ("*" if item.old.errors else ""),
                     item.old.grade or "—", item.new.total_text() + ("*" if item.new.errors else ""),
                     item.new.grade or "—", item.delta_text()])
    lines = table(rows, [44, 30, 8, 6, 8, 6, 8], right={2, 4, 6})
    changed = [i for i in items if i.grade_changed]
    broken = [i for i in items if not i.loaded]
    summary = f"{len(items)} 个自评表中，{len(changed)} 个等级发生变化"
    if broken:
        summary += f"，{len(broken)} 个无法读取"
    lines.append("")
    lines.append(summary + ("：" if changed else "。"))
    for item in changed:
        lines.append(f"  {item.file}（{item.unit}）：{item.old.grade or '—'} → {item.new.grade or '—'}"
                     f"（{item.old.total_text()} → {item.new.total_text()}）")
    if broken:
        lines.append("无法读取的文件：")
        for item in broken:
            lines.append(f"  {item.problem.location()}: {item.problem.code} {item.problem.message}")
    flagged = [i for i in items if i.loaded and (i.old.errors or i.new.errors)]
    if flagged:
        lines.append("* 计分时有错误，得分仅供参考：")
        for item in flagged:
            first = (item.old.errors or item.new.errors)[0]
            foreign = item.named_set and item.named_set not in (*old_chain, *new_chain)
            lines.append(f"  {item.file}：旧版 {len(item.old.errors)} 个错误，新版 {len(item.new.errors)} 个错误，"
                         f"如 {first.code} {first.message}"
                         + (f"（该表是按「{item.named_set}」填写的）" if foreign else ""))
    return lines


def rescored_json(items: list[Rescored]) -> dict:
    def one(s: Scored | None):
        if s is None:
            return None
        return {"total": None if not s.scored or s.total is None else s.total_text(), "grade": s.grade,
                "scored": s.scored, "errors": [d.to_json() for d in s.errors]}

    files = []
    for item in items:
        delta = item.delta
        files.append({
            "file": item.file, "unit": item.unit or None, "set": item.named_set or None, "loaded": item.loaded,
            "error": item.problem.to_json() if item.problem else None,
            "old": one(item.old), "new": one(item.new),
            "delta": None if delta is None else fmt_short(delta),
            "grade_changed": item.grade_changed,
        })
    return {"files": files, "count": len(items), "grade_changed": sum(1 for i in items if i.grade_changed),
            "unreadable": sum(1 for i in items if not i.loaded)}


# -- naming a set on the command line ---------------------------------------------------------

class UnknownSet(LookupError):
    """An id that no set directory has, or a file that does not exist: a usage error."""


def looks_like_file(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref or Path(ref).is_file()


def load_ref(ref: str, set_dirs=()):
    """A set named by id or by file path, resolved and linted the way `jixiao sets lint` does it.

    Returns the lint FileOutcome (its `set` may be None, its diagnostics may hold errors);
    raises UnknownSet when there is no such id or file."""
    from .lint import lint_file, lint_id
    from .sets import available_ids, find_set_file

    if looks_like_file(ref):
        if not Path(ref).is_file():
            raise UnknownSet(f"找不到指标体系文件「{ref}」。")
        return lint_file(ref, set_dirs)
    if find_set_file(ref, set_dirs) is None:
        raise UnknownSet(f"找不到指标体系「{ref}」；可用：{'、'.join(available_ids(set_dirs))}")
    return lint_id(ref, set_dirs)


# -- the whole report ---------------------------------------------------------------------------

def report_text(old_ref: str, old: IndicatorSet, new_ref: str, new: IndicatorSet, changes: list[Change],
                rescored: list[Rescored] | None = None, skipped=()) -> str:
    lines = [f"旧版本：{set_title(old, old_ref)}", f"新版本：{set_title(new, new_ref)}", ""]
    lines += render_changes(changes)
    if rescored is not None:
        own, foreign = split_foreign(rescored, old, new)
        lines += ["", f"按两个版本重新计分（{len(own)} 个按「{old.id}」或「{new.id}」填写的自评表）："]
        lines += render_rescored(own, old.chain, new.chain) if own else ["（没有找到按这两个版本填写的 .yaml、.yml、.xlsx 或 .csv 自评表）"]
        if foreign:
            shown = "、".join(f"{i.file}（{i.named_set}）" for i in foreign[:10]) + ("等" if len(foreign) > 10 else "")
            lines.append(f"另有 {len(foreign)} 个自评表按其他指标体系填写，未比较：{shown}")
        if skipped:
            lines.append(f"（跳过 {len(skipped)} 个指标体系文件：{'、'.join(str(p) for p in skipped)}）")
    return "\n".join(lines)


def report_json(old_ref: str, old: IndicatorSet, new_ref: str, new: IndicatorSet, changes: list[Change],
                rescored: list[Rescored] | None = None, skipped=()) -> dict:
    def about(ref: str, iset: IndicatorSet) -> dict:
        return {"ref": ref, "id": iset.id, "name": iset.name, "file": iset.file, "chain": list(iset.chain)}

    own, foreign = split_foreign(rescored or [], old, new)
    return {
        "ok": True, "old": about(old_ref, old), "new": about(new_ref, new),
        "identical": not changes, "changes": [c.to_json() for c in changes],
        "against": None if rescored is None else {**rescored_json(own),
                                                  "other_sets": [{"file": i.file, "set": i.named_set} for i in foreign],
                                                  "skipped_set_files": [str(p) for p in skipped]},
    }


def split_foreign(items: list[Rescored], old: IndicatorSet, new: IndicatorSet) -> tuple[list, list]:
    """Tables filled for one of the two versions, and tables filled for some other set (not compared:
    scoring a 湖南 scorecard with a 湖北 project set only produces numbers nobody should read)."""
    ids = {old.id, new.id}
    own = [i for i in items if not i.named_set or i.named_set in ids]
    return own, [i for i in items if i.named_set and i.named_set not in ids]
