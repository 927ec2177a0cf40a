"""One layout per table family, as grids with spans computed here.

Each function turns a Report into the grid(s) of the published table of its
region: the central project table, 湖北 project and department tables, the 湖南
自评表 and 评分表, the 四川 target-completion table and the 山西 project table.
"""
from __future__ import annotations

from decimal import Decimal

from .grid import Grid, GridBuilder, head, label, long, number, text
from .view import MISSING, SEE_BOX, Report, RowView

CATEGORY_OPTIONS = {
    "项目类别": ["部门预算项目", "财政专项资金"],
    "项目属性": ["持续性项目", "新增性项目"],
    "项目类型": ["常年性项目", "延续性项目", "一次性项目"],
}
SICHUAN_SOURCES = ["一般公共预算", "政府性基金预算", "国有资本经营预算", "社会保险基金预算", "其他资金"]


def build_grids(report: Report) -> list[Grid]:
    return LAYOUTS[report.family](report)


# -- shared pieces ----------------------------------------------------------------------------

def spans(rows: list[RowView], key) -> list[int]:
    """Rowspan of each run of equal keys: [3, 0, 0, 1] means rows 1-2 are covered by row 0."""
    out = [0] * len(rows)
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or key(rows[i]) != key(rows[start]):
            out[start] = i - start
            start = i
    return out


def level_cells(rows: list[RowView], with_weights: bool = False) -> list[list]:
    """The 一级/二级 cells of each row (None where an earlier row's span covers them)."""
    l1 = spans(rows, lambda r: r.level1)
    l2 = spans(rows, lambda r: (r.level1, r.level2))
    out = []
    for i, row in enumerate(rows):
        cells = []
        if l1[i]:
            name = row.level1
            if with_weights:
                total = sum((r.weight for r in rows[i:i + l1[i]] if r.weight is not None), Decimal(0))
                name = f"{row.level1}（{_n(total)}分）"
            cells.append(label(name, rowspan=l1[i]))
        if l2[i]:
            cells.append(label(row.level2, rowspan=l2[i]))
        out.append(cells)
    return out


def _n(value) -> str:
    from ..numbers import fmt_short

    return fmt_short(value) if value is not None else ""


def remark(row: RowView) -> str:
    """偏差原因分析及改进措施: the unit's words, or 待补充.  Notes on its score (the rule's score, the evaluator's
    judgement) are review content: `jixiao score --explain`, `review` and the 计分说明 sheet, not this cell."""
    return row.remark


def checkboxes(chosen: str, options: list[str]) -> str:
    options = list(options) + ([chosen] if chosen and chosen not in options else [])
    return "  ".join(f"{i}. {name} {'☑' if name == chosen else '☐'}" for i, name in enumerate(options, 1))


def deviation_box(report: Report) -> str:
    """偏差原因分析 box: the computed summary, each deviation with its reason, then the unit's own words."""
    lines = [report.summary]
    for d in report.deviations:
        # Inside the box itself, 「见表中偏差原因分析」 would point at itself: the unit's words follow below.
        reason = "见下方单位说明" if d.reason == SEE_BOX else d.reason
        lines.append(f"· {d.sentence}。原因及措施：{'；'.join(x for x in (reason, d.measures) if x) or MISSING}")
    if report.reason:
        lines.append(f"单位说明：{report.reason}")
    return "\n".join(lines)


def _score_cell(text_value: str, value) -> object:
    return number(value, text_value, "0.00")


def money(shown: str) -> object:
    """An amount printed as `shown` (fmt_short of a Decimal, so exact) as a number cell for Excel."""
    return number(Decimal(shown), shown, "General") if shown else text("")


def _weight_cell(row: RowView) -> object:
    return number(row.weight, row.weight_text, "General")


# -- 中央部门项目支出绩效自评表 ----------------------------------------------------------------

def mof_project(r: Report) -> list[Grid]:
    g = GridBuilder(r.title, [8, 10, 12, 24, 14, 14, 7, 8, 30], caption=f"（{r.year}年度）" if r.year else "",
                    landscape=True)
    g.row(head("项目名称", 2), text(r.project, 7))
    g.row(head("主管部门", 2), text(r.department, 3), head("实施单位"), text(r.implementer, 3))
    b = r.budget
    if b is not None:
        g.row(head("项目资金（万元）", 2, rowspan=2 + len(b.sources)), head(""), head("年初预算数"), head("全年预算数"),
              head("全年执行数"), head("分值"), head("执行率"), head("得分"))
        g.row(label(b.label), money(b.initial), money(b.annual), money(b.executed), money(b.weight_text),
              number(b.rate, b.rate_text, "0.00%"), _score_cell(b.score_text, b.score))
        for s in b.sources:
            g.row(label(s.name), money(s.initial), money(s.annual), money(s.executed), text("—"), text(""), text(""))
    goals = [x for x in r.goals if x.target or x.actual] or r.goals[:1]
    g.row(head("年度总体目标", 2, rowspan=1 + len(goals)), head("预期目标", 4), head("实际完成情况", 3))
    for goal in goals:
        g.row(long(goal.target, 4), long(goal.actual, 3))
    g.row(head("绩效指标", rowspan=1 + len(r.rows)), head("一级指标"), head("二级指标"), head("三级指标"),
          head("年度指标值"), head("实际完成值"), head("分值"), head("得分"), head("偏差原因分析及改进措施"))
    g.mark_header()
    for row, levels in zip(r.rows, level_cells(r.rows)):
        g.row(*levels, text(row.name), text(row.adjusted_target or row.target), text(row.actual),
              _weight_cell(row), _score_cell(row.score_text, row.score), long(remark(row)))
    g.row(head("总分", 6), money(r.total_weight_text), _score_cell(r.total_text, r.total), text(f"等级：{r.grade}"))
    g.row(head("偏差原因分析", 2), long(deviation_box(r), 7))
    g.row(head("改进措施", 2), long(r.measures or MISSING, 7))
    return [g.done()]


# -- 湖北 ------------------------------------------------------------------------------------------

def _hubei_budget(g: GridBuilder, r: Report) -> None:
    b = r.budget
    if b is None:
        return
    weight = b.weight_text or "20"
    g.row(head(f"预算执行情况（万元）（{weight}分）", 2, rowspan=2), head(""), head("预算数（A）"), head("执行数（B）"),
          head("执行率（B/A）"), head(f"得分（{weight}分*执行率）"))
    g.row(label(b.label), money(b.planned), money(b.executed), number(b.rate, b.rate_text, "0.0%"),
          _score_cell(b.score_text, b.score))


def _hubei_indicators(g: GridBuilder, section: str, rows: list[RowView], repeat: bool) -> None:
    g.row(head(section, rowspan=1 + len(rows)), head("一级指标"), head("二级指标"), head("三级指标"),
          head("年初目标值（A）"), head("实际完成值（B）"), head("得分"))
    if repeat:
        g.mark_header()
    for row, levels in zip(rows, level_cells(rows, with_weights=True)):
        g.row(*levels, text(row.name), text(row.target), text(row.actual), _score_cell(row.score_text, row.score))


def _hubei_boxes(g: GridBuilder, r: Report) -> None:
    g.row(head("总分", 6), _score_cell(r.total_text, r.total))
    g.row(head("偏差大或目标未完成原因分析", 2), long(deviation_box(r), 5))
    g.row(head("改进措施及结果应用方案", 2), long(r.measures or MISSING, 5))


def _unit_line(r: Report) -> str:
    return f"单位名称：{r.unit}" + (f"　　填报日期：{r.date}" if r.date else "")


def hubei_project(r: Report) -> list[Grid]:
    g = GridBuilder(f"{r.year}年度{r.title}" if r.year else r.title, [10, 10, 12, 26, 14, 14, 9],
                    caption=_unit_line(r))
    g.row(head("项目名称", 2), text(r.project, 5))
    g.row(head("主管部门", 2), text(r.department, 2), head("项目实施单位"), text(r.implementer, 2))
    for key, options in CATEGORY_OPTIONS.items():
        if key in r.categories:
            g.row(head(key, 2), text(checkboxes(r.categories[key], options), 5))
    _hubei_budget(g, r)
    weight = sum((row.weight for row in r.rows if row.weight is not None), Decimal(0))
    _hubei_indicators(g, f"年度绩效目标（{_n(weight)}分）", r.rows, repeat=True)
    _hubei_boxes(g, r)
    return [g.done()]


def hubei_department(r: Report) -> list[Grid]:
    g = GridBuilder(f"{r.year}年度{r.unit}整体绩效自评表" if r.year else r.title, [10, 10, 12, 26, 14, 14, 9],
                    caption=f"填报日期：{r.date}" if r.date else "")
    g.row(head("单位名称", 2), text(r.unit, 5))
    if r.basic_spending or r.project_spending:
        g.row(head("基本支出总额（万元）", 2), text(r.basic_spending, 2), head("项目支出总额（万元）"),
              text(r.project_spending, 2))
    _hubei_budget(g, r)
    first = True
    for goal in r.goals:
        if not goal.rows:
            continue
        weight = f"（{goal.weight_text}分）" if goal.weight_text else ""
        g.row(head(f"{goal.name}{weight}", 2), long(goal.target, 5))
        _hubei_indicators(g, "年度绩效指标", goal.rows, repeat=first)
        first = False
    _hubei_boxes(g, r)
    return [g.done()]


# -- 湖南 ------------------------------------------------------------------------------------------

def hunan_scorecard(r: Report) -> list[Grid]:
    summary = GridBuilder(r.title, [16, 16, 30, 30, 16], caption=f"（{r.year}年度）" if r.year else "")
    summary.row(head("部门（单位）名称"), text(r.unit, 4))
    goals = [x for x in r.goals if x.target or x.actual]
    if goals:
        summary.row(head("整体支出绩效定性目标及实施计划完成情况", rowspan=1 + len(goals)), head("预期目标", 2),
                    head("实际完成", 2))
        for goal in goals:
            summary.row(long(goal.target, 2), long(goal.actual, 2))
    quantitative = r.narrative.get("整体支出绩效定量目标及实施计划完成情况")
    if quantitative:
        summary.row(head("整体支出绩效定量目标及实施计划完成情况"), long(quantitative, 4))
    summary.row(head("绩效自评综合得分"), text(f"{r.total_text}分", 4))
    summary.row(head("评价等次"), text(r.grade, 4))
    summary.row(head("评价人员", 5))
    summary.row(head("姓  名"), head("职务/职称"), head("单  位", 2), head("签  字"))
    for person in r.evaluators or [{}]:
        summary.row(text(person.get("name", "")), text(person.get("title", "")), text(person.get("org", ""), 2),
                    text(""))
    for title, signer in (("评价组组长（签字）：", ""), ("部门（单位）意见：", "部门（单位）负责人（签章）："),
                          ("财政部门归口业务科室意见：", "财政部门归口业务科室负责人（签章）：")):
        summary.row(long(f"{title}\n\n{signer}\n年    月    日", 5))

    card = GridBuilder("部门整体支出绩效评价评分表", [8, 10, 16, 46, 6, 8, 20], landscape=True)
    card.row(head("一级指标"), head("二级指标"), head("三级指标"), head("评分标准"), head("分值"), head("自评得分"),
             head("扣分原因和其他说明"))
    card.mark_header()
    for row, levels in zip(r.rows, level_cells(r.rows, with_weights=True)):
        # 自评得分 is the unit's own score as it wrote it (5 on a 3-point row stays 5: the check stage reports it).
        own = (row.given_text, Decimal(row.given_text)) if row.given_text else (row.score_text, row.score)
        card.row(*levels, text(row.name), long(row.standard), _weight_cell(row), _score_cell(*own), long(remark(row)))
    card.row(head("总  分", 4), money(r.total_weight_text), _score_cell(r.total_text, r.total), text(""))
    return [summary.done(), card.done()]


# -- 四川 ------------------------------------------------------------------------------------------

def sichuan_project(r: Report) -> list[Grid]:
    g = GridBuilder(r.title, [12, 10, 12, 26, 18, 18, 22], caption=f"（{r.year}年度）" if r.year else "")
    g.row(head("项目支出名称", 2), text(r.project, 5))
    g.row(head("预算单位", 2), text(r.unit, 5))
    b = r.budget
    if b is not None:
        by_name = {s.name: s for s in b.sources}
        names = SICHUAN_SOURCES + [n for n in by_name if n not in SICHUAN_SOURCES]
        g.row(head("预算执行情况", rowspan=1 + len(names)), head("全年预算数（万元）", 2), money(b.planned or b.annual),
              head("全年执行数（万元）", 2), money(b.executed))
        for i, name in enumerate(names):
            s = by_name.get(name)
            shown = f"{'其中：' if i == 0 else '　　　'}{name}"
            g.row(label(shown, 2), money(s.annual if s else ""), label(shown, 2), money(s.executed if s else ""))
    goals = [x for x in r.goals if x.target or x.actual] or r.goals[:1]
    g.row(head("目标完成情况", rowspan=1 + len(goals)), head("全年预期目标", 3), head("全年实际完成目标", 3))
    for goal in goals:
        g.row(long(goal.target, 3), long(goal.actual, 3))
    g.row(head("年度绩效指标完成情况", rowspan=1 + len(r.rows)), head("一级指标"), head("二级指标"), head("三级指标"),
          head("全年预期指标值（包含数字及文字描述）"), head("全年实际完成指标值（包含数字及文字描述）"),
          head("未完成原因及改进措施"))
    g.mark_header()
    for row, levels in zip(r.rows, level_cells(r.rows)):
        note = "" if row.status == "完成" else f"【未完成】{row.remark or MISSING}"
        g.row(*levels, text(row.name), text(row.target), text(row.actual), long(note))
    g.row(head("自评结论", 2), long(deviation_box(r), 5))
    return [g.done()]


# -- 山西 ------------------------------------------------------------------------------------------

def shanxi_project(r: Report) -> list[Grid]:
    g = GridBuilder(r.title, [10, 10, 18, 11, 11, 11, 9, 8, 8, 24], caption=f"({r.year}年度)" if r.year else "",
                    landscape=True)
    g.row(head("项目名称", 2), text(r.project, 8))
    code = f"{r.department_code}-{r.department}" if r.department_code else r.department
    g.row(head("主管部门及代码", 2), text(code, 3), head("预算单位"), text(r.implementer or r.unit, 4))
    b = r.budget
    if b is not None:
        g.row(head("项目资金预算安排及执行进度(万元)", 2, rowspan=2), head("年初预算数", 2), head("全年预算数", rowspan=2),
              head("全年执行数", rowspan=2), head("资金结(转)余", rowspan=2), head("执行率", rowspan=2),
              head("得分", rowspan=2), head("偏差原因分析及改进措施", rowspan=2))
        g.row(head("目标申报数"), head("预算编制数"))
        rate = b.rate_text.rstrip("%")
        budget_note = "；".join(x for x in (b.reason, b.measures) if x) or (MISSING if any(
            d.subject == "预算执行率" for d in r.deviations) else "")
        g.row(label("资金总额:", 2), money(b.initial), money(b.initial), money(b.annual), money(b.executed), money(b.balance),
              number(b.rate, rate, "0.00%"), _score_cell(b.score_text, b.score), long(budget_note))
        for s in b.sources:
            g.row(label(s.name, 2), money(s.initial), money(s.initial), money(s.annual), money(s.executed), money(s.balance),
                  text(""), text(""), text(""))
    goals = [x for x in r.goals if x.target or x.actual] or r.goals[:1]
    g.row(head("项目年度绩效目标", rowspan=1 + len(goals)), head("年度目标", 5), head("实际完成情况", 4))
    for goal in goals:
        g.row(long(goal.target, 5), long(goal.actual, 4))
    g.row(head("一级指标"), head("二级指标"), head("三级指标"), head("年初指标值"), head("调整后指标值"), head("实际完成值"),
          head("分值"), head("得分"), head("偏差原因分析及改进措施", 2))
    g.mark_header()
    for row, levels in zip(r.rows, level_cells(r.rows)):
        g.row(*levels, text(row.name), text(row.target), text(row.adjusted_target or row.target), text(row.actual),
              _weight_cell(row), _score_cell(row.score_text, row.score), long(remark(row), 2))
    g.row(head("总分", 6), money(r.total_weight_text), _score_cell(r.total_text, r.total), text(r.grade, 2))
    narrative = list(r.narrative.items())
    if narrative:
        for i, (key, value) in enumerate(narrative):
            first = [head("项目绩效分析", rowspan=len(narrative))] if i == 0 else []
            g.row(*first, head(key, 2), long(value, 7))
    g.row(head("偏差分析", 3), long(deviation_box(r), 7))
    return [g.done()]


LAYOUTS = {
    "mof-project": mof_project,
    "hubei-project": hubei_project,
    "hubei-department": hubei_department,
    "hunan-department-scorecard": hunan_scorecard,
    "sichuan-project": sichuan_project,
    "shanxi-project": shanxi_project,
}
