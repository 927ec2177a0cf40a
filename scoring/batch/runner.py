"""Run workers over the inputs and hand back their records in input order.

--jobs 1 scores in this process.  With more jobs, chunks of inputs go to a
process pool with a bounded number in flight (memory stays flat), and records
come back in input order whatever order the workers finish in.  A worker
process that dies (killed, out of memory, a crash in C) breaks the pool; the
chunks that were in flight are then re-run one file at a time in a fresh pool
to find the file that did it, which is reported, and the batch goes on.  A chunk that outlives its
files' time budgets (stuck in native code, where the worker's alarm cannot reach) is handled the same
way, its workers killed.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator

from .discover import Input
from .record import FileRecord, failed_record
from .worker import Job, Worker, init_worker, process_chunk

CHUNK = 16      # files per task: large enough to make pickling negligible, small enough to balance
IN_FLIGHT = 3   # tasks per worker queued ahead
GRACE = 30      # seconds beyond the files' time budgets before the parent kills a chunk's worker


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def records(inputs: list[Input], job: Job, jobs: int = 1) -> Iterator[FileRecord]:
    """One record per input, in input order."""
    if jobs <= 1 or len(inputs) <= 1:
        worker = Worker(job)
        try:
            for item in inputs:
                yield worker.process(item)
        finally:
            worker.folder.close()
        return
    yield from _pooled(inputs, job, jobs, CHUNK)


def _context():
    # fork shares the imported modules and compiled validators with the workers: no start-up per worker
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _new_pool(job: Job, jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=init_worker,
                               initargs=(job, os.getpid()))


def _pooled(inputs: list[Input], job: Job, jobs: int, chunk: int) -> Iterator[FileRecord]:
    chunks = deque(inputs[i:i + chunk] for i in range(0, len(inputs), chunk))
    pool = _new_pool(job, jobs)
    pending: deque = deque()
    finished = False
    try:
        while chunks or pending:
            while chunks and len(pending) < jobs * IN_FLIGHT:
                part = chunks.popleft()
                pending.append((part, pool.submit(process_chunk, part)))
            part, future = pending.popleft()
            try:
                done = future.result(timeout=_deadline(job, len(part)))
            except (BrokenProcessPool, FutureTimeout) as exc:
                suspects = list(part) + [item for p, _ in pending for item in p]
                pending.clear()
                _stop(pool, kill=isinstance(exc, FutureTimeout))
                yield from _isolated(suspects, job)
                pool = _new_pool(job, jobs)
                continue
            yield from done
        finished = True
    finally:
        _stop(pool, pending, kill=not finished)


def _deadline(job: Job, files: int) -> float | None:
    """How long the parent waits for a chunk before it kills the workers: the alarm in the worker stops a
    slow file first; this catches what an alarm cannot interrupt (a long call into native code)."""
    return files * job.timeout + GRACE if job.timeout else None


def _isolated(suspects: list[Input], job: Job) -> Iterator[FileRecord]:
    """Re-run files one at a time so the one that kills its process, or never ends, is known."""
    pool = _new_pool(job, 1)
    finished = False
    try:
        for item in suspects:
            try:
                yield from pool.submit(process_chunk, [item]).result(timeout=_deadline(job, 1))
            except BrokenProcessPool:
                yield failed_record(item.name, "B902", reason="处理进程意外退出")
                _stop(pool)
                pool = _new_pool(job, 1)
            except FutureTimeout:
                yield failed_record(item.name, "B906", seconds=format(job.timeout, "g"))
                _stop(pool, kill=True)
                pool = _new_pool(job, 1)
        finished = True
    finally:
        _stop(pool, kill=not finished)


def _stop(pool: ProcessPoolExecutor, pending=(), kill: bool = False) -> None:
    """Cancel what has not started; with `kill` (interrupted, or an error in the parent) end the
    workers at once: every write is atomic, so a killed worker leaves at most a temporary file,
    which the interrupted batch and the next --force sweep away."""
    for _, future in pending:
        future.cancel()
    if kill:
        for process in list(getattr(pool, "_processes", {}).values()):  # no public API for this
            if process.is_alive():
                process.kill()
    pool.shutdown(wait=True, cancel_futures=True)
