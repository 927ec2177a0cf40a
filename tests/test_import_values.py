"""Imported tables: the precision the table prints, rows with figures but no name, the budget row's 分值."""
import csv
from decimal import Decimal

import openpyxl
import pytest

from scoring.pipeline import Pipeline

HEAD = ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "得分"]
BUDGET = ["预算执行率", None, None, 10, 100, 100, 10]
ROWS = [["产出指标", "数量指标", "甲", 50, "≥11台", "7台", 31.82],   # 7/11×50 = 31.818…
        ["效益指标", "社会效益指标", "乙", 30, "提高", "提高", 30],
        ["满意度指标", "服务对象满意度指标", "丙", 10, "≥90%", "95%", 10]]


def _xlsx(tmp_path, rows, title="自评表"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    path = tmp_path / "t.xlsx"
    book.save(path)
    return path


def _csv(tmp_path, rows):
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["" if v is None else v for v in row] for row in rows])
    return path


@pytest.fixture(params=["xlsx", "csv"])
def table(request, tmp_path):
    """Writes rows as a workbook or as a CSV file; the same reader reads both."""
    return lambda rows: (_xlsx if request.param == "xlsx" else _csv)(tmp_path, rows)


def _run(path):
    outcome = Pipeline().run(path)
    assert outcome.submission is not None, [d.format() for d in outcome.diagnostics]
    return outcome


def _r312(outcome):
    return [d for d in outcome.diagnostics if d.code == "R312"]


# -- precision -------------------------------------------------------------------------------------

def test_precision_is_the_most_precise_printed_score(table):
    """A budget score printed 10 beside a row's 31.82: two decimals, not whole numbers."""
    outcome = _run(table([HEAD, BUDGET] + ROWS))
    assert outcome.submission.data["precision"] == 2
    assert outcome.result.precision == 2
    assert str(outcome.result.total) == "81.82"  # 10 + 31.82 + 30 + 10, not 82
    assert not _r312(outcome)


def test_precision_from_a_row_beyond_the_budget_score(table):
    rows = [HEAD, ["预算执行率", None, None, 10, 100, 90, 9.5]] + [ROWS[0][:6] + [31.818]] + ROWS[1:]
    assert _run(table(rows)).submission.data["precision"] == 3


def test_precision_is_capped_at_four(table):
    rows = [HEAD, BUDGET, ROWS[0][:6] + [31.818182]] + ROWS[1:]
    assert _run(table(rows)).submission.data["precision"] == 4


def test_whole_scores_print_no_decimals(table):
    rows = [HEAD, BUDGET, ROWS[0][:6] + [32]] + ROWS[1:]
    outcome = _run(table(rows))
    assert outcome.submission.data["precision"] == 0
    assert str(outcome.result.total) == "82"


def test_no_printed_score_leaves_the_sets_precision(table):
    rows = [HEAD[:6]] + [row[:6] for row in ROWS]
    outcome = _run(table(rows))
    assert "precision" not in outcome.submission.data
    assert outcome.result.precision == 2  # the set's


def test_printed_total_counts_and_ends_the_indicators(table):
    """总分 82.5 printed under whole row scores: one decimal; the boxes below the total are no indicators."""
    rows = [HEAD, BUDGET, ROWS[0][:6] + [32]] + ROWS[1:] + [
        ["总分", None, None, 100, None, None, 82.5],
        ["偏差分析", None, None, None, "预算执行良好，数量指标未完成", None, None]]
    outcome = _run(table(rows))
    assert outcome.submission.data["precision"] == 1
    assert [r.name for r in outcome.result.rows] == ["甲", "乙", "丙"]
    assert outcome.submission.data["total"] == Decimal("82.5")  # kept, and checked against the arithmetic
    g609 = [d for d in outcome.diagnostics if d.code == "G609"]
    assert len(g609) == 1 and g609[0].about.given == Decimal("82.5") and (g609[0].line, g609[0].col) == (6, 7)
    assert not _r312(outcome)


# -- a row with figures but no 三级指标 name -----------------------------------------------------------

def test_weighted_row_without_a_name_is_reported_at_its_name_cell(tmp_path):
    rows = [HEAD, BUDGET, ROWS[0], ["产出指标", "质量指标", None, 5, "≥95%", "96%", 5]] + ROWS[1:]
    outcome = _run(_xlsx(tmp_path, rows))
    [d] = _r312(outcome)
    assert (d.sheet, d.cell, d.severity) == ("自评表", "C4", "error")
    assert d.message == "有分值 5 但没有三级指标名称的一行"
    assert d.hint == "请在该行的「三级指标」单元格（C4）填写指标名称；不需要的行请整行删除。"
    assert d.format().splitlines()[0].startswith(f"{tmp_path / 't.xlsx'}:表「自评表」C4: 错误 R312")
    assert [r.name for r in outcome.result.rows] == ["甲", "乙", "丙"]  # not scored: it has no name


def test_weighted_row_without_a_name_in_csv_names_line_and_column(tmp_path):
    rows = [HEAD, BUDGET, ROWS[0], ["产出指标", "质量指标", "", 5, "≥95%", "96%", 5]] + ROWS[1:]
    outcome = _run(_csv(tmp_path, rows))
    [d] = _r312(outcome)
    assert (d.line, d.col, d.sheet) == (4, 3, None)
    assert "（C4）" in d.hint


def test_row_with_a_score_but_no_weight_or_name(table):
    rows = [HEAD, BUDGET] + ROWS + [[None, None, None, None, None, "96%", 3]]
    [d] = _r312(_run(table(rows)))
    assert d.message == "有分值 （未填） 但没有三级指标名称的一行"
    assert (d.line, d.col) == (6, 3)


def test_empty_slots_and_blank_lines_are_no_rows(table):
    """A form's unused slot keeps its 一级/二级 names and nothing else: skipped, silently."""
    rows = [HEAD, BUDGET, ROWS[0], ["产出指标", "质量指标", None, None, None, None, None],
            [None] * 7] + ROWS[1:]
    outcome = _run(table(rows))
    assert not _r312(outcome)
    assert [r.name for r in outcome.result.rows] == ["甲", "乙", "丙"]


# -- the budget row's 分值 ------------------------------------------------------------------------------

def test_budget_weight_is_recorded_with_its_cell(table):
    outcome = _run(table([HEAD, BUDGET] + ROWS))
    assert outcome.submission.data["budget"]["weight"] == Decimal(10)
    assert outcome.submission.budget.weight == Decimal(10)
    assert outcome.submission.doc.positions[("budget", "weight")] == (2, 4)


def test_budget_row_without_weight_records_none(table):
    rows = [HEAD, ["预算执行率", None, None, None, 100, 100, 10]] + ROWS
    outcome = _run(table(rows))
    assert "weight" not in outcome.submission.data["budget"]
    assert outcome.submission.budget.weight is None
