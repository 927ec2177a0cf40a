"""Checks over a whole set or a whole scored table: weights, totals, reasons, invisible characters.

Each check is a small function with a docstring, registered in order; each
reports through stable codes (see diagnostics.py).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from .diagnostics import About, Diagnostics
from .display import find_invisible, has_invisible, strip_invisible
from .engine import RowResult, ScoreResult
from .model import BUDGET_LABELS, IMPORTED_SCORE, IndicatorSet, Submission
from .numbers import ZERO, fmt_short, percent, quantize
from .paths import label
from .paths import where as locate
from .verdicts import Basis, Flag

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

BUDGET_SUBJECT = "预算执行率"
TOTAL_SUBJECT = "总分"


def _printed_weight(r: RowResult) -> Decimal | None:
    """The weight the table prints on a row (the set's fixed weight when the table prints none)."""
    return r.row.weight if r.row.weight is not None else r.weight


@_table_check
def table_weights_add_up(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """W401/W402: the weights the table prints add up to their goal block and the set's 一级/二级 weights, and
    everything to the total.  A weight that differs from a fixed one is W407's business, not counted twice."""
    rows = result.rows
    if not iset.scored or not rows:
        return
    printed = [_printed_weight(r) for r in rows]
    if any(w is None for w in printed):
        return  # weights not printed (W409 says so): nothing to add up
    doc = sub.doc

    def report(where, subject: str, parent: str | None, total: Decimal, expected: Decimal) -> None:
        about = About(subject, total, expected)
        if parent is None:
            diags.add("W402", where, about, total=fmt_short(total), expected=fmt_short(expected))
        else:
            diags.add("W401", where, about, parent=parent, total=fmt_short(total), expected=fmt_short(expected))

    # One pass: sums per goal block, per 一级 and per (一级, 二级), and where each group starts.
    goals: dict[int, Decimal] = {}
    level1s: dict[str, list] = {}
    level2s: dict[tuple, list] = {}
    for r, weight in zip(rows, printed):
        if r.basis != Basis.NOT_APPLICABLE:
            goals[r.row.goal] = goals.get(r.row.goal, ZERO) + weight
        for groups, key in ((level1s, r.level1), (level2s, (r.level1, r.level2))):
            group = groups.get(key)
            if group is None:
                groups[key] = [weight, r]
            else:
                group[0] += weight
    for index, goal in enumerate(sub.goals):
        if goal.weight is not None and goals.get(index, ZERO) != goal.weight:
            report(locate(doc, ("goals", index), "weight"), goal.name, goal.name, goals.get(index, ZERO), goal.weight)
    for level in iset.levels:
        mine = level1s.get(level.name)
        if level.weight is not None and mine and mine[0] != level.weight:
            report(locate(doc, mine[1].row.path), level.name, f"一级指标「{level.name}」", mine[0], level.weight)
        for child in level.children:
            theirs = level2s.get((level.name, child.name))
            if child.weight is not None and theirs and not child.indicators and theirs[0] != child.weight:
                report(locate(doc, theirs[1].row.path), child.name, f"二级指标「{child.name}」", theirs[0],
                       child.weight)
    budget = iset.budget.weight if iset.budget and iset.budget.weight is not None else ZERO
    total = budget + sum(printed, ZERO)
    if total != iset.total:
        report(locate(doc, ("indicators",) if sub.data.get("indicators") else ("goals",)), TOTAL_SUBJECT, None,
               total, iset.total)


@_table_check
def table_budget_weight(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """W410: the 分值 the table prints on its 预算执行率 row against the set's (a 20-point row, a 10-point set)."""
    printed = sub.budget.weight if sub.budget else None
    expected = iset.budget.weight if iset.budget else None
    if printed is not None and expected is not None and printed != expected:
        diags.add("W410", locate(sub.doc, ("budget",), "weight"), About(BUDGET_SUBJECT, printed, expected),
                  what="预算执行率", printed=fmt_short(printed), set_id=iset.id, expected=fmt_short(expected))


@_table_check
def table_printed_totals(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """G609/G610/G611: the printed 总分 and 预算执行得分 against the arithmetic."""
    if not iset.scored or result.total is None:
        return
    doc = sub.doc
    # Rows that could not be scored count 0 until fixed: a printed total within their weight may yet be right.
    pending = result.pending_weight
    if sub.total is not None and not _same(sub.total, result.total) \
            and not (pending and result.total <= sub.total <= result.total + pending):
        diags.add("G609", locate(doc, ("total",)), About(TOTAL_SUBJECT, sub.total, result.total),
                  given=fmt_short(sub.total), total=fmt_short(result.total))
    budget = result.budget
    printed_budget = sub.budget.score if sub.budget else None
    if printed_budget is not None and budget is not None and budget.raw is not None:
        if not _same(printed_budget, budget.raw):
            diags.add("G611", locate(doc, ("budget", "score")), About(BUDGET_SUBJECT, printed_budget, budget.score),
                      given=fmt_short(printed_budget), rule=fmt_short(budget.score))
    givens = [r.given for r in result.rows if r.basis != Basis.NOT_APPLICABLE]
    if sub.total is not None and givens and all(g is not None for g in givens):
        printed_sum = _sum(givens) + (printed_budget if printed_budget is not None else
                                      (budget.score if budget and budget.score is not None else ZERO))
        if printed_sum != sub.total:
            diags.add("G610", locate(doc, ("total",)), About(TOTAL_SUBJECT, sub.total, printed_sum),
                      sum=fmt_short(printed_sum), given=fmt_short(sub.total))


def _same(printed: Decimal, computed: Decimal) -> bool:
    places = max(0, -printed.as_tuple().exponent)
    return quantize(computed, places) == printed


@_table_check
def table_given_scores(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """G602/G603/G613/G614: the score the table gives a row against the rule's.

    Without a stated judgement the rule's score stands (G602).  With one, the given score stands, and raising it
    above the rule is a warning (G613; 自评不得刻意抬高分数), lowering it is information (G603).  Full marks on a
    target the rule finds not met is G614, whoever gave them."""
    for r in result.rows:
        given, weight = r.given, r.weight
        if given is None or given < 0 or weight is None or r.basis == Basis.NOT_APPLICABLE:
            continue
        unmet_full = given >= weight and r.rule_met is False
        if not unmet_full and Flag.GIVEN_DIFFERS not in r.flags:
            continue  # the usual row: nothing to say, and nothing located
        where = locate(sub.doc, r.row.path, "given_score")
        rule_score = None if r.from_given else r.rule_score  # a band score taken from the table is no rule score
        about = About(r.name, given, rule_score)
        if unmet_full:
            # Full marks on a target the rule finds not met, whether they stand or the rule's score replaces them.
            if rule_score is None:
                todo = "请由评价人按完成情况在相应档次内打分"
            elif rule_score < weight:
                todo = f"请按规则得分 {fmt_short(rule_score)} 自评"
            else:
                todo = "按完成比例四舍五入后才等于分值，请核对表中得分的小数位数"
            diags.add("G614", where, about, actual=r.actual, target=r.target, given=fmt_short(given), todo=todo)
            continue
        if Flag.GIVEN_DIFFERS not in r.flags:
            continue
        if r.basis != Basis.JUDGEMENT:
            diags.add("G602", where, about, given=fmt_short(given), rule=fmt_short(r.rule_score))
            continue
        diff = given - r.rule_score
        if diff > 0:
            diags.add("G613", where, about, given=fmt_short(given), rule=fmt_short(r.rule_score),
                      reason=r.row.evaluator_judgement)
        else:
            diags.add("G603", where, about, given=fmt_short(given), reason=r.row.evaluator_judgement,
                      rule=fmt_short(r.rule_score), diff=fmt_short(diff))


def _explained(r: RowResult, sub: Submission) -> bool:
    """A reason on the row, the evaluator's judgement, or the table's 偏差原因 box naming the indicator.

    The importer's placeholder judgement (the score printed in a sheet) is not a reason anyone wrote."""
    row = r.row
    judgement = (row.evaluator_judgement or "").strip()
    if judgement == IMPORTED_SCORE:
        judgement = ""
    if row.reason.strip() or judgement:
        return True
    return bool(row.name) and row.name in (sub.reason or "")


@_table_check
def table_deviation_reasons(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """D701/D702/D704/G612: points lost, a target far exceeded, a target not met, or a met target docked, with
    no reason written."""
    if not iset.deviation.reason_required:
        return
    doc = sub.doc

    def where(r: RowResult):  # located only when reported: most rows report nothing
        return locate(doc, r.row.path, "reason")

    for r in result.rows:
        if not iset.scored:
            if not r.met and not _explained(r, sub):
                diags.add("D704", where(r), About(r.name))
            continue
        if r.rule_reported or r.basis in (Basis.NONE, Basis.NOT_APPLICABLE) or r.weight is None:
            continue
        lost = r.score is not None and r.score < r.weight
        docked = r.met is True and r.given is not None and ZERO <= r.given < r.weight
        if not (lost or docked or r.over_ratio is not None):
            continue  # the usual row: nothing owed
        explained = _explained(r, sub)
        if docked and not explained:
            # A met target docked: the precise finding, rather than the general D701.
            diags.add("G612", where(r), About(r.name, r.given, r.rule_score if r.rule_score is not None
                                                 else r.weight), given=fmt_short(r.given), weight=fmt_short(r.weight))
            continue
        if lost and not explained:
            diags.add("D701", where(r), About(r.name, r.given, r.rule_score if r.rule_score is not None else r.score),
                      score=fmt_short(r.score), weight=fmt_short(r.weight))
            continue
        if not lost and r.over_ratio is not None and not explained:
            below = Flag.BELOW_CAP in r.flags
            threshold = iset.deviation.under_cap_ratio if below else iset.deviation.over_achievement_ratio
            fields = dict(ratio=fmt_short(quantize(r.over_ratio, 2)), threshold=fmt_short(threshold))
            if Flag.BELOW_CAP in r.flags:
                diags.add("D705", where(r), About(r.name), actual=r.actual, target=r.target, **fields)
            else:
                diags.add("D702", where(r), About(r.name), **fields)



@_table_check
def table_not_applicable_rows(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """V525: a row marked not applicable that reports an actual: is it applicable after all?"""
    for r in result.rows:
        if r.basis == Basis.NOT_APPLICABLE and r.actual_value is not None and r.actual_value.kind != "empty":
            diags.add("V525", locate(sub.doc, r.row.path, "actual"), About(r.name),
                      reason=r.row.not_applicable or "不适用", actual=r.actual)


@_table_check
def table_budget_reasons(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """D703: a budget execution rate below the threshold needs a reason."""
    doc = sub.doc
    low = iset.deviation.low_rate
    budget = result.budget
    if budget is not None and budget.rate is not None and low is not None and budget.rate < low:
        has_reason = bool((sub.budget.reason if sub.budget else "").strip() or sub.reason.strip())
        if iset.deviation.reason_required and not has_reason:
            diags.add("D703", locate(doc, ("budget",), "reason"),
                      About(BUDGET_SUBJECT, sub.budget.score if sub.budget else None, budget.score),
                      rate=budget.rate_text, threshold=percent(low, 0))


@_table_check
def table_budget_plausible(result: ScoreResult, sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> None:
    """V516/V517: executed above the budget (a warning; the rate is capped), or so far above it that a unit or a
    decimal point was likely mistyped (an error)."""
    budget = result.budget
    if budget is None or budget.rate is None or budget.rate <= 1:
        return
    fields = dict(executed=fmt_short(budget.executed), label=BUDGET_LABELS.get(budget.denominator, "预算数"),
                  planned=fmt_short(budget.planned), rate=budget.rate_text)
    where = locate(sub.doc, ("budget",), "executed")
    about = About(BUDGET_SUBJECT, sub.budget.score if sub.budget else None, budget.score)
    far = iset.deviation.implausible_rate
    diags.add("V517" if far is not None and budget.rate >= far else "V516", where, about, **fields)


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
