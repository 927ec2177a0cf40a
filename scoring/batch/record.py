"""One input file of a batch, boiled down to what the summary needs.

Workers send a `FileRecord` back to the parent instead of the whole result, so
the parent holds aggregates, not 10,000 scored tables.  Everything here is
picklable and small.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from ..diagnostics import ERROR, WARNING

SCORED, UNSCORED, FAILED, IGNORED = "scored", "unscored", "failed", "ignored"


@dataclass
class RowLoss:
    level1: str
    level2: str
    name: str
    weight: Decimal
    lost: Decimal  # weight - score, > 0


@dataclass
class Discrepancy:
    indicator: str
    given: Decimal
    rule: Decimal


@dataclass
class FileRecord:
    file: str                       # the input path as the user named it (relative to the input root)
    status: str = FAILED            # scored | unscored (a set that prints 完成/未完成 only) | failed | ignored (B904)
    set_id: str = ""
    unit: str = ""
    department: str = ""
    project: str = ""
    year: str = ""
    total: Decimal | None = None
    grade: str | None = None
    printed_total: Decimal | None = None
    funds: Decimal | None = None    # 万元: 全年预算数, else 调整后预算数, else 年初预算数
    executed: Decimal | None = None
    losses: list[RowLoss] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    problems: list = field(default_factory=list)         # its errors (Diagnostic), and batch findings B9xx, for errors.csv
    outputs: list[str] = field(default_factory=list)     # written result files, relative to OUTDIR
    crash: str = ""                                       # traceback when our code failed on this file

    @property
    def key(self) -> tuple[str, str, str] | None:
        """Unit, project and year, normalised: two files with the same key are the same submission."""
        if not (self.unit and self.year):
            return None
        return tuple(_norm(x) for x in (self.unit, self.project, self.year))

    @property
    def gap(self) -> Decimal | None:
        """Printed total − rule total; None when either is missing."""
        if self.printed_total is None or self.total is None:
            return None
        return self.printed_total - self.total


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _budget_funds(sub) -> tuple[Decimal | None, Decimal | None]:
    budget = getattr(sub, "budget", None)
    if budget is None:
        return None, None
    funds = next((v for v in (budget.annual, budget.adjusted, budget.initial) if v is not None), None)
    return funds, budget.executed


def record_from_outcome(outcome, name: str) -> FileRecord:
    """Boil a `FileOutcome` down to a record; `name` is how the file is shown in the summary."""
    from ..engine import _consistent

    rec = FileRecord(file=name)
    for d in outcome.diagnostics:
        if d.severity == ERROR:
            rec.errors += 1
        elif d.severity == WARNING:
            rec.warnings += 1
        if d.severity == ERROR:  # warnings are only counted: records cross process boundaries, keep them small
            rec.problems.append(d)
    sub = outcome.submission
    if sub is not None:
        rec.set_id = sub.set_id
        rec.unit = sub.unit or ""
        rec.department = str(sub.data.get("department") or "")
        rec.project = str(sub.data.get("project") or "")
        rec.year = str(sub.data.get("year") or "")
        rec.printed_total = sub.total
        rec.funds, rec.executed = _budget_funds(sub)
    result = outcome.result
    if result is None:
        return rec
    rec.status = SCORED if result.scored else UNSCORED
    rec.total = result.total if result.scored else None
    rec.grade = result.grade
    for row in result.rows:
        if row.weight is not None and row.score is not None and row.score < row.weight:
            rec.losses.append(RowLoss(row.level1, row.level2, row.name, row.weight, row.weight - row.score))
        if row.given is not None and row.rule_score is not None and not _consistent(row.given, row.rule_score):
            rec.discrepancies.append(Discrepancy(row.name, row.given, row.rule_score))
    budget = result.budget
    if budget is not None and budget.weight is not None and budget.score is not None and budget.score < budget.weight:
        rec.losses.append(RowLoss("预算执行", "", "预算执行率", budget.weight, budget.weight - budget.score))
    if sub is not None and sub.budget is not None and sub.budget.score is not None and budget is not None \
            and budget.score is not None and not _consistent(sub.budget.score, budget.score):
        rec.discrepancies.append(Discrepancy("预算执行率", sub.budget.score, budget.score))
    return rec


def failed_record(name: str, code: str, **fields) -> FileRecord:
    """A record for an input that never produced an outcome (crashed worker, a set file)."""
    from ..diagnostics import Where, make

    diag = make(code, Where(name), **fields)
    rec = FileRecord(file=name, errors=1 if diag.severity == ERROR else 0,
                     warnings=1 if diag.severity == WARNING else 0)
    rec.problems.append(diag)
    return rec


__all__ = ["FileRecord", "RowLoss", "Discrepancy", "record_from_outcome", "failed_record",
           "SCORED", "UNSCORED", "FAILED", "IGNORED"]
