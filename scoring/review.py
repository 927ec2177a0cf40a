"""Review a table's own scores: every place where what it says differs from what the rules say.

`jixiao review` runs the ordinary pipeline and keeps the diagnostics that are discrepancies (a score above its
weight, a given score that is not the rule's, totals and weights that do not add up, missing reasons, values that
could not be verified) as findings: every error and warning except those about how targets were set.  Every check lives in the check stage, so `score`, `check`, `review` and `batch` see the same
findings; each diagnostic carries its subject and its two numbers (`About`): `given` is what the table says,
`expected` what the rules give.  Review only filters and formats.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .diagnostics import ERROR, INFO, SEVERITY_LABEL, WARNING, Diagnostic, Where, make
from .display import strip_invisible, terminal_safe
from .engine import RowResult, ScoreResult
from .model import Submission
from .numbers import fmt_short
from .paths import where as locate
from .pipeline import FileOutcome, Pipeline

BUDGET_LABEL = "预算执行率"
TOTAL_LABEL = "总分"

# Diagnostics that are discrepancies between the table and the rules; every error is a finding too.
ROW_CODES = frozenset({"G601", "G602", "G603", "G604", "G608", "G612", "G613", "G614", "W407", "D701", "D704"})
TABLE_CODES = frozenset({"G609", "G610", "G611", "D703", "W401", "W402", "W410", "V516"})
# Warnings about how the target was set, not about the table's scores: `score` and `check` show them.
NOT_DISCREPANCIES = frozenset({"D702", "D705"})

XLSX_SHEET = "核对结果"
XLSX_HEADS = ["文件", "代码", "级别", "指标", "自评得分", "应得分", "说明", "位置"]
XLSX_WIDTHS = [36, 8, 6, 24, 10, 10, 60, 40]
CLEAN = "未发现不一致"

_ROW_FIELDS = (None, "given_score", "reason", "weight", "actual", "target", "adjusted_target", "level1", "level2",
               "name", "grade", "rule", "evaluator_judgement", "not_applicable", "sign", "unit", "inputs", "measures")
_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass
class Finding:
    """One discrepancy: the diagnostic plus the indicator it concerns and the two numbers."""
    diagnostic: Diagnostic
    indicator: str = ""
    given: Decimal | None = None
    expected: Decimal | None = None

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def severity(self) -> str:
        return self.diagnostic.severity

    @property
    def message(self) -> str:
        return self.diagnostic.message

    @property
    def location(self) -> str:
        return self.diagnostic.location()

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "indicator": self.indicator,
            "given": _num(self.given),
            "expected": _num(self.expected),
            "location": self.location,
        }


@dataclass
class FileReview:
    file: str
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def has_problems(self) -> bool:
        """An error or a warning: the table needs correcting or explaining."""
        return any(f.severity in (ERROR, WARNING) for f in self.findings)

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_json(self) -> dict:
        return {"file": self.file, "findings": [f.to_json() for f in self.findings]}


def _num(value: Decimal | None) -> str | None:
    return None if value is None else fmt_short(value)


# -- reviewing ---------------------------------------------------------------------------------------

def review_paths(paths, set_dirs=(), default_set: str = "mof-project") -> list[FileReview]:
    """Review each file in order with one shared pipeline."""
    pipeline = Pipeline(set_dirs, default_set)
    return [review_path(path, pipeline) for path in paths]


def review_path(path, pipeline: Pipeline | None = None) -> FileReview:
    from .lint import is_set_file

    if is_set_file(path):
        return FileReview(str(path), [Finding(make("B903", Where(file=str(path))))])
    return review_outcome((pipeline or Pipeline()).run(path))


def review_outcome(outcome: FileOutcome) -> FileReview:
    """The findings of one pipeline run, sorted like diagnostics (by place, then severity)."""
    result, sub, iset = outcome.result, outcome.submission, outcome.set
    if result is None or sub is None or iset is None:
        # Not scored at all: what stopped it is the finding.
        findings = [Finding(d, d.path) for d in outcome.diagnostics if d.severity == ERROR]
        return FileReview(outcome.file, _sorted(findings))
    rows = _RowIndex(result, sub)
    findings: list[Finding] = []
    for d in outcome.diagnostics:
        # Every error and warning is a finding (a value jixiao could not verify leaves the printed score
        # unchecked); information only where it is a discrepancy (G603).
        if d.code in NOT_DISCREPANCIES or not (d.severity in (ERROR, WARNING) or d.code in ROW_CODES):
            continue
        if d.about is not None:
            findings.append(Finding(d, d.about.subject, d.about.given, d.about.expected))
        else:
            findings.append(_row_finding(d, rows.find(d)))
    return FileReview(outcome.file, _sorted(findings))


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.diagnostic.line if f.diagnostic.line is not None else 10**9,
                                           f.diagnostic.col or 0, _SEVERITY_ORDER[f.severity]))


class _RowIndex:
    """Which row a diagnostic is about, by its exact place (row fields) or its breadcrumb."""

    def __init__(self, result: ScoreResult, sub: Submission):
        self.places: dict[tuple, RowResult] = {}
        self.crumbs: list[tuple[str, int, RowResult]] = []
        for r in result.rows:
            for name in _ROW_FIELDS:
                w = locate(sub.doc, r.row.path, name)
                self.places.setdefault((w.line, w.col, w.path, w.sheet), r)
            w = locate(sub.doc, r.row.path)
            self.crumbs.append((w.path, w.line if w.line is not None else 0, r))

    def find(self, d: Diagnostic) -> RowResult | None:
        exact = self.places.get((d.line, d.col, d.path, d.sheet))
        if exact is not None:
            return exact
        inside = [(line, r) for crumb, line, r in self.crumbs if crumb and d.path.startswith(crumb + " > ")]
        if not inside:
            return None
        before = [(line, r) for line, r in inside if d.line is None or line <= d.line]
        return max(before or inside, key=lambda item: item[0])[1]


def _row_finding(d: Diagnostic, row: RowResult | None) -> Finding:
    if row is None:
        return Finding(d, _place_label(d))
    if d.code == "W407":  # the table's weight against the set's fixed one
        return Finding(d, row.name, row.row.weight, row.weight)
    if d.code in ROW_CODES:
        return Finding(d, row.name, row.given, row.rule_score if row.rule_score is not None else row.score)
    return Finding(d, row.name)


def _place_label(d: Diagnostic) -> str:
    if d.path.startswith("预算执行情况"):
        return BUDGET_LABEL
    if d.path == "总分":
        return TOTAL_LABEL
    return d.path


# -- output ---------------------------------------------------------------------------------------------------

def _counts(errors: int, warnings: int, infos: int) -> str:
    return f"错误 {errors} 处，警告 {warnings} 处，提示 {infos} 处"


def finding_line(f: Finding) -> str:
    indicator = f" 「{f.indicator}」" if f.indicator else ""
    return f"  {f.code} {SEVERITY_LABEL[f.severity]}{indicator} {f.message}（{f.location}）"


def render_text(reviews: list[FileReview]) -> str:
    lines: list[str] = []
    for review in reviews:
        lines.append(f"== {review.file}")
        if not review.findings:
            lines.append(f"  {CLEAN}")
        else:
            lines.extend(finding_line(f) for f in review.findings)
            lines.append(f"  共 {len(review.findings)} 处："
                         f"{_counts(review.count(ERROR), review.count(WARNING), review.count(INFO))}")
        lines.append("")
    total = sum(len(r.findings) for r in reviews)
    clean = sum(1 for r in reviews if not r.findings)
    summary = (f"合计：{len(reviews)} 个文件，{total} 处（"
               f"{_counts(*(sum(r.count(s) for r in reviews) for s in (ERROR, WARNING, INFO)))}）")
    if clean:
        summary += f"；{clean} 个文件{CLEAN}"
    lines.append(summary)
    return strip_invisible("\n".join(lines) + "\n")  # names and places quote the table: no control characters


def render_json(reviews: list[FileReview]) -> str:
    """Always a list, one object per file; numbers are decimal strings.  Invisible characters are written as
    \\u escapes: the same JSON data, nothing a terminal or editor would act on."""
    return terminal_safe(json.dumps([r.to_json() for r in reviews], ensure_ascii=False, indent=2)) + "\n"


def render_xlsx(reviews: list[FileReview]) -> bytes:
    """One sheet 核对结果: a row per finding (a clean file gets one row saying so); bold, frozen header."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from .render.xlsx import FONT_NAME, safe_text
    from .render.zipfix import workbook_bytes

    wb = Workbook()
    ws = wb.active
    ws.title = XLSX_SHEET
    font, bold = Font(name=FONT_NAME, size=10), Font(name=FONT_NAME, size=10, bold=True)
    wrap = Alignment(vertical="top", wrap_text=True)

    def put(row: int, col: int, value) -> None:
        cell = ws.cell(row=row, column=col)
        if isinstance(value, Decimal):
            cell.value = value
        elif value:
            cell.value = safe_text(ILLEGAL_CHARACTERS_RE.sub("", strip_invisible(str(value))))
            cell.data_type = "s"
        cell.font = bold if row == 1 else font
        if row > 1:
            cell.alignment = wrap

    for col, head in enumerate(XLSX_HEADS, start=1):
        put(1, col, head)
    row = 2
    for review in reviews:
        if not review.findings:
            put(row, 1, review.file)
            put(row, 7, CLEAN)
            row += 1
        for f in review.findings:
            values = [review.file, f.code, SEVERITY_LABEL[f.severity], f.indicator, f.given, f.expected, f.message,
                      f.location]
            for col, value in enumerate(values, start=1):
                put(row, col, value)
            row += 1
    for col, width in enumerate(XLSX_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_HEADS))}{max(row - 1, 1)}"
    return workbook_bytes(wb)


def is_input(output: Path, inputs) -> bool:
    """Whether `output` names one of the input files (never write over an input)."""
    target = Path(output).resolve()
    return any(Path(p).resolve() == target for p in inputs)


def exit_code(reviews: list[FileReview]) -> int:
    """1 when any finding is an error or a warning, else 0."""
    return 1 if any(r.has_problems for r in reviews) else 0
