"""Executors run jobs and hand back bundles; the pool is not hard-wired.

``Executor.map(jobs)`` yields ``(job, bundle)`` as each finishes.  The local
one uses a process pool; a distributed engine only needs the same method.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
from typing import Iterable, Iterator, Protocol

from .artifacts import Bundle
from .execute import Job, execute
from .launch import die_with_parent


class Executor(Protocol):
    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Bundle]]: ...


def _safe_execute(job: Job) -> Bundle:
    try:
        return execute(job)
    except Exception as exc:   # the grader's own failure for one job: report, go on
        return Bundle(key=job.key, status="error", reason=f"grader error: {type(exc).__name__}: {exc}")


def _die_with_parent(parent: int):
    """A worker is killed when the grader dies (even by SIGKILL), and its kernel,
    which dies with its worker (the launcher's parent-death signal), with it."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the grader's to handle


class SerialExecutor:
    def map(self, jobs):
        for job in jobs:
            yield job, _safe_execute(job)


class LocalPoolExecutor:
    """``workers`` processes, each running one kernel at a time."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    def map(self, jobs):
        jobs = list(jobs)
        if self.workers == 1 or len(jobs) <= 1:
            yield from SerialExecutor().map(jobs)
            return
        ctx = multiprocessing.get_context("spawn")
        pool = cf.ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_die_with_parent,
                                      initargs=(os.getpid(),))
        try:
            futures = {pool.submit(_safe_execute, job): job for job in jobs}
            for fut in cf.as_completed(futures):
                job = futures[fut]
                try:
                    yield job, fut.result()
                except Exception as exc:   # a worker process died
                    yield job, Bundle(key=job.key, status="error",
                                      reason=f"worker failed: {type(exc).__name__}")
        except BaseException:              # Ctrl-C: stop now; finished bundles are saved
            for proc in multiprocessing.active_children():   # the pool's workers
                proc.kill()                # its kernel dies with it (parent-death signal)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
