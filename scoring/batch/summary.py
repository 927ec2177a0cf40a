"""The batch summary: aggregates over a stream of `FileRecord`s.

`Summary.add` folds one record in and forgets it, so memory grows with the
number of distinct departments and submissions (the duplicate check keeps a
16-byte digest and the first file name per distinct key), never with the
records themselves; distinct indicator names are capped at MAX_INDICATORS.
The per-project list is not kept here: `project_row` turns a record into one
CSV line the runner streams to disk and hands back to `summary_xlsx` later.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from ..numbers import ZERO, quantize
from ..safetext import safe_text
from .record import FAILED, IGNORED, SCORED, UNSCORED, Discrepancy, FileRecord

TOP_N = 20
UNFILLED_DEPARTMENT = "未填主管部门"
# Indicator names are free text, so their number grows with the batch; past this
# many the smallest totals are dropped and the ranking is marked approximate.
MAX_INDICATORS = 20_000

# 优秀/良好 are the same grades as 优/良 in the 决算公开 sentence; tables keep the label as printed.
CANONICAL_GRADES = ("优", "良", "中", "差")
_GRADE_ALIASES = {"优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "差": "差"}

# Score bins of the distribution chart: [low, high), the last one closed so 100 falls in it.
BINS = ((Decimal(0), Decimal(60)), (Decimal(60), Decimal(70)), (Decimal(70), Decimal(80)),
        (Decimal(80), Decimal(90)), (Decimal(90), Decimal(100)))
FULL_MARKS = Decimal(100)

STATUS_LABELS = {SCORED: "已计分", UNSCORED: "不计分", FAILED: "未能计分", IGNORED: "已忽略"}
PROJECT_COLUMNS = ["文件", "单位", "主管部门", "项目", "年度", "指标体系", "资金（万元）", "计算总分", "表中总分", "差额",
                   "等级", "错误", "警告", "状态"]
# Columns of `project_row` that hold numbers (written back as numbers in summary.xlsx).
DECIMAL_COLUMNS = frozenset({"资金（万元）", "计算总分", "表中总分", "差额"})
INTEGER_COLUMNS = frozenset({"错误", "警告"})


def canonical_grade(label: str | None) -> str | None:
    """优秀 → 优, 良好 → 良; a label outside 优良中差 → None."""
    return _GRADE_ALIASES.get(label) if label else None


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _money(value: Decimal) -> str:
    return format(quantize(value, 2), "f")


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


@dataclass(frozen=True)
class GradeRow:
    label: str
    count: int
    funds: Decimal


@dataclass(frozen=True)
class DepartmentRow:
    name: str
    tables: int
    scored: int
    unscored: int
    failed: int
    funds: Decimal
    mean_total: Decimal | None      # quantized to 2 places, None when nothing was scored
    grades: dict[str, int]          # label → count, only labels with a count


@dataclass(frozen=True)
class Bin:
    label: str                      # 「60–70」
    low: Decimal
    high: Decimal
    count: int


@dataclass(frozen=True)
class IndicatorLoss:
    level1: str
    level2: str
    name: str
    lost: Decimal                   # points lost over all tables
    tables: int                     # tables losing points on it
    mean: Decimal                   # lost / tables, 2 places


@dataclass(frozen=True)
class GapEntry:
    file: str
    unit: str
    project: str
    year: str
    total: Decimal | None
    printed_total: Decimal | None
    gap: Decimal | None             # printed − computed
    discrepancies: tuple[Discrepancy, ...]

    @property
    def rank_key(self):
        spread = sum((abs(d.given - d.rule) for d in self.discrepancies), ZERO)
        return (-abs(self.gap or ZERO), -spread, self.file)


@dataclass(frozen=True)
class Duplicate:
    file: str
    earlier: str
    key: tuple[str, str, str]       # normalised unit, project, year


@dataclass
class _Department:
    name: str
    tables: int = 0
    scored: int = 0
    unscored: int = 0
    failed: int = 0
    funds: Decimal = ZERO
    total_sum: Decimal = ZERO
    totals: int = 0
    grades: dict[str, int] = field(default_factory=dict)


@dataclass
class _Indicator:
    level1: str
    level2: str
    name: str
    lost: Decimal = ZERO
    tables: int = 0


class Summary:
    """Aggregates of a batch.  Feed records with `add`; read the results from the methods."""

    def __init__(self, top_n: int = TOP_N):
        self.top_n = top_n
        self.inputs = self.scored = self.unscored = self.failed = self.ignored = 0
        self.with_errors = self.with_warnings = 0
        self.scored_funds = ZERO
        self.scored_without_funds = 0   # scored tables that name no budget: left out of the money sum
        self.full_marks = 0             # totals of exactly 100 (counted in the last bin too)
        self.out_of_range = 0           # totals below 0 or above 100 (counted in the first/last bin)
        self.indicators_approximate = False
        self.duplicates: list[Duplicate] = []
        self.duplicate_scored = 0       # scored repeats of an earlier submission: left out of every figure
        self._grades: dict[str, list] = {}          # label → [count, funds]
        self._departments: dict[str, _Department] = {}
        self._bins = [0] * len(BINS)
        self._indicators: dict[tuple[str, str, str], _Indicator] = {}
        self._gaps: list[GapEntry] = []
        self._seen: dict[bytes, str] = {}             # digest of a submission key → first file with it

    # -- feeding ---------------------------------------------------------------------------

    def add(self, record: FileRecord) -> str | None:
        """Fold one record in; return the earlier file's name when it repeats an earlier submission."""
        self.inputs += 1
        if record.status == IGNORED:  # a lock or hidden file: listed, counted, in no figure
            self.ignored += 1
            return None
        if record.status == SCORED:
            self.scored += 1
        elif record.status == UNSCORED:
            self.unscored += 1
        else:
            self.failed += 1
        self.with_errors += record.errors > 0
        self.with_warnings += record.warnings > 0
        earlier = self._check_duplicate(record)
        if earlier is not None:
            # The same project twice must not count twice in the figures the bureau publishes.
            self.duplicate_scored += record.status == SCORED
            return earlier
        if record.status == SCORED:
            self._add_scored(record)
        self._add_department(record)
        self._add_gap(record)
        return None

    def _add_scored(self, record: FileRecord) -> None:
        if record.funds is None:
            self.scored_without_funds += 1
        else:
            self.scored_funds += record.funds
        if record.grade:
            slot = self._grades.setdefault(record.grade, [0, ZERO])
            slot[0] += 1
            slot[1] += record.funds or ZERO
        if record.total is not None:
            self._bins[_bin_index(record.total)] += 1
            self.full_marks += record.total == FULL_MARKS
            self.out_of_range += not (ZERO <= record.total <= FULL_MARKS)
        for loss in record.losses:
            key = (_norm(loss.level1), _norm(loss.level2), _norm(loss.name))
            entry = self._indicators.get(key)
            if entry is None:
                entry = self._indicators[key] = _Indicator(loss.level1, loss.level2, loss.name)
            elif (loss.name, loss.level1, loss.level2) < (entry.name, entry.level1, entry.level2):
                # Spellings differing in width or spaces: show the same one whatever the order of arrival.
                entry.level1, entry.level2, entry.name = loss.level1, loss.level2, loss.name
            entry.lost += loss.lost
            entry.tables += 1
        if len(self._indicators) > MAX_INDICATORS:
            self._prune_indicators()

    def _prune_indicators(self) -> None:
        keep = sorted(self._indicators.items(), key=lambda kv: (-kv[1].lost, kv[0]))[:MAX_INDICATORS // 2]
        self._indicators = dict(keep)
        self.indicators_approximate = True

    def _add_department(self, record: FileRecord) -> None:
        shown = record.department.strip() or UNFILLED_DEPARTMENT
        key = _norm(shown)
        dept = self._departments.get(key)
        if dept is None:
            dept = self._departments[key] = _Department(shown)
        elif shown < dept.name:
            dept.name = shown
        dept.tables += 1
        if record.status == SCORED:
            dept.scored += 1
            if record.total is not None:
                dept.total_sum += record.total
                dept.totals += 1
            if record.grade:
                dept.grades[record.grade] = dept.grades.get(record.grade, 0) + 1
        elif record.status == UNSCORED:
            dept.unscored += 1
        else:
            dept.failed += 1
        if record.funds is not None:
            dept.funds += record.funds

    def _add_gap(self, record: FileRecord) -> None:
        gap = record.gap
        if not record.discrepancies and not gap:
            return
        entry = GapEntry(record.file, record.unit, record.project, record.year, record.total,
                         record.printed_total, gap, tuple(record.discrepancies))
        if len(self._gaps) == self.top_n and entry.rank_key >= self._gaps[-1].rank_key:
            return
        self._gaps.append(entry)
        self._gaps.sort(key=lambda e: e.rank_key)
        del self._gaps[self.top_n:]

    def _check_duplicate(self, record: FileRecord) -> str | None:
        key = record.key
        if key is None:
            return None
        digest = hashlib.blake2b("\x1f".join(key).encode("utf-8"), digest_size=16).digest()
        earlier = self._seen.get(digest)
        if earlier is None:
            self._seen[digest] = record.file
            return None
        self.duplicates.append(Duplicate(record.file, earlier, key))
        return earlier

    # -- results ---------------------------------------------------------------------------

    def grade_labels(self) -> list[str]:
        """Grade labels in table order: 优(秀), 良(好), 中, 差, then any other label by name.
        A canonical grade no label stands for is listed with a count of 0."""
        labels = set(self._grades)
        covered = {canonical_grade(label) for label in labels}
        labels |= {g for g in CANONICAL_GRADES if g not in covered}
        return sorted(labels, key=_grade_order)

    def grades(self) -> list[GradeRow]:
        rows = []
        for label in self.grade_labels():
            count, funds = self._grades.get(label, (0, ZERO))
            rows.append(GradeRow(label, count, funds))
        return rows

    def grade_counts(self) -> dict[str, int]:
        """Scored tables per canonical grade 优/良/中/差 (优秀 counted as 优, 良好 as 良)."""
        counts = dict.fromkeys(CANONICAL_GRADES, 0)
        for label, (count, _funds) in self._grades.items():
            grade = canonical_grade(label)
            if grade:
                counts[grade] += count
        return counts

    def sentence(self) -> str:
        """The 决算公开 sentence, e.g. 共3个项目开展绩效自评，涉及资金1234.56万元，其中优2个、良1个、中0个、差0个."""
        c = self.grade_counts()
        return (f"共{self.scored - self.duplicate_scored}个项目开展绩效自评，涉及资金{_money(self.scored_funds)}万元，"
                f"其中优{c['优']}个、良{c['良']}个、中{c['中']}个、差{c['差']}个")

    def departments(self) -> list[DepartmentRow]:
        rows = []
        for key in sorted(self._departments, key=lambda k: (k == _norm(UNFILLED_DEPARTMENT), k)):
            d = self._departments[key]
            mean = quantize(d.total_sum / d.totals, 2) if d.totals else None
            rows.append(DepartmentRow(d.name, d.tables, d.scored, d.unscored, d.failed, d.funds, mean, dict(d.grades)))
        return rows

    def distribution(self) -> list[Bin]:
        return [Bin(f"{low}–{high}", low, high, count) for (low, high), count in zip(BINS, self._bins)]

    def top_losses(self) -> list[IndicatorLoss]:
        ranked = sorted(self._indicators.values(), key=lambda e: (-e.lost, e.name, e.level1, e.level2))
        return [IndicatorLoss(e.level1, e.level2, e.name, e.lost, e.tables, quantize(e.lost / e.tables, 2))
                for e in ranked[:self.top_n]]

    def top_gaps(self) -> list[GapEntry]:
        """Tables whose given scores differ most from the rule scores: largest |printed − computed total| first,
        then the largest row differences."""
        return list(self._gaps)


def _bin_index(total: Decimal) -> int:
    for i, (_low, high) in enumerate(BINS[:-1]):
        if total < high:
            return i
    return len(BINS) - 1


def _grade_order(label: str):
    grade = canonical_grade(label)
    if grade:
        return (CANONICAL_GRADES.index(grade), label != grade, label)
    return (len(CANONICAL_GRADES), False, label)


def project_row(record: FileRecord) -> list[str]:
    """One line of the per-project list, in `PROJECT_COLUMNS` order.  Text is already neutralised
    with `safe_text` (safe for CSV and Excel; applying it again changes nothing); numbers are plain
    decimal strings, empty when unknown."""
    text = [safe_text(str(x)) for x in (record.file, record.unit, record.department, record.project,
                                        record.year, record.set_id)]
    numbers = [_plain(record.funds), _plain(record.total), _plain(record.printed_total), _plain(record.gap)]
    return text + numbers + [safe_text(record.grade or ""), str(record.errors), str(record.warnings),
                             STATUS_LABELS.get(record.status, record.status)]


__all__ = ["Summary", "GradeRow", "DepartmentRow", "Bin", "IndicatorLoss", "GapEntry", "Duplicate",
           "PROJECT_COLUMNS", "DECIMAL_COLUMNS", "INTEGER_COLUMNS", "STATUS_LABELS", "UNFILLED_DEPARTMENT",
           "TOP_N", "BINS", "project_row", "canonical_grade"]
