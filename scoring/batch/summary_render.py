"""summary.html (Jinja, with an SVG chart drawn by our own template) and summary.xlsx (openpyxl, streamed).

Numbers are formatted here (ROUND_HALF_UP) so the templates only place text;
everything that came from a submission is escaped by Jinja's autoescape in
HTML and neutralised by `safe_text` in Excel.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..display import strip_invisible
from ..numbers import fmt_short, quantize
from ..render.xlsx import FONT_NAME, safe_text
from ..render.zipfix import workbook_bytes
from .summary import DECIMAL_COLUMNS, INTEGER_COLUMNS, PROJECT_COLUMNS, GapEntry, Summary

DEFAULT_TITLE = "绩效自评批量计分汇总"
CHART_TITLE = "计算总分分布（已计分的表）"
ERRORS_FILE = "errors.csv"
PROJECTS_FILE = "projects.csv"

COUNT_LABELS = ("输入文件", "已计分", "不计分（完成/未完成）", "未能计分", "已忽略（隐藏文件、锁定文件等）", "有错误的文件",
                "有警告的文件", "重复报送")
DEPARTMENT_HEADS = ["主管部门", "表数", "已计分", "不计分", "未能计分", "资金（万元）", "平均分"]
LOSS_HEADS = ["排名", "一级指标", "二级指标", "三级指标", "失分合计", "失分表数", "平均失分"]
GAP_HEADS = ["文件", "单位", "项目", "年度", "计算总分", "表中总分", "差额", "指标", "自评得分", "规则得分"]
DUPLICATE_HEADS = ["文件", "与之重复的文件", "单位", "项目", "年度"]
GRADE_HEADS = ["等级", "表数", "资金（万元）"]
SHEETS = ("汇总", "部门", "失分指标", "自评差异", "重复报送", "项目清单")


def _money(value: Decimal | None) -> str:
    return "" if value is None else format(quantize(value, 2), "f")


def _score(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _signed(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text if value <= 0 else "+" + text


def counts(summary: Summary) -> list[tuple[str, int]]:
    values = (summary.inputs, summary.scored, summary.unscored, summary.failed, summary.ignored, summary.with_errors,
              summary.with_warnings, len(summary.duplicates))
    return list(zip(COUNT_LABELS, values))


def problem_note(summary: Summary) -> str:
    """A pointer at errors.csv when some file failed or has errors; empty otherwise."""
    parts = []
    if summary.failed:
        parts.append(f"{summary.failed} 个文件未能计分")
    if summary.with_errors:
        parts.append(f"{summary.with_errors} 个文件有错误")
    if not parts:
        return ""
    return "，".join(parts) + f"，逐条问题见 {ERRORS_FILE}（文件、编号、位置、说明、修改建议）。"


def notes(summary: Summary) -> list[str]:
    """Caveats printed under the sentence."""
    out = []
    if summary.duplicates:
        out.append(f"有 {len(summary.duplicates)} 个文件与先前的文件是同一单位、项目、年度（见「重复报送」），"
                   "重复的文件未计入各项统计；请核实哪一份有效。")
    if summary.scored_without_funds:
        out.append(f"{summary.scored_without_funds} 个已计分的表没有填写预算数，其资金未计入合计。")
    if summary.out_of_range:
        out.append(f"{summary.out_of_range} 个表的计算总分不在 0–100 之间，已计入最低或最高分段。")
    if summary.indicators_approximate:
        out.append("失分指标种类过多，只保留失分最多的部分，排名为近似值。")
    return out


# -- the chart ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartBar:
    label: str
    count: int
    x: int
    y: int
    width: int
    height: int
    center: int


@dataclass(frozen=True)
class ChartTick:
    value: int
    y: int


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int            # y of the x axis
    bars: list[ChartBar]
    ticks: list[ChartTick]
    full_marks: int
    empty: bool


def _tick_step(peak: int) -> int:
    """1, 2, 5, 10, 20, 50 … so that the axis has at most five steps."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if peak <= step * factor * 5:
                return step * factor
        step *= 10


def _scaled(count: int, top: int, length: int) -> int:
    """count / top × length, rounded half up, in integers (pixels need no Decimal, but no float either)."""
    return (2 * count * length + top) // (2 * top)


def build_chart(summary: Summary, width: int = 640, height: int = 320) -> Chart:
    left, right, top, bottom = 56, width - 16, 48, height - 48
    bins = summary.distribution()
    peak = max((b.count for b in bins), default=0)
    step = _tick_step(max(peak, 1))
    axis_top = step * -(-max(peak, 1) // step)
    plot = bottom - top
    slot = (right - left) // len(bins)
    bar_width = slot * 3 // 5
    bars = []
    for i, b in enumerate(bins):
        h = _scaled(b.count, axis_top, plot)
        x = left + i * slot + (slot - bar_width) // 2
        bars.append(ChartBar(b.label, b.count, x, bottom - h, bar_width, h, x + bar_width // 2))
    ticks = [ChartTick(v, bottom - _scaled(v, axis_top, plot)) for v in range(0, axis_top + 1, step)]
    return Chart(CHART_TITLE, width, height, left, right, top, bottom, bars, ticks, summary.full_marks, peak == 0)


# -- HTML --------------------------------------------------------------------------------------

def _gap_view(entry: GapEntry) -> dict:
    return {
        "file": entry.file, "unit": entry.unit, "project": entry.project, "year": entry.year,
        "total": _score(entry.total), "printed_total": _score(entry.printed_total), "gap": _signed(entry.gap),
        "rows": [{"indicator": d.indicator, "given": fmt_short(d.given), "rule": fmt_short(d.rule),
                  "difference": _signed(d.given - d.rule)} for d in entry.discrepancies],
    }


def html_context(summary: Summary, title: str) -> dict:
    labels = summary.grade_labels()
    return {
        "title": title,
        "sentence": summary.sentence(),
        "counts": counts(summary),
        "problem_note": problem_note(summary),
        "errors_file": ERRORS_FILE,
        "notes": notes(summary),
        "grade_labels": labels,
        "grades": [{"label": g.label, "count": g.count, "funds": _money(g.funds)} for g in summary.grades()],
        "scored_funds": _money(summary.scored_funds),
        "scored": summary.scored,
        "chart": build_chart(summary),
        "departments": [{"name": d.name, "tables": d.tables, "scored": d.scored, "unscored": d.unscored,
                         "failed": d.failed, "funds": _money(d.funds), "mean": _money(d.mean_total),
                         "grades": [d.grades.get(label, 0) for label in labels]} for d in summary.departments()],
        "losses": [{"level1": x.level1, "level2": x.level2, "name": x.name, "lost": _money(x.lost),
                    "tables": x.tables, "mean": _money(x.mean)} for x in summary.top_losses()],
        "gaps": [_gap_view(e) for e in summary.top_gaps()],
        "duplicates": [{"file": d.file, "earlier": d.earlier, "unit": d.key[0], "project": d.key[1],
                        "year": d.key[2]} for d in summary.duplicates],
        "top_n": summary.top_n,
    }


def summary_html(summary: Summary, title: str = DEFAULT_TITLE, templates_dir=None) -> str:
    """The whole summary as one self-contained HTML page (inline CSS and SVG)."""
    from ..render.templating import render_template

    return render_template("html", "summary.html.j2", templates_dir, **_visible(html_context(summary, title)))


def _visible(node):
    """The context without invisible control, bidi and zero-width characters in any of its texts (file names,
    units, projects...); the chart is drawn from numbers and is left as it is."""
    if isinstance(node, str):
        return strip_invisible(node)
    if isinstance(node, dict):
        return {key: _visible(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_visible(value) for value in node]
    return node


# -- Excel -------------------------------------------------------------------------------------

def _number(text: str, integer: bool = False):
    """A number column of the streamed project list back as a number; anything else stays text."""
    if not text:
        return None
    try:
        return int(text) if integer else Decimal(text)
    except (ValueError, InvalidOperation):
        return text


_TITLE = Font(name=FONT_NAME, size=14, bold=True)
_BOLD = Font(name=FONT_NAME, size=10, bold=True)
_FILL = PatternFill("solid", fgColor="D9D9D9")


class _SheetWriter:
    """Rows into a write-only sheet: Decimals as numbers, text neutralised, header row styled.
    Body cells are plain values (text already neutralised, so openpyxl never sees a leading '=');
    styling every cell of a 10,000-line list would cost more than the rest of the batch summary."""

    def __init__(self, wb, title: str, widths: Iterable[int]):
        self.ws = wb.create_sheet(title)
        for c, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(c)].width = width

    def _styled(self, value, font=None, fill=None, number_format: str = ""):
        cell = WriteOnlyCell(self.ws, value=value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if number_format:
            cell.number_format = number_format
        return cell

    def title(self, text: str) -> None:
        self.ws.append([self._styled(_text(text), _TITLE)])

    def head(self, names: Iterable[str]) -> None:
        self.ws.append([self._styled(_text(n), _BOLD, _FILL) for n in names])

    def row(self, values: Iterable, number_format: str = "") -> None:
        out = []
        for value in values:
            if isinstance(value, str):
                out.append(_text(value))
            elif isinstance(value, Decimal) and number_format:
                out.append(self._styled(value, number_format=number_format))
            else:
                out.append(value)
        self.ws.append(out)


def _text(value: str) -> str | None:
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("", strip_invisible(value))) or None


def _money_value(value: Decimal | None) -> Decimal | None:
    return None if value is None else quantize(value, 2)


def summary_xlsx(summary: Summary, project_rows: Iterable[list[str]]) -> bytes:
    """summary.xlsx: 汇总, 部门, 失分指标, 自评差异, 重复报送, 项目清单 (the last streamed from `project_rows`,
    lines as `project_row` made them, so memory stays flat)."""
    wb = Workbook(write_only=True)
    labels = summary.grade_labels()

    sheet = _SheetWriter(wb, SHEETS[0], [24, 14, 16])
    sheet.title(DEFAULT_TITLE)
    sheet.row([summary.sentence()])
    for note in ([problem_note(summary)] if problem_note(summary) else []) + notes(summary):
        sheet.row([note])
    sheet.row([])
    for label, value in counts(summary):
        sheet.row([label, value])
    sheet.row([])
    sheet.head(GRADE_HEADS)
    for g in summary.grades():
        sheet.row([g.label, g.count, _money_value(g.funds)], "0.00")
    sheet.row(["合计（已计分）", summary.scored, _money_value(summary.scored_funds)], "0.00")

    sheet = _SheetWriter(wb, SHEETS[1], [30, 8, 8, 8, 8, 14, 10] + [8] * len(labels))
    sheet.ws.freeze_panes = "B2"
    sheet.head(DEPARTMENT_HEADS + labels)
    for d in summary.departments():
        sheet.row([d.name, d.tables, d.scored, d.unscored, d.failed, _money_value(d.funds), d.mean_total]
                  + [d.grades.get(label, 0) for label in labels], "0.00")

    sheet = _SheetWriter(wb, SHEETS[2], [6, 14, 14, 30, 10, 10, 10])
    sheet.ws.freeze_panes = "A2"
    sheet.head(LOSS_HEADS)
    for rank, x in enumerate(summary.top_losses(), 1):
        sheet.row([rank, x.level1, x.level2, x.name, x.lost, x.tables, x.mean], "0.00")

    sheet = _SheetWriter(wb, SHEETS[3], [30, 30, 24, 8, 10, 10, 10, 24, 10, 10])
    sheet.ws.freeze_panes = "A2"
    sheet.head(GAP_HEADS)
    for e in summary.top_gaps():
        left = [e.file, e.unit, e.project, e.year, e.total, e.printed_total, e.gap]
        for d in e.discrepancies or [None]:
            sheet.row(left + ([d.indicator, d.given, d.rule] if d else ["", None, None]))

    sheet = _SheetWriter(wb, SHEETS[4], [30, 30, 30, 24, 8])
    sheet.ws.freeze_panes = "A2"
    sheet.head(DUPLICATE_HEADS)
    for d in summary.duplicates:
        sheet.row([d.file, d.earlier, *d.key])

    widths = {"文件": 30, "单位": 30, "主管部门": 24, "项目": 24, "指标体系": 18}
    sheet = _SheetWriter(wb, SHEETS[5], [widths.get(name, 10) for name in PROJECT_COLUMNS])
    sheet.ws.freeze_panes = "B2"
    sheet.head(PROJECT_COLUMNS)
    kinds = [(name in DECIMAL_COLUMNS, name in INTEGER_COLUMNS) for name in PROJECT_COLUMNS]
    for line in project_rows:
        values = [_number(text, integer) if (decimal or integer) else text
                  for text, (decimal, integer) in zip(line, kinds)]
        sheet.row(values)

    return workbook_bytes(wb)


__all__ = ["summary_html", "summary_xlsx", "html_context", "build_chart", "Chart", "ChartBar", "ChartTick",
           "DEFAULT_TITLE", "SHEETS", "ERRORS_FILE"]
