"""Turn results into the terminal table and the JSON contract.

The JSON shape is a contract that later tools rely on; numbers are decimal
strings so no reader turns them into floats by accident.
"""
from __future__ import annotations

import unicodedata
from decimal import Decimal

from .diagnostics import ERROR, INFO, SEVERITY_LABEL, WARNING
from .engine import RowResult
from .model import BUDGET_LABELS
from .numbers import fmt_short, quantize
from .pipeline import FileOutcome
from .verdicts import Basis, Flag



def _num(value: Decimal | None, places: int | None = None) -> str | None:
    if value is None:
        return None
    if places is not None:
        return format(quantize(value, places), "f")
    return fmt_short(value)


# -- JSON -------------------------------------------------------------------------------

def to_json(outcome: FileOutcome) -> dict:
    result = outcome.result
    data: dict = {
        "file": outcome.file,
        "set": outcome.set.id if outcome.set else (result.set_id if result else None),
        "set_name": outcome.set.name if outcome.set else None,
        "ok": not outcome.has_errors,
        "unit": result.unit if result else None,
        "project": result.project if result else None,
        "scored": result.scored if result else None,
        "precision": result.precision if result else None,
        "total": None, "grade": None, "budget": None, "goals": [], "subtotals": [], "indicators": [],
    }
    if result is not None:
        places = result.precision
        data["total"] = _num(result.total, places)
        data["grade"] = result.grade
        budget = result.budget
        if budget is not None:
            data["budget"] = {
                "rate": _num(budget.rate),
                "rate_percent": budget.rate_text or None,
                "weight": _num(budget.weight),
                "score": budget.score_text or None,
                "denominator": budget.denominator,
                "planned": _num(budget.planned),
                "executed": _num(budget.executed),
                "explain": budget.explain,
            }
        data["goals"] = [{"name": g.name, "weight": _num(g.weight), "score": _num(g.score, places)}
                         for g in result.goals]
        data["subtotals"] = [{"goal": s.goal, "level1": s.level1, "level2": s.level2, "weight": _num(s.weight),
                              "score": _num(s.score, places)} for s in result.subtotals]
        data["excluded_weight"] = _num(result.excluded_weight)
        data["total_explain"] = result.total_explain
        data["pending_weight"] = _num(result.pending_weight)
        data["indicators"] = [_row_json(r, places) for r in result.rows]
    data["diagnostics"] = [d.to_json() for d in outcome.diagnostics]
    return data


def _row_json(r: RowResult, places: int) -> dict:
    return {
        "goal": r.row.goal,
        "level1": r.level1,
        "level2": r.level2,
        "name": r.name,
        "weight": _num(r.weight),
        "target": r.target,
        "actual": r.actual,
        "rule": r.rule_kind,
        "score": _num(r.score, places),
        "rule_score": _num(r.rule_score, places),
        "given_score": _num(r.given),
        "basis": r.basis,
        "status": r.status,
        "explain": r.explain,
        "flags": list(r.flags),
        "reason": r.row.reason,
        "measures": r.row.measures,
    }


# -- text -----------------------------------------------------------------------------------

def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out += ch
        used += w
    return out + "…"


def pad(text: str, size: int, right: bool = False) -> str:
    text = clip(text, size)
    gap = " " * (size - width(text))
    return gap + text if right else text + gap


def table(rows: list[list[str]], widths: list[int], right: set[int] = frozenset()) -> list[str]:
    return ["  ".join(pad(cell, widths[i], i in right) for i, cell in enumerate(row)).rstrip() for row in rows]


def render_text(outcome: FileOutcome, explain: bool = False) -> str:
    result = outcome.result
    lines = [f"== {outcome.file}"]
    if result is None:
        lines.append("未能计分：文件有错误，见下方提示。")
        return "\n".join(lines)
    places = result.precision
    title = result.unit + (f" · {result.project}" if result.project else "")
    lines.append(title)
    if outcome.set:
        lines.append(f"指标体系：{outcome.set.id}（{outcome.set.name}）  得分保留{places}位小数")
    budget = result.budget
    if budget is not None and budget.denominator is not None:
        parts = [f"预算执行{'（' + budget.label + '）' if budget.label else ''}：",
                 f"{BUDGET_LABELS[budget.denominator]} {_num(budget.planned)}"]
        if budget.executed is not None:
            parts.append(f"全年执行数 {_num(budget.executed)}")
        if budget.rate is not None:
            parts.append(f"执行率 {budget.rate_text}")
        if budget.weight is not None:
            parts.append(f"分值 {_num(budget.weight)}  得分 {budget.score_text}")
        lines.append(parts[0] + "  ".join(parts[1:]))
        if explain and budget.explain:
            lines.append(f"  └ {budget.explain}")
    lines.append("")
    if result.scored:
        header = ["一级指标", "二级指标", "三级指标", "指标值", "实际值", "分值", "得分", "备注"]
        widths = [10, 14, 28, 14, 14, 5, 6, 24]
    else:
        header = ["一级指标", "二级指标", "三级指标", "指标值", "实际值", "完成情况"]
        widths = [10, 14, 32, 16, 16, 8]
    body: list[str] = table([header], widths)
    body.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    multi_goal = len(result.goals) > 1
    current_goal = None

    def goal_subtotal(index: int) -> None:
        goal = result.goals[index]
        if result.scored:
            body.append(f"{'':>60}{goal.name}小计 {_num(goal.score, places)} / {_num(goal.row_weight)}")

    for r in result.rows:
        if multi_goal and r.row.goal != current_goal:
            if current_goal is not None:
                goal_subtotal(current_goal)
            current_goal = r.row.goal
            goal = result.goals[current_goal]
            weight = f"（{_num(goal.weight)}分）" if goal.weight is not None else ""
            body.append(f"【{goal.name}{weight}】")
        if result.scored:
            cells = [r.level1, r.level2, r.name, r.target, r.actual, _num(r.weight) or "",
                     _num(r.score, places) if r.score is not None else "—", _remark(r, places)]
        else:
            cells = [r.level1, r.level2, r.name, r.target, r.actual, r.status]
        body.extend(table([cells], widths, right={5, 6} if result.scored else set()))
        if explain and r.explain:
            body.append(f"    └ {r.explain}")
    if multi_goal and current_goal is not None:
        goal_subtotal(current_goal)
    lines.extend(body)
    lines.append("")
    if result.scored:
        total = _num(result.total, places)
        extra = ""
        if result.excluded_weight:
            extra = f"（不适用分值 {_num(result.excluded_weight)}，已按适用分值折算）"
        if result.pending_weight:
            extra += f"（暂定：分值合计 {_num(result.pending_weight)} 的项目无法计分，按 0 分计，改正后总分和等级会变）"
        lines.append(f"总分 {total}  等级 {result.grade}{extra}")
        if explain and result.total_explain:
            lines.append(f"  └ {result.total_explain}")
    else:
        done = sum(1 for r in result.rows if r.met)
        lines.append(f"不计分：共 {len(result.rows)} 项指标，完成 {done} 项，未完成 {len(result.rows) - done} 项")
    return "\n".join(lines)


def _remark(r: RowResult, places: int) -> str:
    if r.basis == Basis.JUDGEMENT:
        return f"评价人判断，规则得分{_num(r.rule_score, places)}"
    if Flag.GIVEN_DIFFERS in r.flags:
        return f"自评{_num(r.given)}≠规则{_num(r.rule_score, places)}"
    if r.basis in (Basis.GIVEN, Basis.CAPPED) and Flag.UNVERIFIED in r.flags:
        return "按自评得分，未核验"
    if r.basis == Basis.NOT_APPLICABLE:
        return "不适用"
    if r.basis == Basis.NONE:
        return "无法计分"
    if Flag.OVER_TARGET in r.flags:
        return "超额完成"
    if Flag.BELOW_CAP in r.flags:
        return "远低于上限"
    return ""


def render_diagnostics(diagnostics, verbose: bool = False) -> str:
    shown = [d for d in diagnostics if verbose or d.severity != INFO]
    return "\n".join(d.format() for d in shown)


def summary_line(diagnostics) -> str:
    counts = {sev: sum(1 for d in diagnostics if d.severity == sev) for sev in (ERROR, WARNING, INFO)}
    return "，".join(f"{SEVERITY_LABEL[sev]} {n} 个" for sev, n in counts.items())


def compact_counts(diagnostics) -> str:
    """`错误1 警告2 提示17`, omitting zeros; `无` when clean."""
    parts = [f"{SEVERITY_LABEL[sev]}{sum(1 for d in diagnostics if d.severity == sev)}" for sev in (ERROR, WARNING, INFO)
             if any(d.severity == sev for d in diagnostics)]
    return " ".join(parts) or "无"
