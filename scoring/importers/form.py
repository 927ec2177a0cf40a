"""The fill-in workbook (填报表) for an indicator set: `form_bytes(iset)`.

A unit fills the white cells, then runs `jixiao score` / `jixiao import` on the
file.  The layout below is a contract with the reader (which finds things by
the label texts), so the labels, their rows and their order must not change:

* sheet 1 「填写说明」: how to fill the form;
* sheet 2 「自评表」:
  - A1 title, merged A1:L1;
  - rows 3–12 label (A, locked) / value (B, merged B:L): 指标体系编号 (locked,
    pre-filled), 单位名称, 项目名称, 主管部门, 主管部门代码, 实施单位, 年度,
    填报日期, 年度总体目标, 实际完成情况;
  - row 14 「预算执行情况（万元）」, rows 15–19 年初预算数, 全年预算数,
    调整后预算数, 全年执行数 (B, numbers ≥ 0), 执行率偏差原因 (B merged B:L);
  - row 21 the indicator table header (A..L, `TABLE_HEADS`);
  - rows 22… one row per fixed indicator (A–D locked) and free slots for each
    二级指标 that allows the unit's own indicators;
  - one empty row, then the footer note merged A:L.

Only plain values are written, never formulas; names from the set pass
through `safe_text`, so nothing in the set is evaluated by a spreadsheet.
The sheet is protected without a password: locked (grey) cells cannot be
changed, white cells can.
"""
from __future__ import annotations

import math
import unicodedata
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins

from ..model import IndicatorSet
from ..render.xlsx import FONT_NAME, safe_text
from ..render.zipfix import workbook_bytes
from ..rules.qualitative import DEFAULT_BANDS

GUIDE_SHEET = "填写说明"
FORM_SHEET = "自评表"
NCOLS = 12
LAST_COL = get_column_letter(NCOLS)  # "L"

SET_ID_LABEL = "指标体系编号"
INFO_LABELS = [SET_ID_LABEL, "单位名称", "项目名称", "主管部门", "主管部门代码", "实施单位", "年度", "填报日期",
               "年度总体目标", "实际完成情况"]
INFO_FIRST_ROW = 3  # 指标体系编号 is on row 3, 实际完成情况 on row 12
BUDGET_HEAD = "预算执行情况（万元）"
BUDGET_HEAD_ROW = 14
BUDGET_LABELS = ["年初预算数", "全年预算数", "调整后预算数", "全年执行数", "执行率偏差原因"]
BUDGET_FIRST_ROW = 15  # 年初预算数 on row 15 … 执行率偏差原因 on row 19
BUDGET_NUMBER_ROWS = range(15, 19)  # B15:B18 take numbers
NO_BUDGET_NOTE = "本指标体系不单独计算预算执行率得分"
TABLE_HEADS = ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "调整后指标值", "实际完成值", "自评得分",
               "评价人判断理由", "定性评价档次", "偏差原因分析", "改进措施"]
HEADER_ROW = 21
FIRST_ROW = 22
FOOTER = "填表说明：灰色单元格不可修改；未使用的空行可保留为空。"
DEFAULT_SLOTS = 3
WIDTHS = {"A": 12, "B": 16, "C": 30, "D": 8, "E": 16, "F": 16, "G": 16, "H": 10, "I": 24, "J": 18, "K": 30,
          "L": 24}
TEXT_COLUMNS = (5, 6, 7)  # E, F, G: typed text stays as typed (「0102」「≥11台」)
AMOUNT_FORMAT = "0.00####"
BUDGET_ERROR = "请输入不小于 0 的数字（万元）"
LIST_LIMIT = 255  # Excel's limit for an inline list of a data validation

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name=FONT_NAME, size=10)
_BOLD = Font(name=FONT_NAME, size=10, bold=True)
_TITLE = Font(name=FONT_NAME, size=14, bold=True)
_NOTE = Font(name=FONT_NAME, size=10, italic=True, color="595959")
_GREY = PatternFill("solid", fgColor="D9D9D9")
_WHITE = PatternFill("solid", fgColor="FFFFFF")
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
LINE_HEIGHT, MAX_HEIGHT = 15, 409
GUIDE_WIDTH = 72  # characters; fits A4 portrait


def form_bytes(iset: IndicatorSet) -> bytes:
    """The fill-in workbook for `iset`, as the bytes of an .xlsx file."""
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    _guide_sheet(guide, iset)
    _form_sheet(wb.create_sheet(FORM_SHEET), iset)
    return workbook_bytes(wb)


# -- helpers ---------------------------------------------------------------------------

def _text(value) -> str:
    """A value from the set as cell text: Decimals without exponent, no illegal characters, never a formula."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        shown = format(value, "f")
    else:
        shown = str(value)
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("", shown))


def _put_text(ws, row: int, col: int, value) -> object:
    cell = ws.cell(row=row, column=col)
    shown = _text(value)
    if shown:
        cell.value = shown
        cell.data_type = "s"
    return cell


def _style(cell, *, locked: bool, font: Font = _FONT, align: Alignment = _LEFT, fill: PatternFill | None = None,
           border: bool = True) -> None:
    cell.font = font
    cell.alignment = align
    cell.protection = _LOCKED if locked else _UNLOCKED
    cell.fill = fill if fill is not None else (_GREY if locked else _WHITE)
    if border:
        cell.border = _BORDER


def _merge(ws, row: int, first: int, last: int, *, locked: bool, fill: PatternFill | None = None) -> None:
    """Merge columns first..last of `row`; covered cells get the same border, fill and protection."""
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    for col in range(first + 1, last + 1):
        cell = ws.cell(row=row, column=col)
        cell.border = _BORDER
        cell.fill = fill if fill is not None else (_GREY if locked else _WHITE)
        cell.protection = _LOCKED if locked else _UNLOCKED


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    usable = max(1.0, width - 1)
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


def _list_formula(options: list[str]) -> str | None:
    """An inline list for a list validation, or None when Excel cannot hold it inline.

    Excel separates the items with commas and allows no quotes and at most 255 characters.
    """
    if not options or any("," in o or '"' in o for o in options):
        return None
    joined = ",".join(options)
    if len(joined) > LIST_LIMIT:
        return None
    return f'"{joined}"'


def _decimal_validation(low: str, high: str | None, error: str, prompt_title: str) -> DataValidation:
    if high is None:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=low, allow_blank=True)
    else:
        dv = DataValidation(type="decimal", operator="between", formula1=low, formula2=high, allow_blank=True)
    dv.error, dv.errorTitle, dv.errorStyle, dv.showErrorMessage = error, prompt_title, "stop", True
    return dv


def _list_validation(formula: str, error: str, title: str) -> DataValidation:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.error, dv.errorTitle, dv.errorStyle, dv.showErrorMessage = error, title, "stop", True
    return dv


# -- sheet 1: 填写说明 -------------------------------------------------------------------

def _guide_lines(iset: IndicatorSet) -> list[str]:
    bands = "、".join(b["label"] for b in DEFAULT_BANDS)
    lines = [
        f"本表对应指标体系：{iset.name}（编号 {iset.id}）。请在「{FORM_SHEET}」工作表中填写。",
        "",
        "一、哪些单元格可以填写",
        "1. 白色单元格可以填写；灰色单元格（标题、表头、指标体系编号、指标体系规定的一级/二级/三级指标名称和分值）"
        "已锁定，不能修改。工作表已保护（无密码），只为防止误改。",
        "2. 第 3～12 行填写单位与项目的基本情况；「年度总体目标」「实际完成情况」可以写多行（单元格内换行：Alt+Enter）。",
        "3. 第 15～18 行填写预算金额，单位为万元，只填数字（如 125.6），不要写「万元」；"
        "执行率低于要求时在第 19 行「执行率偏差原因」说明原因。",
        "",
        "二、指标表（第 21 行起）",
        "4. 指标体系已规定的三级指标逐行列出，只需填写年度指标值、实际完成值等白色单元格。",
        "5. 允许自设指标的二级指标下留有空行：一级、二级指标已预填（可从下拉列表改选），"
        "在「三级指标」中写指标名称，在「分值」中写该指标的分值（0～100 的数字）。",
        "6. 「年度指标值」「调整后指标值」「实际完成值」照原表填写，带上符号和单位，例如："
        "「≥11台」「100%」「≤50万元」「2021年12月31日前」；定性指标写文字，如「逐步提高」。"
        "这三列按文字保存，「0102」之类的编号不会被改成数字。没有调整时「调整后指标值」留空。",
        "7. 「自评得分」一般留空，由 jixiao 按评分规则计算；只有评价人判断与规则得分不同时才填写，"
        "并且必须在「评价人判断理由」中写明理由，否则不采用。",
        f"8. 「定性评价档次」只用于定性指标未达成时，从下拉列表中选择：{bands}。",
        "9. 未完成目标或偏差较大的指标，请填写「偏差原因分析」和「改进措施」。",
        "10. 未使用的空行保留为空即可，不要删除行，也不要在表格下方另加内容。",
        "",
        "三、注意",
        f"11. 不要修改工作表名称（「{GUIDE_SHEET}」「{FORM_SHEET}」），不要修改或移动任何标签和表头文字，"
        "不要插入或删除行、列。",
        "12. 不要输入公式；以 = + - @ 开头的内容会被当作文字处理。",
    ]
    if not iset.scored:
        lines.append("13. 本指标体系不计分：「分值」「自评得分」「定性评价档次」可以不填，只需逐项填写指标值与完成值。")
    elif iset.budget is None:
        lines.append(f"13. {NO_BUDGET_NOTE}；如有预算数据，仍可在第 15～19 行填写。")
    lines += [
        "",
        "四、填好之后",
        "计分并查看说明：jixiao score 本文件.xlsx",
        "转换为自评表 YAML：jixiao import 本文件.xlsx -o 自评表.yaml",
    ]
    return lines


def _guide_sheet(ws, iset: IndicatorSet) -> None:
    ws.column_dimensions["A"].width = GUIDE_WIDTH
    title = _put_text(ws, 1, 1, f"{iset.name}（填报表）填写说明")
    title.font, title.alignment = _TITLE, Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[1].height = 24
    for r, line in enumerate(_guide_lines(iset), 3):
        cell = _put_text(ws, r, 1, line)
        heading = line[:2] in ("一、", "二、", "三、", "四、")
        cell.font = _BOLD if heading else _FONT
        cell.alignment = _TOP_LEFT
        if line:  # fonts differ between Excel and LibreOffice: count the lines generously
            ws.row_dimensions[r].height = min(MAX_HEIGHT, LINE_HEIGHT * _lines(line, GUIDE_WIDTH - 8))
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


# -- sheet 2: 自评表 ---------------------------------------------------------------------

def _label_value_row(ws, row: int, label: str, *, merge_value: bool = True, height: float | None = None) -> None:
    _style(_put_text(ws, row, 1, label), locked=True, font=_BOLD, align=_CENTER)
    _style(ws.cell(row=row, column=2), locked=False)
    if merge_value:
        _merge(ws, row, 2, NCOLS, locked=False)
    if height:
        ws.row_dimensions[row].height = height


def _form_sheet(ws, iset: IndicatorSet) -> None:
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width

    # title
    title = _put_text(ws, 1, 1, f"{iset.name}（填报表）")
    title.font, title.alignment = _TITLE, Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=NCOLS)
    ws.row_dimensions[1].height = 30

    # rows 3–12: the unit and the project
    tall = {"年度总体目标": 75, "实际完成情况": 75}
    for offset, label in enumerate(INFO_LABELS):
        _label_value_row(ws, INFO_FIRST_ROW + offset, label, height=tall.get(label))
    id_cell = _put_text(ws, INFO_FIRST_ROW, 2, iset.id)
    _style(id_cell, locked=True)
    for col in range(3, NCOLS + 1):
        ws.cell(row=INFO_FIRST_ROW, column=col).protection = _LOCKED
        ws.cell(row=INFO_FIRST_ROW, column=col).fill = _GREY
    if iset.year:
        _put_text(ws, INFO_FIRST_ROW + INFO_LABELS.index("年度"), 2, iset.year)

    # rows 14–19: budget figures
    head = _put_text(ws, BUDGET_HEAD_ROW, 1, BUDGET_HEAD)
    _style(head, locked=True, font=_BOLD, align=_CENTER)
    _merge(ws, BUDGET_HEAD_ROW, 1, NCOLS, locked=True)
    amount = _decimal_validation("0", None, BUDGET_ERROR, "预算金额")
    for offset, label in enumerate(BUDGET_LABELS):
        row = BUDGET_FIRST_ROW + offset
        if row in BUDGET_NUMBER_ROWS:
            _label_value_row(ws, row, label, merge_value=False)
            cell = ws.cell(row=row, column=2)
            cell.number_format = AMOUNT_FORMAT
            cell.alignment = Alignment(horizontal="right", vertical="center")
            amount.add(cell.coordinate)
        else:
            _label_value_row(ws, row, label, height=45)
    ws.add_data_validation(amount)
    if iset.budget is None:
        note = _put_text(ws, BUDGET_FIRST_ROW, 3, NO_BUDGET_NOTE)
        _style(note, locked=True, font=_NOTE, fill=PatternFill(), border=False)
        ws.merge_cells(start_row=BUDGET_FIRST_ROW, start_column=3, end_row=BUDGET_FIRST_ROW, end_column=NCOLS)

    # row 21: the indicator table header
    for col, name in enumerate(TABLE_HEADS, 1):
        _style(_put_text(ws, HEADER_ROW, col, name), locked=True, font=_BOLD, align=_CENTER)
    ws.row_dimensions[HEADER_ROW].height = 30

    last = _indicator_rows(ws, iset)

    # footer
    footer_row = last + 2
    note = _put_text(ws, footer_row, 1, FOOTER)
    note.font, note.alignment, note.protection = _FONT, _LEFT, _LOCKED
    ws.merge_cells(start_row=footer_row, start_column=1, end_row=footer_row, end_column=NCOLS)

    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{LAST_COL}{footer_row}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    protection = ws.protection
    protection.sheet = True
    protection.formatColumns = False  # False = allowed while protected
    protection.formatRows = False
    protection.formatCells = True
    protection.selectLockedCells = False
    protection.selectUnlockedCells = False


def slot_count(level2) -> int:
    """How many empty rows the form leaves for the unit's own indicators under `level2`.

    `max_indicators` caps the number of indicators under the 二级指标, the set's fixed ones included.
    """
    if not level2.allow_custom:
        return 0
    if level2.max_indicators:
        return max(0, level2.max_indicators - len(level2.indicators))
    return DEFAULT_SLOTS


def _indicator_rows(ws, iset: IndicatorSet) -> int:
    """Rows 22… ; returns the last row written (HEADER_ROW when there is none)."""
    level1_names = [_text(level.name) for level in iset.levels]
    level1_list = _list_formula(level1_names)
    level1_dv = _list_validation(level1_list, "请从下拉列表中选择一级指标", "一级指标") if level1_list else None
    weight_dv = _decimal_validation("0", "100", "分值应为 0～100 之间的数字", "分值")
    score_dv = _decimal_validation("0", None, "自评得分应为不小于 0 的数字", "自评得分")
    bands = [b["label"] for b in DEFAULT_BANDS]
    band_dv = _list_validation(_list_formula(bands), "请从下拉列表中选择：" + "、".join(bands), "定性评价档次")
    level2_dvs: list[DataValidation] = []

    row = HEADER_ROW
    for level in iset.levels:
        level2_names = [_text(child.name) for child in level.children]
        level2_list = _list_formula(level2_names)
        level2_dv = (_list_validation(level2_list, "请从下拉列表中选择本一级指标下的二级指标", "二级指标")
                     if level2_list else None)
        for child in level.children:
            for indicator in child.indicators:
                row += 1
                _row_cells(ws, row)
                for col, value in ((1, level.name), (2, child.name), (3, indicator.name)):
                    _style(_put_text(ws, row, col, value), locked=True, align=_CENTER if col < 3 else _LEFT)
                weight = ws.cell(row=row, column=4)
                if indicator.weight is not None:
                    weight.value = indicator.weight
                    _style(weight, locked=True, align=_CENTER)
                else:  # the set leaves the weight to the unit
                    weight_dv.add(weight.coordinate)
                if indicator.target is not None:
                    _put_text(ws, row, 5, indicator.target)
                _fit_height(ws, row, _text(indicator.name))
                score_dv.add(f"H{row}")
                band_dv.add(f"J{row}")
            for _ in range(slot_count(child)):
                row += 1
                _row_cells(ws, row)
                _put_text(ws, row, 1, level.name)
                _put_text(ws, row, 2, child.name)
                ws.cell(row=row, column=1).alignment = _CENTER
                ws.cell(row=row, column=2).alignment = _CENTER
                if level1_dv is not None:
                    level1_dv.add(f"A{row}")
                if level2_dv is not None:
                    level2_dv.add(f"B{row}")
                weight_dv.add(f"D{row}")
                score_dv.add(f"H{row}")
                band_dv.add(f"J{row}")
        if level2_dv is not None and level2_dv.sqref.ranges:
            level2_dvs.append(level2_dv)
    for dv in [level1_dv, weight_dv, score_dv, band_dv, *level2_dvs]:
        if dv is not None and dv.sqref.ranges:
            ws.add_data_validation(dv)
    return row


def _row_cells(ws, row: int) -> None:
    """An indicator row with every cell unlocked, white, bordered and wrapped; E–G kept as text."""
    for col in range(1, NCOLS + 1):
        cell = ws.cell(row=row, column=col)
        _style(cell, locked=False, align=_CENTER if col in (4, 8) else _LEFT)
        if col in TEXT_COLUMNS:
            cell.number_format = "@"
    ws.row_dimensions[row].height = 30


def _fit_height(ws, row: int, name: str) -> None:
    need = max(2, _lines(name, WIDTHS["C"]))
    ws.row_dimensions[row].height = min(MAX_HEIGHT, LINE_HEIGHT * need)
