"""Score one input of a batch, write its result files, return its record.

Runs inside worker processes (or in-process with --jobs 1).  Whatever goes
wrong with one file — unreadable, vanished, or a bug of ours — becomes that
file's record; it never stops the batch.
"""
from __future__ import annotations

import gc
import json
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .discover import Input
from .record import FileRecord, failed_record, record_from_outcome


@dataclass(frozen=True)
class Job:
    """What every worker needs to know, sent once when the worker starts."""
    results_dir: str
    set_dirs: tuple = ()
    default_set: str = "mof-project"
    formats: tuple = ()          # extra renderings: pdf, xlsx, docx, html, md
    templates_dir: str | None = None


class Worker:
    def __init__(self, job: Job):
        from ..pipeline import Pipeline

        self.job = job
        self.pipeline = Pipeline(job.set_dirs, job.default_set)
        self.results = Path(job.results_dir)
        self.made: set = set()  # result folders this worker has created (one mkdir per folder, not per file)

    def process(self, item: Input) -> FileRecord:
        try:
            return self._process(item)
        except Exception as exc:  # a bug of ours on this file: report it, go on with the rest
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            record = failed_record(item.name, "B902", reason=detail[:200])
            record.crash = traceback.format_exc()
            return record

    def _process(self, item: Input) -> FileRecord:
        from ..lint import is_set_file

        if item.path.lower().endswith((".yaml", ".yml")) and _looks_like_set(item.path) and is_set_file(item.path):
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
        from ..render.output import atomic_write
        from ..report import to_json

        written = []
        target = self.results / (item.stem + ".json")
        text = json.dumps(to_json(outcome), ensure_ascii=False)  # no indent: the C encoder only runs without one
        atomic_write(target, text.encode("utf-8"), durable=False, made=self.made)
        written.append(target.relative_to(self.results.parent).as_posix())
        for fmt in self.job.formats:
            from ..render.output import render_bytes
            from ..render.view import RenderError

            try:
                data = render_bytes(outcome, fmt, self.job.templates_dir)
            except RenderError:
                continue  # the table cannot be drawn; its problems are already in the record
            target = self.results / f"{item.stem}.{fmt}"
            atomic_write(target, data, durable=False, made=self.made)
            written.append(target.relative_to(self.results.parent).as_posix())
        return written


def _looks_like_set(path: str) -> bool:
    """Cheap pre-check before the real one: set files declare `levels:` or `extends:` at the top level."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    return b"levels:" in head or b"extends:" in head


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


# -- process-pool plumbing: one Worker per process -----------------------------------------------

_WORKER: Worker | None = None


def init_worker(job: Job) -> None:
    import signal

    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _WORKER = Worker(job)
    gc.freeze()  # a worker lives for one batch: no need to restore
    gc.set_threshold(*GC_THRESHOLD)


def process_chunk(items: list[Input]) -> list[FileRecord]:
    assert _WORKER is not None
    return [_WORKER.process(item) for item in items]
