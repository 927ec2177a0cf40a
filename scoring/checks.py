"""Checks over a whole set or a whole scored table: weights, totals, reasons, invisible characters.

Each check is a small function with a docstring, registered in order; each
reports through stable codes (see diagnostics.py).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from .diagnostics import Diagnostics
from .display import find_invisible, has_invisible, strip_invisible
from .engine import ScoreResult
from .model import IndicatorSet, Submission
from .numbers import ZERO, fmt_short, percent, quantize
from .paths import label, where as locate

SetCheck = Callable[[IndicatorSet, Diagnostics], None]
TableCheck = Callable[[ScoreResult, Submission, IndicatorSet, Diagnostics], None]

SET_CHECKS: list[SetCheck] = []
TABLE_CHECKS: list[TableCheck] = []


def _set_check(fn: SetCheck) -> SetCheck:
    SET_CHECKS.append(fn)
    return fn


def _table_check(fn: TableCheck) -> TableCheck:
    TABLE_CHECKS.append(fn)
    return fn


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


# -- indicator sets ----------------------------------------------------------------------

@_set_check
def set_weights_add_up(iset: IndicatorSet, diags: Diagnostics) -> None:
    """W401/W402: 二级 weights add up to their 一级, fixed indicators to their 二级, all to the total."""
    for level in iset.levels:
        weights = [c.weight for c in level.children]
        if level.weight is not None and weights and all(w is not None for w in weights):
            if _sum(weights) != level.weight:
                diags.add("W401", level.where, parent=f"一级指标「{level.name}」", total=fmt_short(_sum(weights)),
                          expected=fmt_short(level.weight))
        for child in level.children:
            fixed = [i.weight for i in child.indicators]
            if child.weight is not None and fixed and all(w is not None for w in fixed):
                if _sum(fixed) != child.weight:
                    diags.add("W401", child.where, parent=f"二级指标「{child.name}」", total=fmt_short(_sum(fixed)),
                              expected=fmt_short(child.weight))
    if iset.scored and iset.levels and all(level.weight is not None for level in iset.levels):
        budget = iset.budget.weight if iset.budget and iset.budget.weight is not None else ZERO
        total = budget + _sum(level.weight for level in iset.levels)
        if total != iset.total:
            diags.add("W402", iset.where, total=fmt_short(total), expected=fmt_short(iset.total))


@_set_check
def set_rules_are_sound(iset: IndicatorSet, diags: Diagnostics) -> None:
    """W403–W406, F00x: each rule's own static checks (tier gaps and overlaps, checklist sums)."""
    for level in iset.levels:
        for child in level.children:
            if child.rule is not None and child.rule.rule is not None:
                child.rule.rule.lint(None, diags, child.rule.where)
            for indicator in child.indicators:
                if indicator.rule is not None and indicator.rule.rule is not None:
                    indicator.rule.rule.lint(indicator.weight, diags, indicator.rule.where)


@_set_check
def set_grades_descend(iset: IndicatorSet, diags: Diagnostics) -> None:
    """W408: grade thresholds are distinct."""
    mins = [g.min for g in iset.grades]
    if len(set(mins)) != len(mins):
        diags.add("W408", iset.where, detail="、".join(f"{g.label}≥{fmt_short(g.min)}" for g in iset.grades))


def lint_set(iset: IndicatorSet, diags: Diagnostics) -> None:
    for check in SET_CHECKS:
        check(iset, diags)


# -- scored tables ------------------------------------------------------------------------------

@_table_check
def table_weights_add_up(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """W401/W402: rows add up to their goal block and fixed 一级/二级 weights; everything to the total."""
    if not iset.scored:
        return
    doc = sub.doc
    rows = result.rows
    if any(r.weight is None for r in rows):
        return  # weights not printed (W409 says so): nothing to add up
    for index, goal in enumerate(result.goals):
        if goal.weight is not None and index < len(sub.goals):
            if goal.row_weight != goal.weight:
                diags.add("W401", locate(doc, ("goals", index), "weight"), parent=goal.name,
                          total=fmt_short(goal.row_weight), expected=fmt_short(goal.weight))
    for level in iset.levels:
        mine = [r for r in rows if r.level1 == level.name]
        if level.weight is not None and mine:
            total = _sum(r.weight for r in mine)
            if total != level.weight:
                diags.add("W401", locate(doc, mine[0].row.path), parent=f"一级指标「{level.name}」",
                          total=fmt_short(total), expected=fmt_short(level.weight))
        for child in level.children:
            theirs = [r for r in mine if r.level2 == child.name]
            if child.weight is not None and theirs and not child.indicators:
                total = _sum(r.weight for r in theirs)
                if total != child.weight:
                    diags.add("W401", locate(doc, theirs[0].row.path), parent=f"二级指标「{child.name}」",
                              total=fmt_short(total), expected=fmt_short(child.weight))
    budget = iset.budget.weight if iset.budget and iset.budget.weight is not None else ZERO
    total = budget + _sum(r.weight for r in rows)
    if rows and total != iset.total:
        diags.add("W402", locate(doc, ("indicators",) if sub.data.get("indicators") else ("goals",)),
                  total=fmt_short(total), expected=fmt_short(iset.total))


@_table_check
def table_printed_totals(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """G609/G610/G611: the printed 总分 and 预算执行得分 against the arithmetic."""
    if not iset.scored or result.total is None:
        return
    doc = sub.doc
    if sub.total is not None and not _same(sub.total, result.total):
        diags.add("G609", locate(doc, ("total",)), given=fmt_short(sub.total), total=fmt_short(result.total))
    budget = result.budget
    printed_budget = sub.budget.score if sub.budget else None
    if printed_budget is not None and budget is not None and budget.raw is not None:
        if not _same(printed_budget, budget.raw):
            diags.add("G611", locate(doc, ("budget", "score")), given=fmt_short(printed_budget),
                      rule=fmt_short(budget.score))
    givens = [r.given for r in result.rows if r.basis != "not_applicable"]
    if sub.total is not None and givens and all(g is not None for g in givens):
        printed_sum = _sum(givens) + (printed_budget if printed_budget is not None else
                                      (budget.score if budget and budget.score is not None else ZERO))
        if printed_sum != sub.total:
            diags.add("G610", locate(doc, ("total",)), sum=fmt_short(printed_sum), given=fmt_short(sub.total))


def _same(printed: Decimal, computed: Decimal) -> bool:
    places = max(0, -printed.as_tuple().exponent)
    return quantize(computed, places) == printed


@_table_check
def table_reasons(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """D703: a budget execution rate below the threshold needs a reason."""
    doc = sub.doc
    low = iset.deviation.low_rate
    budget = result.budget
    if budget is not None and budget.rate is not None and low is not None and budget.rate < low:
        has_reason = bool((sub.budget.reason if sub.budget else "").strip() or sub.reason.strip())
        if iset.deviation.reason_required and not has_reason:
            diags.add("D703", locate(doc, ("budget",), "reason"), rate=percent(budget.rate),
                      threshold=percent(low, 0))


@_table_check
def table_invisible_text(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """V511: a text (or a free-form key) with control, bidi or zero-width characters; the attachments drop them.

    One joined search over every text of the table first: the usual table has none, and batches run this for
    thousands of files."""
    data = sub.data
    if not has_invisible(" ".join(sub.doc.leaves()[0])):
        return
    for path, text, is_key in _texts(data, ()):
        names = find_invisible(text)
        if names:
            shown = "、".join(names[:_MAX_NAMED]) + (f"等 {len(names)} 种" if len(names) > _MAX_NAMED else "")
            diags.add("V511", locate(sub.doc, path, key=is_key), field=_field_label(data, path, is_key), chars=shown)


_MAX_NAMED = 5  # characters named in one V511; the rest counted


def _texts(node, path: tuple):
    """(path, text, is_key) for every string of the data and every string key of a mapping."""
    if isinstance(node, str):
        yield path, node, False
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                yield path + (key,), key, True
            yield from _texts(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, path + (index,))


def _field_label(data, path: tuple, is_key: bool) -> str:
    """How V511 names a field: 「单位名称」, 「指标「办公设备购置数量」的偏差原因分析」, 「预算执行情况的资金来源「…」的名称」.

    Names inside the label are shown without their invisible characters; V511 lists those itself."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(path):
        step = path[i]
        child = node.get(step) if isinstance(node, dict) else None
        if is_key and i == len(path) - 1:
            parts.append(f"{'标题' if path[:1] == ('narrative',) else '名称'}「{strip_invisible(str(step))}」")
            break
        if isinstance(child, list) and i + 1 < len(path) and isinstance(path[i + 1], int):
            index = path[i + 1]
            item = child[index] if 0 <= index < len(child) else None
            if step == "indicators":
                parts = []  # an indicator's name says enough; the goal block it sits in is left out
            parts.append(_item_label(step, item, index))
            node = item
            i += 2
            continue
        parts.append(label(strip_invisible(step) if isinstance(step, str) else step))
        node = child
        i += 1
    return "的".join(parts)


def _item_label(container: str, item, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    name = strip_invisible(name).strip() if isinstance(name, str) else ""
    if container == "indicators":
        return f"指标「{name}」" if name else f"第{index + 1}个指标"
    if container == "goals":
        return f"年度目标「{name}」" if name else f"年度目标{index + 1}"
    return f"{label(container)}「{name}」" if name else f"{label(container)}第{index + 1}项"


def check_table(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    for check in TABLE_CHECKS:
        check(result, sub, iset, diags)
