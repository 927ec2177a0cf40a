"""One `jixiao batch` run: discover → prepare OUTDIR → score (streamed) → summarise.

Records are consumed as they arrive: each goes into results.csv, its problems
into errors.csv, its figures into the running summary, and is then dropped, so
memory does not grow with the number of files.  Every input ends up as a row
of results.csv, and every input that could not be scored has its reason in
errors.csv; the counts are checked before the run reports success.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import signal
from contextlib import closing, contextmanager

from ..diagnostics import ERROR, Where, make
from .discover import Input
from .outputs import ERROR_COLUMNS, OUR_FILES, RESULTS_DIR, SEVERITY_TEXT, CsvStream, prepare
from .record import FAILED, IGNORED, FileRecord
from .runner import records
from ..limits import DEFAULT_TIMEOUT
from .worker import Job, quiet_gc

MAX_CRASH_LOGS = 20


@dataclass
class BatchOutcome:
    out_dir: Path
    inputs: int = 0
    scored: int = 0
    unscored: int = 0
    failed: int = 0
    ignored: int = 0
    with_errors: int = 0
    duplicates: int = 0
    crashed: int = 0
    sentence: str = ""
    written: list[str] = field(default_factory=list)


class BatchInterrupted(Exception):
    def __init__(self, done: int, total: int):
        super().__init__(f"{done}/{total}")
        self.done, self.total = done, total


def planned_outputs(inputs: list[Input], out_dir: Path, formats=()) -> list[tuple[Path, str]]:
    """Every file this batch may write, with the input it comes from: checked before the first write."""
    results = out_dir / RESULTS_DIR
    planned = [(out_dir / name, "jixiao batch") for name in OUR_FILES]
    for item in inputs:
        if item.skip is None:
            planned += [(results / f"{item.stem}.{suffix}", item.name) for suffix in ("json", *formats)]
    return planned


def run_batch(inputs: list[Input], out_dir: Path, *, jobs: int = 1, formats=(), force: bool = False,
              set_dirs=(), default_set: str = "mof-project", templates_dir=None, timeout: float = DEFAULT_TIMEOUT,
              progress: Callable[[FileRecord], None] | None = None) -> BatchOutcome:
    from .summary import PROJECT_COLUMNS, Summary, project_row

    folder = prepare(out_dir, force, planned_outputs(inputs, out_dir, formats))  # locked until closed
    with closing(folder), _terminate_as_interrupt():
        job = Job(out_dir=str(out_dir), root_fd=folder.root_fd(), set_dirs=tuple(set_dirs), default_set=default_set,
                  formats=tuple(formats), templates_dir=str(templates_dir) if templates_dir else None,
                  timeout=timeout)
        outcome = BatchOutcome(out_dir=out_dir, inputs=len(inputs))
        summary = Summary()
        results_csv = CsvStream(folder, out_dir / "results.csv", PROJECT_COLUMNS)
        errors_csv = CsvStream(folder, out_dir / "errors.csv", ERROR_COLUMNS)
        crashes: list[str] = []
        done = 0
        try:
            with quiet_gc():
                for record in records(inputs, job, jobs):
                    _take(record, summary, outcome, results_csv, errors_csv, crashes, project_row)
                    done += 1
                    if progress is not None:
                        progress(record)
        except KeyboardInterrupt:
            results_csv.discard()
            errors_csv.discard()
            folder.sweep()  # what killed workers were writing
            raise BatchInterrupted(done, len(inputs)) from None
        except BaseException:
            results_csv.discard()
            errors_csv.discard()
            raise
        if done != len(inputs):  # an input lost on the way would be our bug: never report success then
            raise RuntimeError(f"batch lost inputs: {done} records for {len(inputs)} inputs")
        results_csv.commit()
        errors_csv.commit()
        outcome.written += ["results.csv", "errors.csv"]
        outcome.sentence = summary.sentence()
        _write_summaries(summary, folder, outcome)
        if crashes:
            folder.write(out_dir / "crashes.log", "\n\n".join(crashes).encode("utf-8", "backslashreplace"),
                         checked=True)
            outcome.written.append("crashes.log")
    return outcome


@contextmanager
def _terminate_as_interrupt():
    """SIGTERM (a scheduler, `kill`) stops the batch like Ctrl-C: workers killed, temporary files swept."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _take(record: FileRecord, summary, outcome: BatchOutcome, results_csv: CsvStream, errors_csv: CsvStream,
          crashes: list[str], project_row) -> None:
    """Fold one record into the summary and the two CSV files; then it can be dropped."""
    earlier = summary.add(record)
    if earlier is not None:
        outcome.duplicates += 1
        key = "、".join(part for part in (record.unit, record.project, record.year) if part)
        record.problems.append(make("B901", Where(record.file), other=earlier, key=key))
        record.warnings += 1
    _count(outcome, record)
    if record.crash and len(crashes) < MAX_CRASH_LOGS:
        crashes.append(f"== {record.file}\n{record.crash}")
    results_csv.write(project_row(record))
    for d in record.problems:
        if d.severity == ERROR or d.code.startswith("B"):
            errors_csv.write([record.file, d.code, SEVERITY_TEXT[d.severity], d.location(), d.message, d.hint])


def _count(outcome: BatchOutcome, record: FileRecord) -> None:
    if record.status == FAILED:
        outcome.failed += 1
    elif record.status == IGNORED:
        outcome.ignored += 1
    elif record.status == "unscored":
        outcome.unscored += 1
    else:
        outcome.scored += 1
    if record.errors:
        outcome.with_errors += 1
    if any(d.code == "B902" for d in record.problems):
        outcome.crashed += 1


def _write_summaries(summary, folder, outcome: BatchOutcome) -> None:
    import csv
    import io

    from .summary_render import summary_html, summary_xlsx

    out_dir = folder.root
    folder.write(out_dir / "summary.html", summary_html(summary).encode("utf-8", "backslashreplace"), checked=True)

    def project_rows():
        text = folder.read(out_dir / "results.csv").decode("utf-8-sig", "replace")
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader, None)
        yield from reader

    folder.write(out_dir / "summary.xlsx", summary_xlsx(summary, project_rows()), checked=True)
    outcome.written += ["summary.html", "summary.xlsx"]
