"""Score one input of a batch, write its result files, return its record.

Runs inside worker processes (or in-process with --jobs 1).  Whatever goes
wrong with one file — unreadable, vanished, or a bug of ours — becomes that
file's record; it never stops the batch.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..display import terminal_safe
from ..limits import DEFAULT_TIMEOUT, TimeBudgetExceeded, time_budget
from ..outputs import OutputError
from .discover import Input
from .outputs import RESULTS_DIR
from .record import IGNORED, FileRecord, failed_record, record_from_outcome


@dataclass(frozen=True)
class Job:
    """What every worker needs to know, sent once when the worker starts."""
    out_dir: str
    root_fd: int | None = None   # the output folder the parent opened and locked (inherited by forked workers)
    set_dirs: tuple = ()
    default_set: str = "mof-project"
    formats: tuple = ()          # extra renderings: pdf, xlsx, docx, html, md
    templates_dir: str | None = None
    timeout: float = DEFAULT_TIMEOUT


class Worker:
    def __init__(self, job: Job):
        from ..outputs import OutputFolder
        from ..pipeline import Pipeline

        self.job = job
        self.pipeline = Pipeline(job.set_dirs, job.default_set)
        # The parent holds the lock and checked the plan; its open folder is used, not the path again.
        self.folder = OutputFolder(job.out_dir, lock=False, root_fd=job.root_fd)
        self.results = Path(job.out_dir) / RESULTS_DIR

    def process(self, item: Input) -> FileRecord:
        if item.skip is not None:
            code, fields = item.skip
            record = failed_record(item.name, code, **fields)
            if code == "B904":
                record.status = IGNORED
            return record
        try:
            with time_budget(self.job.timeout):
                return self._guarded(item)
        except TimeBudgetExceeded:  # also when the alarm goes off just as the file is done
            return failed_record(item.name, "B906", seconds=format(self.job.timeout, "g"))

    def _guarded(self, item: Input) -> FileRecord:
        try:
            return self._process(item)
        except OutputError:
            raise  # the output folder cannot be written: the whole batch stops, in the parent
        except Exception as exc:  # a bug of ours on this file: report it, go on with the rest
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            record = failed_record(item.name, "B902", reason=detail[:200])
            record.crash = traceback.format_exc()
            return record

    def _process(self, item: Input) -> FileRecord:
        from ..lint import is_set_file

        if item.path.lower().endswith((".yaml", ".yml")) and is_set_file(item.path):
            return failed_record(item.name, "B903")
        outcome = self.pipeline.run(item.path)
        outcome.file = item.name
        if outcome.result is not None:
            outcome.result.file = item.name
        for d in outcome.diagnostics:
            if d.file == item.path:
                object.__setattr__(d, "file", item.name)
        record = record_from_outcome(outcome, item.name)
        if outcome.result is not None:
            record.outputs = self._write_outputs(item, outcome)
        return record

    def _write_outputs(self, item: Input, outcome) -> list[str]:
        from ..report import to_json

        written = []
        target = self.results / (item.stem + ".json")
        # No indent: the C encoder only runs without one.  Invisible characters as \u escapes: same data.
        text = terminal_safe(json.dumps(to_json(outcome), ensure_ascii=False))
        self.folder.write(target, text.encode("utf-8"), durable=False, checked=True)
        written.append(target.relative_to(self.results.parent).as_posix())
        for fmt in self.job.formats:
            from ..render.output import render_bytes
            from ..render.view import RenderError

            try:
                data = render_bytes(outcome, fmt, self.job.templates_dir)
            except RenderError:
                continue  # the table cannot be drawn; its problems are already in the record
            target = self.results / f"{item.stem}.{fmt}"
            self.folder.write(target, data, durable=False, checked=True)
            written.append(target.relative_to(self.results.parent).as_posix())
        if self.job.formats:
            release_render_memory()
        return written


# -- garbage collection ---------------------------------------------------------------------------

# Scoring a table allocates thousands of short-lived containers that reference counting frees
# by itself; the default gen-0 threshold (700) would run the cycle collector every few rows and
# rescan the sets and caches each time.  Measured: 15–20% of a batch.  Cycles are still
# collected, only less often; what was loaded before the batch is frozen out of the scans.
GC_THRESHOLD = (200_000, 50, 100)


@contextmanager
def quiet_gc():
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def release_render_memory() -> None:
    """Free what rendering one file's attachments left behind, before the next file.

    WeasyPrint (boxes, styles, Pango layouts), python-docx and openpyxl (parts, lxml trees) build
    object graphs with reference cycles, which only the cycle collector frees, and GC_THRESHOLD makes
    it run rarely: without this a worker grew by about 7 MB per PDF and 5.6 MB per Word file
    (benchmarks/bench_render_memory.py).  The collection costs a few ms (2–6% of a PDF).  malloc_trim then
    hands the freed heap back to the system (glibc only), so RSS stays flat instead of stepping up."""
    global _MALLOC_TRIM
    gc.collect()
    if _MALLOC_TRIM is False:
        _MALLOC_TRIM = _malloc_trim()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


_MALLOC_TRIM = False  # looked up on first use


def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim  # glibc; absent from musl
    except (OSError, AttributeError):
        return None


# -- process-pool plumbing: one Worker per process -----------------------------------------------

_WORKER: Worker | None = None


def init_worker(job: Job, parent: int) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    _WORKER = Worker(job)
    gc.freeze()  # a worker lives for one batch: no need to restore
    gc.set_threshold(*GC_THRESHOLD)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the parent dies, even by kill -9 (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def process_chunk(items: list[Input]) -> list[FileRecord]:
    assert _WORKER is not None
    return [_WORKER.process(item) for item in items]
