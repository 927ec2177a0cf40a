"""load → validate → resolve → score → check, for one file.

Every stage adds to one Diagnostics list and the pipeline goes as far as the
file allows, so a run reports every problem it can find.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .checks import check_table, lint_set
from .diagnostics import ERROR, Diagnostics
from .engine import ScoreResult, score_submission
from .limits import check_limits
from .model import IndicatorSet, Submission
from .paths import where
from .sets import SetLoader, available_ids
from .importers.loader import load_submission


@dataclass
class FileOutcome:
    """What became of one input file."""
    file: str
    result: ScoreResult | None = None
    set: IndicatorSet | None = None
    submission: Submission | None = None
    diagnostics: list = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == ERROR for d in self.diagnostics)


class Pipeline:
    def __init__(self, set_dirs=(), default_set: str = "mof-project"):
        self.sets = SetLoader(set_dirs)
        self.default_set = default_set  # for spreadsheets and CSV tables that do not name their set
        self._linted: set[str] = set()

    def resolve_set(self, set_id: str, diags: Diagnostics, at) -> IndicatorSet | None:
        """The set, or None when it is missing or has errors (reported into `diags`)."""
        iset, set_diags = self.sets.get(set_id)
        if set_id not in self._linted and iset is not None:
            extra = Diagnostics()
            lint_set(iset, extra)
            set_diags.extend(extra.items)
            self._linted.add(set_id)
        # Only the set's errors concern a submission; its warnings are for `sets lint`.
        diags.extend(d for d in set_diags if d.severity == ERROR)
        broken = any(d.severity == ERROR for d in set_diags)
        if iset is None and not broken:
            diags.add("R301", at, set_id=set_id, available="、".join(available_ids(self.sets.extra_dirs)))
        return None if broken else iset

    def run(self, path: str | Path) -> FileOutcome:
        diags = Diagnostics()
        outcome = FileOutcome(file=str(path))
        doc = load_submission(path, diags, self.default_set)
        # Both checks run, so one run reports every problem; a table failing either is not scored.
        if doc is not None and all([schema.validate(doc, "submission", diags), check_limits(doc, diags)]):
            sub = Submission.from_document(doc, diags)
            outcome.submission = sub
            iset = self.resolve_set(sub.set_id, diags, where(doc, ("set",)))
            outcome.set = iset
            if iset is not None:
                result = score_submission(sub, iset, diags)
                check_table(result, sub, iset, diags)
                outcome.result = result
        outcome.diagnostics = diags.sorted()
        if outcome.result is not None:
            outcome.result.diagnostics = outcome.diagnostics
        return outcome
