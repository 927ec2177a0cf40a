"""`jixiao sets lint` and `sets show`: check a set on its own, and describe it."""
from __future__ import annotations


from .checks import lint_set
from .diagnostics import Diagnostics
from .model import IndicatorSet, RuleSpec
from .numbers import fmt_short
from .pipeline import FileOutcome
from .sets import SetLoader
from .yamlload import MAX_FILE_BYTES


def is_set_file(path) -> bool:
    """An indicator set has top-level `levels:` or `extends:`; a submission has `set:`."""
    from .fileio import peek

    head = peek(path, min(MAX_FILE_BYTES, 65536)).decode("utf-8", "replace")
    keys = {line.split(":", 1)[0].strip() for line in head.splitlines() if line[:1].isalpha() and ":" in line}
    return "set" not in keys and bool(keys & {"levels", "extends"})


def _finish(file: str, iset: IndicatorSet | None, diags: list) -> FileOutcome:
    extra = Diagnostics(list(diags))
    if iset is not None:
        lint_set(iset, extra)
    return FileOutcome(file=file, set=iset, diagnostics=extra.sorted())


def lint_file(path, set_dirs=()) -> FileOutcome:
    iset, diags = SetLoader(set_dirs).load_path(path)
    return _finish(str(path), iset, diags)


def lint_id(set_id: str, set_dirs=()) -> FileOutcome:
    from .sets import find_set_file

    path = find_set_file(set_id, set_dirs)
    if path is None:
        diags = Diagnostics()
        from .sets import available_ids

        diags.add("R301", set_id=set_id, available="、".join(available_ids(set_dirs)))
        return FileOutcome(file=set_id, diagnostics=diags.items)
    return lint_file(path, set_dirs)


def _rule_text(spec: RuleSpec | None) -> str:
    if spec is None:
        return ""
    params = {k: v for k, v in spec.params.items() if k != "kind"}
    from .rules import REGISTRY

    title = REGISTRY[spec.kind].title if spec.kind in REGISTRY else spec.kind
    if not params:
        return f"{title}（{spec.kind}）"
    shown = "，".join(f"{k}={_short(v)}" for k, v in params.items())
    return f"{title}（{spec.kind}：{shown}）"


def _short(value) -> str:
    if isinstance(value, list):
        return "[" + "；".join(_short(v) for v in value) + "]"
    if isinstance(value, dict):
        return " ".join(f"{_short(v)}" for v in value.values())
    text = fmt_short(value) if hasattr(value, "as_tuple") else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def describe_set(iset: IndicatorSet) -> str:
    w = lambda v: "自定" if v is None else fmt_short(v)  # noqa: E731
    lines = [f"{iset.id}：{iset.name}"]
    if len(iset.chain) > 1:
        lines.append("继承：" + " → ".join(iset.chain))
    lines.append(f"地区：{iset.region or '—'}  类型：{'部门整体' if iset.kind == 'department' else '项目'}  "
                 f"计分：{'是' if iset.scored else '否（只判定完成情况）'}  "
                 f"小数位：{iset.precision}（{'四舍五入' if iset.rounding == 'half_up' else '截尾'}）  总分：{fmt_short(iset.total)}")
    if iset.description:
        lines.append(iset.description)
    if iset.budget is not None:
        b = iset.budget
        from .model import BUDGET_LABELS

        lines.append(f"预算执行率：分值 {w(b.weight)}，执行率 = 全年执行数 / "
                     f"{' 或 '.join(BUDGET_LABELS[d] for d in b.denominator)}，上限 {fmt_short(b.cap * 100)}%")
    lines.append(f"默认评分规则：{_rule_text(iset.default_rule)}")
    for level in iset.levels:
        lines.append(f"一级 {level.name}（{w(level.weight)}分）")
        for child in level.children:
            extra = f"，规则：{_rule_text(child.rule)}" if child.rule else ""
            lines.append(f"  二级 {child.name}（{w(child.weight)}分{extra}）")
            for ind in child.indicators:
                lines.append(f"    三级 {ind.name}（{w(ind.weight)}分）：{_rule_text(ind.rule)}")
                if ind.standard:
                    lines.append(f"      评分标准：{ind.standard}")
    lines.append("等级：" + "，".join(f"{g.label} ≥ {fmt_short(g.min)}" for g in iset.grades))
    d = iset.deviation
    lines.append(f"偏差规则：超额倍数 {fmt_short(d.over_achievement_ratio) if d.over_achievement_ratio else '不检查'}，"
                 f"远低于上限倍数 {fmt_short(d.under_cap_ratio) if d.under_cap_ratio else '不检查'}，"
                 f"执行率低于 {fmt_short(d.low_rate * 100) + '%' if d.low_rate is not None else '不检查'} 需说明，"
                 f"失分需说明原因：{'是' if d.reason_required else '否'}")
    return "\n".join(lines)
