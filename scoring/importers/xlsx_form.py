"""Read a filled 自评表 form (made by `jixiao form`) back into submission data.

The reader finds everything by its label text, not by fixed cell positions, so a
user who inserts a row or moves the table still gets read.  Every value keeps
the cell it came from: problems point at 表「自评表」G25, not at a line number.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostics, Where, column_letter
from ..model import IMPORTED_SCORE
from ..yamlload import Document, type_plain_scalar
from .workbook import MAX_COLS, MAX_ROWS, format_decimals

FIELDS = {"指标体系编号": "set", "指标体系": "set", "单位名称": "unit", "部门(单位)名称": "unit", "项目名称": "project",
          "项目支出名称": "project", "主管部门": "department", "主管部门及代码": "department",
          "主管部门代码": "department_code", "实施单位": "implementer", "项目实施单位": "implementer",
          "预算单位": "implementer", "年度": "year", "填报日期": "date"}
GOAL_FIELDS = {"年度总体目标": "target", "年度目标": "target", "实际完成情况": "actual", "全年预期目标": "target",
               "全年实际完成目标": "actual"}
BUDGET_FIELDS = {"年初预算数": "initial", "全年预算数": "annual", "预算数": "annual", "调整后预算数": "adjusted",
                 "全年执行数": "executed", "执行数": "executed", "得分": "score", "执行率偏差原因": "reason"}
ALL_LABELS = set(FIELDS) | set(GOAL_FIELDS) | set(BUDGET_FIELDS) | {"执行率", "分值", "资金结(转)余", "目标申报数",
                                                                 "预算编制数"}
# Header texts seen in real tables for each column, first the form's own.
COLUMNS = {
    "level1": ("一级指标",), "level2": ("二级指标",), "name": ("三级指标",),
    "weight": ("分值", "权重"),
    "target": ("年度指标值", "年初目标值", "年初指标值", "全年预期指标值"),
    "adjusted_target": ("调整后指标值",),
    "actual": ("实际完成值", "全年实际完成指标值", "完成值"),
    "given_score": ("自评得分", "得分"),
    "evaluator_judgement": ("评价人判断理由",),
    "grade": ("定性评价档次",),
    "reason": ("偏差原因分析", "偏差原因分析及改进措施", "未完成原因及改进措施", "未完成原因分析", "扣分原因",
               "扣分原因和其他说明"),
    "measures": ("改进措施",),
    "sign": ("指标性质", "指标方向", "正向/反向", "正反向"),  # ≥/≤/＝ or 正向/反向; the target's own sign wins (V519)
    "unit": ("度量单位", "计量单位", "计量单位名称"),
}
NUMERIC = {"weight", "given_score"}


def _norm(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)) if value is not None else ""
    return "".join(text.split()).replace("（", "(").replace("）", ")")


_NORMED_COLUMNS = tuple((key, tuple(_norm(name) for name in names)) for key, names in COLUMNS.items())


def _header_key(text: str) -> str | None:
    text = _norm(text)
    for key, names in _NORMED_COLUMNS:
        for name in names:
            if text == name or text.startswith(name + "("):
                return key
    return None


class _Cells:
    """One sheet read by `workbook.read_workbook`, 1-based, with formula and error cells told apart from empty ones."""

    def __init__(self, sheet):
        self.rows = sheet.rows
        self.special = sheet.special
        self.max_row = sheet.max_row
        self.max_col = sheet.max_col
        self.formats = sheet.formats

    def decimals(self, row: int, col: int) -> int | None:
        """Decimals the cell's number format shows (5 formatted 0.00 prints 5.00); None when not known."""
        return format_decimals(self.formats.get((row, col)))

    def get(self, row: int, col: int) -> tuple[Any, str | None]:
        """(cached value, formula text if the cell is a formula without a cached value)."""
        line = self.rows[row - 1] if 0 < row <= len(self.rows) else ()
        value = line[col - 1] if 0 < col <= len(line) else None
        if value == "" or value is None:
            special = self.special.get((row, col)) if self.special else None
            if special is not None:
                kind, text = special
                return (None, text) if kind == "formula" else (text, None)
            return None, None
        return value, None


class RowCells:
    """A table already read as rows of values (a CSV file), with the same interface as a sheet."""

    def __init__(self, rows: list[list[Any]]):
        self.rows = rows[:MAX_ROWS]
        self.max_row = len(self.rows)
        self.max_col = min(max((len(r) for r in self.rows), default=0), MAX_COLS)

    def get(self, row: int, col: int) -> tuple[Any, str | None]:
        line = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        value = line[col - 1] if 0 < col <= len(line) else None
        return (value if value != "" else None), None

    def decimals(self, row: int, col: int) -> int | None:
        """A CSV cell has no number format: what it prints is its text."""
        return None


def read_form(name: str, raw: bytes, diags: Diagnostics, default_set: str | None = None) -> Document | None:
    """The submission in a workbook's bytes: the first visible sheet with an indicator table header
    (「自评表」 first), and header fields its own sheet lacks from the other visible sheets."""
    from .workbook import WorkbookError, read_workbook

    try:
        book = read_workbook(raw)
    except WorkbookError as exc:
        diags.add(exc.code, Where(name, sheet=exc.sheet),
                  **({"reason": exc.detail} if exc.code == "I802" else {"detail": exc.detail}))
        return None
    if book.hidden:
        shown = "".join(f"「{sheet[:40]}」" for sheet in book.hidden[:10])
        diags.add("I809", Where(name), sheets=shown + (f"等 {len(book.hidden)} 张" if len(book.hidden) > 10 else ""))
    for sheet in _sheet_order(book.sheets):
        cells = _Cells(sheet)
        header = find_header(cells)
        if header is not None:
            doc = read_table(name, sheet.name, cells, header, diags, default_set)
            _fields_from_other_sheets(doc, [s for s in book.sheets if s is not sheet], diags)
            return doc
    diags.add("I803", Where(name), names="、".join(n[0] for n in COLUMNS.values()))
    return None


def _fields_from_other_sheets(doc: Document, sheets, diags: Diagnostics) -> None:
    """Header fields the table's own sheet lacks, from the workbook's other sheets (湖南: the 自评表
    names the unit, the 评分表 holds the indicators). Their cells are on another sheet, so they get
    no position of their own."""
    data = doc.data
    wanted = {key for key in FIELDS.values() if key not in data or data.get(f"_{key}_fallback")}
    for ws in sheets:
        cells = _Cells(ws)
        for row in range(1, min(cells.max_row, 60) + 1):
            for col in range(1, cells.max_col + 1):
                text = cells.get(row, col)[0]
                key = FIELDS.get(_label(text)) if isinstance(text, str) else None
                if key is None or key not in wanted:
                    continue
                found = _value_for(cells, row, col, cells.max_row + 1, False)
                if found is not None:
                    value = _convert(cells.get(*found)[0], False, Where(doc.file, *found, "", ws.name), diags)
                    if value not in (None, ""):
                        data[key] = value
                        wanted.discard(key)
    for key in list(data):
        if key.startswith("_") and key.endswith("_fallback"):
            del data[key]


def _sheet_order(sheets):
    preferred = [ws for ws in sheets if ws.name == "自评表"]
    return preferred + [ws for ws in sheets if ws.name != "自评表"]


_LABEL_TAIL = re.compile(r"[(（][^()（）]*[)）]$")


def _label(text: str) -> str:
    """`预算数（A）` → 预算数, `得分（20分*执行率）` → 得分, `全年预算数（万元）` → 全年预算数, `资金总额:` → 资金总额."""
    label = _norm(text).rstrip(":：")
    while True:
        shorter = _LABEL_TAIL.sub("", label)
        if shorter == label or not shorter:
            return label
        label = shorter


_INLINE = re.compile(r"([^：:\s]{2,12})[：:]\s*([^\s：:][^：:]*?)(?=\s+[^：:\s]{2,12}[：:]|\s*$)")


def _inline_fields(text: str, row: int, col: int, tables, doc: Document) -> bool:
    """`单位名称：某单位　　填报日期：2021年4月` in one cell (the line above a table)."""
    found = False
    for label, value in _INLINE.findall(unicodedata.normalize("NFKC", text)):
        for table, target, prefix in tables[:1]:
            key = table.get(_label(label))
            if key and key not in target and value.strip():
                target[key] = value.strip()
                doc.positions[prefix + (key,)] = (row, col)
                found = True
    return found


def _value_for(cells, row: int, col: int, header_row: int, numeric: bool) -> tuple[int, int] | None:
    """Where a label's value is: a number under a column heading (published budget blocks),
    else the first filled cell to its right (label | value rows, forms)."""
    if numeric:
        for below in range(row + 1, min(row + 4, header_row)):
            value = cells.get(below, col)[0]
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                return below, col
            if isinstance(value, str) and isinstance(type_plain_scalar(value.strip())[0], Decimal):
                return below, col  # CSV cells are text
            if isinstance(value, str) and _label(value) in ALL_LABELS:
                break
    for right in range(col + 1, min(col + 6, cells.max_col + 1)):
        value, formula = cells.get(row, right)
        if value not in (None, "") or formula is not None:
            if isinstance(value, str) and _label(value) in ALL_LABELS:
                return None  # the next label, not a value
            return row, right
    return None


def find_header(cells) -> tuple[int, dict[str, int]] | None:
    """The first row naming at least three known columns, one of them 三级指标."""
    for row in range(1, cells.max_row + 1):
        columns: dict[str, int] = {}
        for col in range(1, cells.max_col + 1):
            value = cells.get(row, col)[0]
            if isinstance(value, str):
                key = _header_key(value)
                if key and key not in columns:
                    columns[key] = col
        if "name" in columns and len(columns) >= 3:
            return row, columns
    return None


BUDGET_ROW = ("预算执行率", "预算执行情况", "预算执行")
TOTAL_ROW = ("总分", "合计", "总计")
# The columns that make a row without a 三级指标 name an indicator someone forgot to name (R312).
ROW_VALUES = ("weight", "target", "adjusted_target", "actual", "given_score")
MAX_PLACES = 4
_WEIGHT_TAIL = re.compile(r"\s*[(（]\s*\d+(\.\d+)?\s*分\s*[)）]\s*$")


def read_table(file: str, sheet: str | None, cells, header, diags: Diagnostics,
               default_set: str | None = None) -> Document:
    """Submission data from a table: label rows above the header (forms), then one row per indicator.

    Blank 一级/二级 cells (merged cells in published tables) take the value of the row above; a row
    whose 一级 or 三级 is 预算执行率 carries the budget (分值, 预算数, 执行数, 得分)."""
    header_row, columns = header
    doc = Document(file=file, data={}, sheet=sheet)
    data = doc.data

    def where(row, col) -> Where:
        return Where(file, row, col, "", sheet)

    def read(row: int, col: int, key: str, numeric: bool) -> Any:
        value, formula = cells.get(row, col)
        if formula is not None:
            diags.add("I804", where(row, col), formula=formula[:60])
            return None
        return _convert(value, numeric, where(row, col), diags)

    goal: dict = {}
    budget: dict = {}
    tables = ((FIELDS, data, ()), (GOAL_FIELDS, goal, ("goals", 0)), (BUDGET_FIELDS, budget, ("budget",)))
    for row in range(1, header_row):
        for col in range(1, cells.max_col + 1):
            text = cells.get(row, col)[0]
            if not isinstance(text, str):
                continue
            if _inline_fields(text, row, col, tables, doc):
                continue
            label = _label(text)
            for table, target, prefix in tables:
                key = table.get(label)
                if key is None or key in target:
                    continue
                numeric = table is BUDGET_FIELDS and key != "reason"
                found = _value_for(cells, row, col, header_row, numeric)
                if found is not None:
                    value_row, value_col = found
                    value = read(value_row, value_col, key, numeric)
                    if value not in (None, "") and (not numeric or isinstance(value, Decimal)):
                        target[key] = value
                        doc.positions[prefix + (key,)] = (value_row, value_col)
                break
    if budget:
        data["budget"] = budget
        doc.positions.setdefault(("budget",), (header_row, 1))
    if goal:
        data["goals"] = [goal]
    rows = []
    above = {"level1": None, "level2": None}
    printed_total, total_at, after_total = None, None, False
    for row in range(header_row + 1, cells.max_row + 1):
        first = cells.get(row, 1)[0]
        if isinstance(first, str) and _norm(first).startswith("填表说明"):
            break
        name_value = read(row, columns["name"], "name", False)
        level1 = read(row, columns["level1"], "level1", False) if "level1" in columns else None
        if any(_norm(v).startswith(_norm(b)) for v in (level1, name_value) if isinstance(v, str) for b in BUDGET_ROW):
            _budget_row(row, columns, read, data, doc)
            continue
        if isinstance(name_value, str) and _header_key(name_value) == "name":
            continue  # the header again (a second goal block)
        if not after_total and _is_total_row(cells, row, columns):
            # 总分 | … | 100 | 94.46: the table's own total; what follows (偏差分析, 改进措施 boxes) is no indicator.
            after_total = True
            value, formula = cells.get(row, columns["given_score"]) if "given_score" in columns else (None, None)
            if formula is None:
                printed_total = _convert(value, True, where(row, columns["given_score"]), diags)
                total_at = (row, columns["given_score"])
                if isinstance(printed_total, Decimal) and "total" not in data:
                    data["total"] = printed_total  # checked against the computed total (G609, G610)
                    doc.positions[("total",)] = (row, columns["given_score"])
            continue
        if name_value in (None, ""):
            if not after_total and cells.get(row, columns["name"])[1] is None:
                _unnamed_row(row, columns, cells, where, diags)
            continue  # an unused slot or an empty line: a row with figures but no name is reported, not scored
        index = len(rows)
        item: dict = {}
        for key, col in columns.items():
            value = read(row, col, key, key in NUMERIC) if key != "name" else name_value
            if value in (None, "") and key in above and above[key] is not None:
                value, col = above[key]  # a merged or blank 一级/二级 cell belongs to the row above
            if value in (None, ""):
                continue
            if key in above and isinstance(value, str):
                value = _WEIGHT_TAIL.sub("", value)  # 「产出指标（40分）」 names 产出指标
            if key in above:
                above[key] = (value, col)
            item[key] = value if key in NUMERIC else (value if isinstance(value, str) else _text(value))
            doc.positions[("indicators", index, key)] = (row, col)
        if "given_score" in item and "evaluator_judgement" not in columns:
            # A published table's printed score is the table's own: it stands, and differences are reported.
            item["evaluator_judgement"] = IMPORTED_SCORE
        doc.positions[("indicators", index)] = (row, columns["name"])
        rows.append(item)
    data["indicators"] = rows
    if "set" not in data and default_set:
        data["set"] = default_set
    if "precision" not in data:
        # The table rounds as its most precise printed score does: a 预算执行 score of 10 beside a row's 3.18
        # means two decimals, not whole numbers.  A row's 自评得分 counts where it is the table's own printed
        # score (a published table); in our form it is the unit's self-score, checked at the set's precision.
        # A workbook's cell prints as its number format shows it: 5 formatted 0.00 is a printed 5.00.
        printed = [(data.get("budget", {}).get("score"), doc.positions.get(("budget", "score"))),
                   (printed_total, total_at)]
        if "evaluator_judgement" not in columns:
            printed += [(item.get("given_score"), doc.positions.get(("indicators", index, "given_score")))
                        for index, item in enumerate(rows)]
        places = [max(_places(value), (cells.decimals(*at) or 0) if at else 0)
                  for value, at in printed if isinstance(value, Decimal) and value.is_finite()]
        if places:
            data["precision"] = Decimal(min(MAX_PLACES, max(0, *places)))
    if "unit" not in data:
        # 山西/四川 tables name the 预算单位 only; a flat table names none: the file name stands in
        # (another sheet of the workbook may still name it: see _fields_from_other_sheets).
        data["unit"] = data.get("implementer") or Path(file).stem
        data["_unit_fallback"] = True
    doc.positions[()] = (1, 1)
    doc.positions[("indicators",)] = (header_row, 1)
    return doc


def _places(value: Decimal) -> int:
    """Decimals a printed number shows: 9.4 → 1, 4.57 → 2, 10 → 0."""
    return max(0, -value.as_tuple().exponent)


def _is_total_row(cells, row: int, columns: dict) -> bool:
    """A 总分 / 合计 row: the label in a cell left of (or at) the 三级指标 column."""
    for col in range(1, columns["name"] + 1):
        text = cells.get(row, col)[0]
        if isinstance(text, str) and _label(text) in TOTAL_ROW:
            return True
    return False


def _unnamed_row(row: int, columns: dict, cells, where, diags: Diagnostics) -> None:
    """R312 at the empty 三级指标 cell of a row that has a 分值, a target, an actual or a score: the row
    cannot be scored without its name, and must not vanish silently."""
    filled = [key for key in ROW_VALUES if key in columns
              and (cells.get(row, columns[key])[0] not in (None, "") or cells.get(row, columns[key])[1] is not None)]
    if not filled:
        return
    weight = None
    if "weight" in columns:
        value, formula = cells.get(row, columns["weight"])
        if value not in (None, ""):
            converted = _convert(value, True, where(row, columns["weight"]), Diagnostics())
            weight = _text(converted) if converted not in (None, "") else None
        elif formula is not None:
            weight = formula[:60]
    col = columns["name"]
    cell = f"{column_letter(col)}{row}"
    diags.add("R312", where(row, col), weight=weight if weight is not None else "（未填）",
              hint=f"请在该行的「三级指标」单元格（{cell}）填写指标名称；不需要的行请整行删除。")


def _budget_row(row: int, columns: dict, read, data: dict, doc: Document) -> None:
    budget = data.setdefault("budget", {})
    if "weight" in columns:
        value = read(row, columns["weight"], "weight", True)
        if isinstance(value, Decimal):  # the printed 分值, compared with the set's budget weight by the checks
            budget["weight"] = value
            doc.positions[("budget", "weight")] = (row, columns["weight"])
    for key, field in (("target", "annual"), ("actual", "executed"), ("given_score", "score")):
        if key in columns:
            value = read(row, columns[key], field, True)
            if value not in (None, ""):
                budget[field] = value
                doc.positions[("budget", field)] = (row, columns[key])
    for key in ("reason", "measures"):  # the 偏差原因 written on the 预算执行率 row itself
        if key in columns:
            value = read(row, columns[key], key, False)
            if isinstance(value, str) and value.strip():
                budget[key] = value
                doc.positions[("budget", key)] = (row, columns[key])
    doc.positions.setdefault(("budget",), (row, 1))


def _text(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _convert(value: Any, numeric: bool, where: Where, diags: Diagnostics) -> Any:
    """A cell value as the YAML loader would have typed it: Decimal, or text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # A binary float's shortest repr is the number as typed; whole numbers lose the ".0" Excel never shows.
        if not math.isfinite(value):  # a number beyond what a float holds: the limits stage says so (V510)
            return Decimal("-Infinity") if value < 0 else Decimal("Infinity")
        if value.is_integer() and abs(value) < 1e15:
            return Decimal(int(value))
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, (dt.datetime, dt.date)):
        text = f"{value.year}年{value.month}月{value.day}日"
        diags.add("I805", where, value=value.strftime("%Y-%m-%d"), text=text)
        return text
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]  # our own formula-injection guard
    if numeric and text:
        typed, _ = type_plain_scalar(text)
        return typed
    return text
