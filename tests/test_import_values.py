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


# -- the number format of a printed score ---------------------------------------------------------------

@pytest.mark.parametrize("code,decimals", [
    ("0.00", 2), ("#,##0.0", 1), ("0", 0), ("#,##0", 0), ("0.00%", 2), ("0.0%", 1), ("#,##0.00_ ", 2),
    ("#,##0.00_);[Red](#,##0.00)", 2), ("[Red]0.00", 2), ("[$-804]0.000", 3), ("0.0\"分\"", 1),
    ("\"得分：\"0.00", 2), ("\"0.000\"0", 0), ("0\\.0", 0), ("0.00;-0.000", 2), ("* #,##0.0", 1), ("0.00E+00", 2),
    ("General", None), ("[Red]General", None), ("@", None), ("\"得分\"", None), ("yyyy-mm-dd", None),
    ("h:mm:ss.00", None), ("[h]:mm", None), ("", None), (None, None), ("0." + "0" * 300, None),
])
def test_format_decimals(code, decimals):
    from scoring.importers.workbook import format_decimals

    assert format_decimals(code) == decimals


SCORED = [HEAD, ["预算执行率", None, None, 10, 100, 94, 9.4],
          ["产出指标", "数量指标", "甲", 50, "≥11台", "11台", 50],
          ["效益指标", "社会效益指标", "乙", 30, "提高", "提高", 30],
          ["满意度指标", "服务对象满意度指标", "丙", 10, "≥90%", "95%", 5],
          ["总分", None, None, 100, None, None, 94.4]]


def _formatted(tmp_path, rows, code, name="t.xlsx"):
    """A workbook whose 得分 cells (column G) hold the numbers of `rows` with the number format `code`."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "自评表"
    for row in rows:
        sheet.append(row)
    if code:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
            if isinstance(cell.value, (int, float)):
                cell.number_format = code
    path = tmp_path / name
    book.save(path)
    return path


def test_score_cells_formatted_two_decimals_print_two_decimals(tmp_path):
    """5, 9.4 and 10 shown as 5.00, 9.40, 10.00: the table rounds to two decimals, and its total prints as 94.40."""
    outcome = _run(_formatted(tmp_path, SCORED, "0.00"))
    assert outcome.submission.data["precision"] == 2
    assert outcome.result.precision == 2
    assert str(outcome.result.budget.score) == "9.40"
    assert str(outcome.result.total) == "94.40"
    assert outcome.submission.data["total"] == Decimal("94.4")


def test_score_cells_without_formats_print_what_they_hold(tmp_path):
    outcome = _run(_formatted(tmp_path, SCORED, None))
    assert outcome.submission.data["precision"] == 1
    assert str(outcome.result.total) == "94.4"


def test_formats_without_decimals_add_nothing(tmp_path):
    """A whole-number or General format does not hide the value's own decimals (9.4 still counts one)."""
    for code in ("0", "General", "@"):
        outcome = _run(_formatted(tmp_path, SCORED, code, name=f"{code.strip('@') or 'text'}.xlsx"))
        assert outcome.submission.data["precision"] == 1, code


def test_our_form_reads_budget_and_total_formats_only(tmp_path):
    """A row's 自评得分 in our form (with its 评价人判断理由 column) is the unit's self-score: its format does not
    set the precision; the printed budget score's does."""
    head = HEAD + ["评价人判断理由"]
    rows = [head, SCORED[1] + [None]] + [row + [None] for row in SCORED[2:5]]
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for r in range(3, 6):
        sheet.cell(r, 7).number_format = "0.000"
    book.save(tmp_path / "form.xlsx")
    assert _run(tmp_path / "form.xlsx").submission.data["precision"] == 1
    sheet.cell(2, 7).number_format = "0.00"
    book.save(tmp_path / "form.xlsx")
    assert _run(tmp_path / "form.xlsx").submission.data["precision"] == 2


# -- hostile or broken styles: no format known, bounded --------------------------------------------------

def _book_bytes(tmp_path, code="0.00"):
    return _formatted(tmp_path, SCORED, code).read_bytes()


def _swap(data: bytes, name: str, content: bytes | None) -> bytes:
    """The workbook with part `name` replaced by `content` (or removed)."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != name:
                z.writestr(info.filename, src.read(info.filename))
            elif content is not None:
                z.writestr(name, content)
    return out.getvalue()


def _styles(num_fmts: str, xfs: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><numFmts>{num_fmts}</numFmts><fonts count="1"><font/></fonts>'
            f'<fills count="1"><fill/></fills><borders count="1"><border/></borders>'
            f'<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs>{xfs}</cellXfs></styleSheet>'
            ).encode()


def _score_formats(data: bytes) -> dict:
    from scoring.importers.workbook import read_workbook

    return read_workbook(data).sheets[0].formats


def test_formats_are_read_from_the_styles_part(tmp_path):
    formats = _score_formats(_book_bytes(tmp_path))
    assert formats == {(r, 7): "0.00" for r in range(2, 7)}  # numbers only: the header 得分 has none


def test_missing_styles_part_means_no_formats(tmp_path):
    data = _swap(_book_bytes(tmp_path), "xl/styles.xml", None)
    assert _score_formats(data) == {}
    path = tmp_path / "nostyles.xlsx"
    path.write_bytes(data)
    assert _run(path).submission.data["precision"] == 1


@pytest.mark.parametrize("raw", [b"<styleSheet><numFmts", b"\xff\xfe not xml",
                                 b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "b">]><styleSheet/>',
                                 b'<?xml version="1.0" encoding="GBK"?><styleSheet/>'])
def test_broken_styles_part_means_no_formats(raw):
    """(calamine itself refuses a styles part that is not XML: the file is then I802, as before.)"""
    from scoring.importers.workbook import _decimal_styles

    assert _decimal_styles({"xl/styles.xml": raw}) == {}


def test_huge_numfmts_count_is_capped():
    import time

    from scoring.importers import workbook

    many = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="0.0"/>' for i in range(200_000))
    styles = _styles(many, '<xf numFmtId="0"/>' + f'<xf numFmtId="{164 + workbook.MAX_NUM_FORMATS}"/>'
                     '<xf numFmtId="165"/><xf numFmtId="2"/>')
    start = time.perf_counter()
    found = workbook._decimal_styles({"xl/styles.xml": styles})
    assert time.perf_counter() - start < 5
    assert found == {2: "0.0", 3: "0.00"}  # the numFmt past the cap is not known


def test_long_format_codes_are_unknown():
    from scoring.importers import workbook

    long_code = "0." + "0" * 100_000
    styles = _styles(f'<numFmt numFmtId="164" formatCode="{long_code}"/><numFmt numFmtId="165" formatCode="0.000"/>',
                     '<xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/>')
    assert workbook._decimal_styles({"xl/styles.xml": styles}) == {2: "0.000"}


def test_styles_part_over_the_element_cap_means_no_formats(monkeypatch):
    from scoring.importers import workbook

    styles = _styles("", '<xf numFmtId="2"/>' * 50)
    assert len(workbook._decimal_styles({"xl/styles.xml": styles})) == 50
    monkeypatch.setattr(workbook, "MAX_STYLE_ELEMENTS", 40)
    assert workbook._decimal_styles({"xl/styles.xml": styles}) == {}


def test_cell_styles_past_the_cap_are_unknown(monkeypatch):
    from scoring.importers import workbook

    monkeypatch.setattr(workbook, "MAX_CELL_STYLES", 3)
    styles = _styles("", '<xf numFmtId="2"/>' * 10)
    assert workbook._decimal_styles({"xl/styles.xml": styles}) == {0: "0.00", 1: "0.00", 2: "0.00"}


def test_formatted_cells_recorded_are_capped(tmp_path, monkeypatch):
    """However many numbers a sheet holds, the formats kept stay under the caps (per sheet and in all)."""
    from scoring.importers import workbook

    book = openpyxl.Workbook()
    for name in ("a", "b"):
        sheet = book.create_sheet(name)
        for r in range(1, 51):
            sheet.cell(r, 1, r + 0.5).number_format = "0.00"
    path = tmp_path / "many.xlsx"
    book.save(path)
    monkeypatch.setattr(workbook, "MAX_FORMATTED_CELLS", 30)
    sheets = {s.name: s for s in workbook.read_workbook(path.read_bytes()).sheets}
    assert len(sheets["a"].formats) == 30 and len(sheets["b"].formats) == 30
    monkeypatch.setattr(workbook, "MAX_FORMATTED_TOTAL", 40)
    sheets = {s.name: s for s in workbook.read_workbook(path.read_bytes()).sheets}
    assert len(sheets["a"].formats) + len(sheets["b"].formats) == 40
    assert len(sheets["a"].rows) == len(sheets["b"].rows) == 50  # the values are all read


def test_csv_has_no_formats(tmp_path):
    outcome = _run(_csv(tmp_path, SCORED))
    assert outcome.submission.data["precision"] == 1
