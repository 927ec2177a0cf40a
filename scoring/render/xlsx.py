"""The Excel writer: one worksheet per grid, then a 计分说明 sheet.

Cells hold computed values, never formulas: numbers are written as their
Decimal with the grid's number format, text is neutralised by `safe_text` so a
spreadsheet never evaluates what a unit typed.  Scores (得分, 自评得分, 总分, the
budget score) show the decimals the set rounds to (precision 1: 9.4, 89.4, 5.0),
so the workbook prints, and reads back at, the table's own precision; weights
and amounts show as they are (General).  Every cell of the table,
including each cell a merge covers, gets its own thin border: Excel draws a
merged range's outline from the covered cells, not only the top-left one.
"""
from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from ..safetext import safe_text
from ..verdicts import Basis
from .grid import HEAD, LABEL, LONG, NUMBER, Cell, Grid
from .view import Report
from .zipfix import workbook_bytes

FONT_NAME = "宋体"
EXPLAIN_SHEET = "计分说明"
EXPLAIN_HEADS = ["一级指标", "二级指标", "三级指标", "分值", "得分", "规则得分", "自评得分", "计分依据", "评分规则",
                 "计分说明", "偏差说明"]
EXPLAIN_WIDTHS = [10, 12, 18, 7, 7, 8, 8, 14, 16, 40, 40]
BASIS = {Basis.RULE: "按规则计分", Basis.GIVEN: "按自评得分", Basis.JUDGEMENT: "评价人判断",
         Basis.CAPPED: "自评超过分值，按分值计", Basis.NONE: "无法计分", Basis.NOT_APPLICABLE: "不适用",
         Basis.UNSCORED: "不计分"}

_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name=FONT_NAME, size=10)
_BOLD = Font(name=FONT_NAME, size=10, bold=True)
_FILL = PatternFill("solid", fgColor="D9D9D9")
_ALIGN = {
    HEAD: Alignment(horizontal="center", vertical="center", wrap_text=True),
    LABEL: Alignment(horizontal="center", vertical="center", wrap_text=True),
    NUMBER: Alignment(horizontal="right", vertical="center"),
    LONG: Alignment(horizontal="left", vertical="center", wrap_text=True),
}
_TEXT_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
LINE_HEIGHT, MAX_HEIGHT = 15, 409
GRID_SCORE_FORMAT = "0.00"  # the format layouts give a score cell (grid.number's default; weights and amounts: General)
DEFAULT_PLACES = 2          # a set's precision when the report shows none (no total)
MAX_FORMAT_PLACES = 12      # numbers.quantize's widest step


def score_format(places: int) -> str:
    """The Excel number format of a score rounded to `places` decimals: 0 → 0, 1 → 0.0, 2 → 0.00."""
    places = max(0, min(int(places), MAX_FORMAT_PLACES))
    return "0." + "0" * places if places else "0"


def _decimals(value: Decimal) -> int:
    """Decimals of a finite Decimal: 3.50 → 2, 5 → 0, 5E+1 → 0."""
    return max(0, -value.as_tuple().exponent) if value.is_finite() else 0


def _places_of(report: Report) -> tuple[int, int]:
    """(decimals of the scores, decimals of the budget score): the engine rounds the total to the precision
    (result.precision) and the budget score to its own places (result.budget.places), so the quantized Decimals
    carry them.  A budget score of exactly 0 without decimals (a zero budget) says nothing: the precision stands."""
    total = report.total
    precision = _decimals(total) if total is not None else DEFAULT_PLACES
    b = report.budget
    budget = precision
    if b is not None and b.score is not None and (b.score != 0 or _decimals(b.score) > 0):
        budget = _decimals(b.score)
    return precision, budget


def _shown_places(value, places: int) -> int:
    """A score cell's decimals: the precision, or more when the value has them (a self-score of 3.25 in a
    one-decimal set is shown as 3.25, never as a rounded 3.3 that differs from the cell's value)."""
    if isinstance(value, Decimal) and value.is_finite():
        return max(places, _decimals(value.normalize()))
    return places


def xlsx_bytes(report: Report, grids: list[Grid], precision: int | None = None,
               budget_places: int | None = None, review: bool = True) -> bytes:
    """The workbook. `precision` (result.precision) and `budget_places` (result.budget.places) give the decimals
    of the score cells; without them they are read from the report's rounded total and budget score."""
    shown, shown_budget = _places_of(report)
    precision = shown if precision is None else precision
    budget_places = shown_budget if budget_places is None else budget_places
    budget_score = report.budget.score if report.budget is not None else None
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = {EXPLAIN_SHEET.casefold()}
    for grid in grids:
        _grid_sheet(wb.create_sheet(_sheet_title(grid.title, used)), grid, precision, budget_places, budget_score)
    if review:  # review content: the 计分说明 sheet (`render --with-review`), never in the official sheets
        _explain_sheet(wb.create_sheet(EXPLAIN_SHEET), report, precision, budget_places)
    if report.draft:  # printed at the top of every page of every sheet
        for sheet in wb.worksheets:
            sheet.oddHeader.center.text = report.draft
            sheet.oddHeader.center.color = "BB0000"
            sheet.sheet_properties.tabColor = "BB0000"
    return workbook_bytes(wb)


def _sheet_title(title: str, used: set[str]) -> str:
    base = _BAD_TITLE.sub("", title).strip().strip("'")[:31] or "Sheet"
    name, n = base, 1
    while name.casefold() in used or name.casefold() == "history":
        n += 1
        suffix = f"({n})"
        name = base[:31 - len(suffix)] + suffix
    used.add(name.casefold())
    return name


def _put(ws, row: int, col: int, value, number_format: str = ""):
    """Write a Decimal as a number or a string as neutralised text; never a formula."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, Decimal):
        cell.value = value
        if number_format:
            cell.number_format = number_format
    elif value:
        cell.value = safe_text(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"
    return cell


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    usable = max(1.0, width - 1)
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


def _excel_width(chars: int) -> float:
    return chars * 1.2 + 2


def _merge_title(ws, row: int, ncols: int, value: str, font: Font, height: float) -> None:
    _put(ws, row, 1, value)
    cell = ws.cell(row=row, column=1)
    cell.font, cell.alignment = font, Alignment(horizontal="center", vertical="center", wrap_text=True)
    if ncols > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    ws.row_dimensions[row].height = height


def _grid_sheet(ws, grid: Grid, precision: int = DEFAULT_PLACES, budget_places: int = DEFAULT_PLACES,
                budget_score: Decimal | None = None) -> None:
    ncols = grid.ncols
    widths = [_excel_width(w) for w in grid.widths]
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    _merge_title(ws, 1, ncols, grid.title, Font(name=FONT_NAME, size=16, bold=True), 30)
    top = 1
    if grid.caption:
        top = 2
        _merge_title(ws, 2, ncols, grid.caption, Font(name=FONT_NAME, size=11), 20)
    heights = [1] * len(grid.rows)  # lines each row needs
    for r, line in enumerate(grid.rows):
        for c, cell in enumerate(line):
            if cell is None:
                continue
            places = budget_places if budget_score is not None and cell.value is budget_score else precision
            _grid_cell(ws, top + r + 1, c + 1, cell, places)
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=top + r + 1, start_column=c + 1,
                               end_row=top + r + cell.rowspan, end_column=c + cell.colspan)
            if cell.text and not (cell.style == NUMBER and cell.value is not None):
                need = _lines(cell.text, sum(widths[c:c + cell.colspan]))
                per_row = math.ceil(need / cell.rowspan)
                for dr in range(cell.rowspan):
                    heights[r + dr] = max(heights[r + dr], per_row)
    last = top + len(grid.rows)
    for r in range(top + 1, last + 1):  # every cell, covered ones included, so merged outlines print
        ws.row_dimensions[r].height = min(MAX_HEIGHT, LINE_HEIGHT * heights[r - top - 1])
        for c in range(1, ncols + 1):
            ws.cell(row=r, column=c).border = _BORDER
    _print_setup(ws, grid.landscape, f"A1:{get_column_letter(ncols)}{last}",
                 f"{top + grid.repeat_from + 1}:{top + grid.header_rows}" if grid.header_rows else None)


def _grid_cell(ws, row: int, col: int, cell: Cell, places: int = DEFAULT_PLACES) -> None:
    """One grid cell; a score (the layouts' 0.00 cells) shows `places` decimals."""
    if cell.style == NUMBER and cell.value is not None:
        number_format = cell.number_format or "General"
        if number_format == GRID_SCORE_FORMAT:
            number_format = score_format(_shown_places(cell.value, places))
        xl = _put(ws, row, col, cell.value, number_format)
    else:
        xl = _put(ws, row, col, cell.text)
    xl.font = _BOLD if cell.style == HEAD else _FONT
    xl.alignment = _ALIGN.get(cell.style, _TEXT_ALIGN)
    if cell.style == HEAD:
        xl.fill = _FILL


def _print_setup(ws, landscape: bool, area: str, title_rows: str | None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.print_options.horizontalCentered = True
    ws.print_area = area
    if title_rows:
        ws.print_title_rows = title_rows


def _decimal(shown: str) -> Decimal | str:
    """A number the view only kept as text (规则得分, 自评得分) back as its Decimal; other text as is."""
    try:
        return Decimal(shown) if shown else ""
    except InvalidOperation:
        return shown


EXPLAIN_SCORES = (5, 6, 7)  # 得分, 规则得分, 自评得分: scores; 分值 (4) is a weight, shown as it is (General)


def _explain_sheet(ws, report: Report, precision: int = DEFAULT_PLACES, budget_places: int = DEFAULT_PLACES) -> None:
    lines = [[row.level1, row.level2, row.name, row.weight, row.score if row.score is not None else row.score_text,
              _decimal(row.rule_score_text), _decimal(row.given_text), BASIS.get(row.basis, row.basis),
              row.rule_title, row.explain, row.deviation] for row in report.rows]
    b = report.budget
    if b is not None:
        sentence = next((d.sentence for d in report.deviations if d.subject == "预算执行率"), "")
        lines.append(["预算执行率", "", "", b.weight, b.score if b.score is not None else b.score_text, "", "",
                      f"执行率{b.rate_text}" if b.rate_text else "", "", b.explain, sentence])
    for c, (name, width) in enumerate(zip(EXPLAIN_HEADS, EXPLAIN_WIDTHS), 1):
        ws.column_dimensions[get_column_letter(c)].width = _excel_width(width)
        cell = _put(ws, 1, c, name)
        cell.font, cell.fill, cell.alignment, cell.border = _BOLD, _FILL, _ALIGN[HEAD], _BORDER
    for r, values in enumerate(lines, 2):
        need = 1
        places = budget_places if b is not None and r == len(lines) + 1 else precision
        for c, value in enumerate(values, 1):
            number_format = score_format(_shown_places(value, places)) if c in EXPLAIN_SCORES else "General"
            cell = _put(ws, r, c, value, number_format)
            cell.font, cell.border = _FONT, _BORDER
            cell.alignment = _ALIGN[NUMBER] if isinstance(value, Decimal) else _ALIGN[LONG]
            if isinstance(value, str) and value:
                need = max(need, _lines(value, _excel_width(EXPLAIN_WIDTHS[c - 1])))
        ws.row_dimensions[r].height = min(MAX_HEIGHT, LINE_HEIGHT * need)
    ws.freeze_panes = "A2"
    _print_setup(ws, True, f"A1:{get_column_letter(len(EXPLAIN_HEADS))}{len(lines) + 1}", "1:1")
