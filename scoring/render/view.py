"""The view model: everything a rendered 自评表 shows, computed once in Python.

HTML, Markdown, Excel and Word all draw from a `Report`, so they show the same
numbers as `jixiao score`.  Numbers are formatted here (ROUND_HALF_UP via
numbers.quantize), never in templates.  Every text of the built view, the unit's
own words and the sentences made from them alike, loses its invisible control,
bidi and zero-width characters here (display.strip_invisible; V511 tells the unit).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..display import strip_invisible
from ..engine import RowResult
from ..diagnostics import SEVERITY_LABEL
from ..model import BUDGET_LABELS, IMPORTED_SCORE
from ..numbers import HUNDRED, fmt_short, percent, quantize
from ..pipeline import FileOutcome
from ..values import LE, LT, NUMBER, UnitMismatch, common_numbers, parse_value
from ..verdicts import Basis, Flag

MISSING = "待补充"

FAMILIES = {
    "mof-project": "mof-project",
    "hubei-project": "hubei-project",
    "hubei-department": "hubei-department",
    "hunan-department-scorecard": "hunan-department-scorecard",
    "sichuan-project": "sichuan-project",
    "shanxi-project": "shanxi-project",
}


class RenderError(Exception):
    """A problem that stops rendering one file; the message is for people."""


@dataclass
class RowView:
    goal: int
    level1: str
    level2: str
    name: str
    target: str
    adjusted_target: str
    actual: str
    weight: Decimal | None
    weight_text: str
    score: Decimal | None
    score_text: str
    rule_score_text: str
    given_text: str
    standard: str
    rule_title: str
    explain: str
    reason: str
    measures: str
    status: str
    basis: str
    flags: list[str]
    deviation: str = ""  # the generated sentence, when the row deviates

    @property
    def remark(self) -> str:
        """The 偏差原因分析及改进措施 cell: the unit's words, or 待补充 where a reason is owed."""
        words = "；".join(x for x in (self.reason, self.measures) if x)
        if words:
            return words
        return MISSING if self.deviation else ""


@dataclass
class SourceView:
    name: str
    initial: str
    annual: str
    adjusted: str
    executed: str
    balance: str


@dataclass
class BudgetView:
    label: str
    initial: str
    annual: str
    adjusted: str
    executed: str
    balance: str
    planned: str
    planned_label: str
    rate: Decimal | None
    rate_text: str
    weight: Decimal | None
    weight_text: str
    score: Decimal | None
    score_text: str
    reason: str
    measures: str
    explain: str
    sources: list[SourceView] = field(default_factory=list)


@dataclass
class GoalView:
    name: str
    weight_text: str
    target: str
    actual: str
    rows: list[RowView]
    score_text: str


@dataclass
class Deviation:
    subject: str
    sentence: str
    reason: str
    measures: str

    @property
    def missing(self) -> bool:
        return not (self.reason or self.measures)


@dataclass
class Report:
    file: str
    family: str
    set_id: str
    set_name: str
    title: str
    year: str
    scored: bool
    unit: str
    project: str
    department: str
    department_code: str
    implementer: str
    date: str
    categories: dict
    basic_spending: str
    project_spending: str
    budget: BudgetView | None
    goals: list[GoalView]
    rows: list[RowView]
    total: Decimal | None
    total_text: str
    total_weight_text: str
    grade: str
    deviations: list[Deviation]
    summary: str
    reason: str
    measures: str
    narrative: dict
    evaluators: list[dict]
    unit_label: str = "万元"
    draft: str = ""  # 「草稿：存在N处错误，不能作为正式附件」 when the table has errors; every writer prints it on every page
    # Review content, only with `render --with-review`, on a page of its own after the official ones:
    review_rows: list = field(default_factory=list)      # RowView of every row (rule score, given score, explanation)
    review_findings: list = field(default_factory=list)  # 「错误 G601 …（位置）」, every error and warning


def draft_mark(errors: int) -> str:
    return f"草稿：存在{errors}处错误，不能作为正式附件" if errors else ""


def _num(value) -> str:
    return "" if value is None else fmt_short(value)


def _cell_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return fmt_short(value)
    return str(value)


def build_report(outcome: FileOutcome, with_review: bool = False) -> Report:
    """The view of one scored file; with `with_review`, also the review page's content.  Raises RenderError when
    there is nothing to render."""
    result, sub, iset = outcome.result, outcome.submission, outcome.set
    if result is None or sub is None or iset is None:
        raise RenderError("文件有错误，未能计分，无法生成自评表；请先用 jixiao check 查看问题。")
    data = sub.data
    family = FAMILIES.get(iset.template) or _family_from_chain(iset)
    rows = [_row_view(r, result.precision, iset.scored) for r in result.rows]
    goals = []
    for index, goal in enumerate(result.goals):
        mine = [r for r in rows if r.goal == index]
        goals.append(GoalView(goal.name, _num(goal.weight), goal.target, goal.actual, mine, _num(goal.score)))
    budget = _budget_view(outcome) if result.budget is not None or sub.budget is not None else None
    deviations = _deviations(rows, budget, iset, sub.reason)
    year = _cell_value(data.get("year"))
    report = Report(
        file=outcome.file, family=family, set_id=iset.id, set_name=iset.name,
        title=_title(family, data), year=year, scored=iset.scored,
        unit=sub.unit, project=data.get("project", ""), department=data.get("department", ""),
        department_code=data.get("department_code", ""), implementer=data.get("implementer", ""),
        date=data.get("date", ""), categories=dict(data.get("categories") or {}),
        basic_spending=_cell_value(data.get("basic_spending")), project_spending=_cell_value(data.get("project_spending")),
        budget=budget, goals=goals, rows=rows, total=result.total,
        total_text=_num(result.total) if result.total is not None else "",
        total_weight_text=_num(iset.total), grade=result.grade or "",
        deviations=deviations, summary=_summary(rows, budget, deviations, iset.scored),
        reason=sub.reason, measures=sub.measures, narrative=dict(data.get("narrative") or {}),
        evaluators=list(data.get("evaluators") or []),
        draft=draft_mark(sum(1 for d in outcome.diagnostics if d.severity == "error")),
    )
    if with_review:
        report.review_rows = list(rows)
        report.review_findings = [f"{SEVERITY_LABEL[d.severity]} {d.code} {d.message}（{d.location()}）"
                                  for d in outcome.diagnostics if d.severity in ("error", "warning")]
    return _visible(report)


_VIEWS = (Report, RowView, BudgetView, SourceView, GoalView, Deviation)


def _visible(node):
    """`node` with invisible characters removed from every string in it (dataclasses of the view changed in place,
    dicts and lists rebuilt): one walk over the finished view, so no field or derived sentence is missed."""
    if isinstance(node, str):
        return strip_invisible(node)
    if isinstance(node, _VIEWS):
        attrs = node.__dict__
        for name, value in list(attrs.items()):
            if isinstance(value, (str, list, dict, *_VIEWS)):
                attrs[name] = _visible(value)
        return node
    if isinstance(node, list):
        return [_visible(value) for value in node]
    if isinstance(node, dict):
        return {_visible(key): _visible(value) for key, value in node.items()}
    return node


def _family_from_chain(iset) -> str:
    for set_id in iset.chain:
        if set_id in FAMILIES:
            return FAMILIES[set_id]
    return "mof-project"


def _title(family: str, data: dict) -> str:
    project = data.get("project", "")
    return {
        "mof-project": "项目支出绩效自评表",
        "hubei-project": (f"{project}自评表" if project.endswith("项目") else f"{project}项目自评表") if project else "项目自评表",
        "hubei-department": "部门整体绩效自评表",
        "hunan-department-scorecard": "部门整体支出绩效自评表",
        "sichuan-project": "部门预算项目支出绩效目标自评表",
        "shanxi-project": f"{project}项目支出绩效自评表" if project else "项目支出绩效自评表",
    }[family]


def _row_view(r: RowResult, places: int, scored: bool) -> RowView:
    row = r.row
    adjusted = _cell_value(row.adjusted_target)
    return RowView(
        goal=row.goal, level1=r.level1, level2=r.level2, name=r.name,
        target=_cell_value(row.target), adjusted_target=adjusted, actual=r.actual,
        weight=r.weight, weight_text=_num(r.weight),
        score=r.score, score_text=_num(r.score) if r.score is not None else ("不适用" if r.basis == Basis.NOT_APPLICABLE else ""),
        rule_score_text=_num(r.rule_score), given_text=_num(r.given),
        standard=r.standard, rule_title=r.rule_title, explain=r.explain,
        reason=row.reason or (row.evaluator_judgement if row.evaluator_judgement != IMPORTED_SCORE else "") or "",
        measures=row.measures,
        status=r.status, basis=r.basis, flags=list(r.flags),
        deviation=_row_deviation(r, scored),
    )


def _row_deviation(r: RowResult, scored: bool) -> str:
    """One sentence with the numbers, for a row below full marks, far over target, or not completed."""
    row = r.row
    target_label = "调整后指标值" if row.adjusted_target is not None else "年度指标值"
    target = r.target_value or parse_value(None)  # parsed once, by the engine
    actual = r.actual_value or parse_value(None)
    shown_target = target.display() or MISSING
    shown_actual = actual.amount() if actual.kind == NUMBER else (r.actual or MISSING)
    checked = r.basis in (Basis.RULE, Basis.JUDGEMENT) and not r.rule_reported and not r.from_given
    if checked and actual.kind == NUMBER and not actual.unit and target.kind == NUMBER and target.unit:
        shown_actual += target.unit  # 「2000件」 against 「2974」: the rule read it in the target's unit
    if not scored:
        if r.met:
            return ""
        return f"{r.name}：{target_label}{shown_target}，实际完成{shown_actual}，未完成"
    if r.basis == Basis.NOT_APPLICABLE or r.weight is None or r.score is None:
        return ""
    if r.basis == Basis.NONE:  # the rule could not score it: no rate, no unit assumed, nothing more claimed
        return f"{r.name}：{target_label}{shown_target}，实际完成「{r.actual or MISSING}」"
    rate = _completion_rate(target, actual) if checked else None
    reverse = target.sign in (LE, LT)
    parts = [f"{r.name}：{target_label}{shown_target}，实际完成{shown_actual}"]
    if rate is not None:
        parts.append(f"超出目标{percent(rate - 1, 1)}" if reverse and rate > 1 else f"完成率{percent(rate, 1)}")
    # Publishable wording: what was targeted and what was done.  The points (the rule's, the evaluator's) are in
    # the table's score column and, for review, in `jixiao score --explain` and the 计分说明 sheet.
    if r.score < r.weight or (r.rule_score is not None and r.rule_score < r.weight):
        pass
    elif r.over_ratio is not None and Flag.BELOW_CAP in r.flags:
        parts.append(f"目标上限为实际的{_num(quantize(r.over_ratio, 2))}倍")
    elif r.over_ratio is not None:
        parts.append(f"为目标的{_num(quantize(r.over_ratio, 2))}倍")
    else:
        return ""
    return "，".join(parts)


def _completion_rate(target, actual) -> Decimal | None:
    if target.kind != NUMBER or actual.kind != NUMBER:
        return None
    try:
        a, b, _ = common_numbers(target, actual)
    except UnitMismatch:
        return None
    return b / a if a else None


def _budget_view(outcome: FileOutcome) -> BudgetView:
    result, sub = outcome.result, outcome.submission
    b = sub.budget
    res = result.budget

    def figure(obj, key):
        return _num(getattr(obj, key) if obj is not None else None)

    def balance(annual, executed):
        return _num(annual - executed) if annual is not None and executed is not None else ""

    sources = [SourceView(s["name"], _num(s.get("initial")), _num(s.get("annual")), _num(s.get("adjusted")),
                          _num(s.get("executed")), balance(s.get("annual"), s.get("executed")))
               for s in (b.sources if b else [])]
    rate = res.rate if res else None
    return BudgetView(
        label=(b.label if b and b.label else "年度资金总额"),
        initial=figure(b, "initial"), annual=figure(b, "annual"), adjusted=figure(b, "adjusted"),
        executed=figure(b, "executed"), balance=balance(b.annual, b.executed) if b else "",
        planned=_num(res.planned) if res else "", planned_label=BUDGET_LABELS.get(res.denominator, "") if res and res.denominator else "",
        rate=rate, rate_text=res.rate_text if res else "",
        weight=res.weight if res else None, weight_text=_num(res.weight) if res else "",
        score=res.score if res else None, score_text=_num(res.score) if res and res.score is not None else "",
        reason=b.reason if b else "", measures=b.measures if b else "", explain=res.explain if res else "",
        sources=sources,
    )


SEE_BOX = "见表中偏差原因分析"


def _deviations(rows: list[RowView], budget: BudgetView | None, iset, box: str) -> list[Deviation]:
    """Every deviation with the unit's own reason; the table's 偏差原因 box counts where it applies."""
    out = []
    low = iset.deviation.low_rate
    if budget is not None and budget.rate is not None and low is not None and budget.rate < low:
        out.append(Deviation("预算执行率", f"预算执行率{budget.rate_text}，低于{percent(low, 0)}",
                             budget.reason or (SEE_BOX if box.strip() else ""), budget.measures))
    for row in rows:
        if row.deviation:
            reason = row.reason or (SEE_BOX if row.name and row.name in box else "")
            out.append(Deviation(row.name, row.deviation, reason, row.measures))
    return out


def _summary(rows: list[RowView], budget: BudgetView | None, deviations: list[Deviation], scored: bool) -> str:
    """The generated paragraph for the table's 偏差原因 box."""
    parts = []
    if budget is not None and budget.rate_text:
        text = f"预算执行率{budget.rate_text}"
        if budget.score_text:
            text += f"，得{budget.score_text}分（满分{budget.weight_text}分）"
        parts.append(text)
    if scored:
        lost = [r for r in rows if r.weight is not None and r.score is not None and r.score < r.weight]
        total_lost = sum((r.weight - r.score for r in lost), Decimal(0))
        parts.append(f"共{len(rows)}项绩效指标，{len(lost)}项未得满分" + (f"，合计扣{_num(total_lost)}分" if lost else ""))
        over = [r.name for r in rows if Flag.OVER_TARGET in r.flags]
        if over:
            parts.append(f"{len(over)}项超额完成较多（{'、'.join(over)}），目标值可能设置偏低")
        loose = [r.name for r in rows if Flag.BELOW_CAP in r.flags]
        if loose:
            parts.append(f"{len(loose)}项远低于目标上限（{'、'.join(loose)}），目标值可能设置偏松")
    else:
        undone = [r.name for r in rows if r.status != "完成"]
        parts.append(f"共{len(rows)}项绩效指标，完成{len(rows) - len(undone)}项" +
                     (f"，未完成{len(undone)}项（{'、'.join(undone)}）" if undone else ""))
    return "；".join(parts) + "。"


__all__ = ["Report", "RowView", "BudgetView", "GoalView", "Deviation", "build_report", "RenderError", "MISSING",
           "HUNDRED"]
