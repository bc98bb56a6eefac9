"""A pool of spawned training processes that run (recipe, seed) tasks in parallel.

Training on a 2-core CPU with TensorFlow's default threads keeps about 1.2 cores busy; two
single-threaded processes keep both busy. Each worker is a fresh interpreter (``spawn``, never
a fork of a process holding the framework's threads) configured by
``worker.configure_process``. A dispatcher thread hands queued tasks to idle workers, so
training goes on while the session judges structural claims.

A worker that dies (a segfault in a native kernel, the out-of-memory killer) or overruns the
task timeout fails only the task it was running, as ``TrainingFailed`` with the cause and the
last lines of its log in one line, and is replaced; the other tasks go on. A worker's output
(the framework's log lines and warnings) goes to its log file, not to the session's terminal.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from harness.errors import TrainingFailed
from harness.training.worker import configure_process

_POLL_S = 0.2


@dataclass(frozen=True)
class Job:
    """A call for a worker: an importable function, its arguments, and what it is in words
    (for the one-line error when the worker dies under it)."""

    target: Callable[..., Any]
    args: tuple
    what: str


def run_job(job: Job) -> Any:
    """Run a job in this process (a worker's, of either engine); running out of memory there
    is the job's ``TrainingFailed``, any other exception the job's own failure."""
    try:
        return job.target(*job.args)
    except MemoryError:
        raise TrainingFailed(f"{job.what}: ran out of memory (MemoryError)") from None


def one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def _redirect_output(log: Path) -> None:
    """Send this process's stdout and stderr (the framework's C++ and Python log lines, its
    warnings) to ``log``, at the file-descriptor level so native code's lines go there too."""
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)


def log_tail(log: Path | None, lines: int = 3, width: int = 300) -> str:
    """The last lines of a worker's log, on one line, for the error of a task it died under."""
    if log is None:
        return ""
    try:
        with open(log, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            stream.seek(max(0, stream.tell() - 8192))
            text = stream.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    if not tail:
        return ""
    joined = " | ".join(tail)
    return f"; its log {log} ends: {joined[-width:]}"


def _worker_main(connection: Connection, threads: int, gpu: str | None,
                 log: Path | None) -> None:
    """A worker: configure once, then run jobs until told to stop (None)."""
    if log is not None:
        _redirect_output(log)
    configure_process(threads, gpu)
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            outcome: tuple[str, Any] = ("ok", run_job(job))
        except Exception as error:  # the job's own failure (a skip, bad data) goes back whole
            outcome = ("raise", error)
        try:
            connection.send(outcome)
        except (pickle.PicklingError, TypeError, AttributeError):
            connection.send(("raise", TrainingFailed(f"{job.what}: crashed: "
                                                     f"{one_line(outcome[1])}")))


def exit_cause(code: int | None) -> str:
    """Why a process ended without an answer, in words."""
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory? the kernel's OOM killer sends SIGKILL)" if (
            -code == signal.SIGKILL) else ""
        return f"was killed by {name}{hint}"
    return f"exited with status {code} without a result"


@dataclass
class _Worker:
    process: Any
    connection: Connection
    log: Path | None = None
    job: Job | None = None
    future: Future | None = None
    started: float = 0.0


class QueuedEngine:
    """A queue of jobs and one dispatcher thread that feeds them to the engine's workers: the
    lifecycle shared by the process pool and the Ray engine (subclasses define ``_dispatch``)."""

    _name = "harness-engine"

    def __init__(self) -> None:
        self._queue: collections.deque[tuple[Job, Future]] = collections.deque()
        self._lock = threading.Lock()
        self._closed = False
        self._thread: threading.Thread | None = None

    def _dispatch(self) -> None:
        raise NotImplementedError

    def submit(self, job: Job, urgent: bool = False) -> Future:
        """Queue a job (``urgent``: ahead of every queued one, for a claim that waits on it)."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name} is closed")
            if urgent:
                self._queue.appendleft((job, future))
            else:
                self._queue.append((job, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._dispatch, daemon=True,
                                                name=self._name)
                self._thread.start()
        return future

    def promote(self, futures: list[Future]) -> None:
        """Move these jobs, if still queued, ahead of the others (in their order): a claim is
        waiting on them."""
        wanted = {id(future) for future in futures}
        with self._lock:
            ahead = [entry for entry in self._queue if id(entry[1]) in wanted]
            if ahead:
                rest = [entry for entry in self._queue if id(entry[1]) not in wanted]
                self._queue.clear()
                self._queue.extend(ahead + rest)

    def close(self) -> None:
        """Cancel the queued jobs and wait for the dispatcher to stop."""
        with self._lock:
            self._closed = True
            for _, future in self._queue:
                future.cancel()
            self._queue.clear()
        if self._thread is not None:
            self._thread.join()


class WorkerPool(QueuedEngine):
    """``submit`` a job, get a ``Future`` of its value."""

    _name = "harness-training-pool"

    def __init__(self, workers: int, task_timeout: float | None = None,
                 threads: int = 1, log_dir: Path | None = None) -> None:
        """``log_dir``: where each worker's output goes (``worker-<n>.log``); None: this
        process's terminal."""
        if workers < 1:
            raise ValueError(f"a worker pool needs at least one worker, got {workers}")
        self.size = self.slots = workers
        self.log_dir = log_dir
        self.threads = threads
        self.task_timeout = task_timeout
        self._context = multiprocessing.get_context("spawn")
        super().__init__()
        self._workers: list[_Worker] = []
        self._started = 0  # workers started so far: the next one's index picks its GPU

    def _spawn(self) -> _Worker:
        from harness.devices import gpu_for_worker

        mine, theirs = self._context.Pipe(duplex=True)
        gpu = gpu_for_worker(self._started)
        self._started += 1
        log = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = self.log_dir / f"worker-{self._started}.log"
        process = self._context.Process(target=_worker_main,
                                        args=(theirs, self.threads, gpu, log), daemon=True,
                                        name="harness-training-worker")
        process.start()
        theirs.close()
        return _Worker(process, mine, log)

    def _dispatch(self) -> None:
        try:
            while self._step():
                pass
        finally:
            for worker in self._workers:
                self._stop(worker)

    def _step(self) -> bool:
        """Assign work, collect results, replace dead workers; False once closed and idle."""
        with self._lock:
            if self._closed:
                return False
            while self._queue and (idle := self._idle()) is not None:
                job, future = self._queue.popleft()
                if not future.set_running_or_notify_cancel():
                    continue
                idle.job, idle.future, idle.started = job, future, time.monotonic()
                idle.connection.send(job)
        busy = [worker for worker in self._workers if worker.job is not None]
        if not busy:
            time.sleep(_POLL_S)
            return True
        ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy], _POLL_S)
        for worker in busy:
            if worker.connection in ready:
                self._collect(worker)
            elif worker.process.sentinel in ready:
                self._fail(worker, overran=False)
            elif self._overran(worker):
                self._fail(worker, overran=True)
        return True

    def _idle(self) -> _Worker | None:
        for worker in self._workers:
            if worker.job is None:
                return worker
        if len(self._workers) < self.size:
            self._workers.append(self._spawn())
            return self._workers[-1]
        return None

    def _overran(self, worker: _Worker) -> bool:
        return (self.task_timeout is not None
                and time.monotonic() - worker.started > self.task_timeout)

    def _collect(self, worker: _Worker) -> None:
        future = worker.future
        try:
            kind, payload = worker.connection.recv()
        except (EOFError, OSError):  # it died: its pipe closed with it
            worker.process.join(5)
            self._fail(worker, overran=False)
            return
        worker.job = worker.future = None
        assert future is not None
        if kind == "ok":
            future.set_result(payload)
        else:
            future.set_exception(payload)

    def _fail(self, worker: _Worker, overran: bool) -> None:
        """The worker died or overran: fail its job, replace it."""
        job, future = worker.job, worker.future
        assert job is not None and future is not None
        self._stop(worker, force=True)
        self._workers.remove(worker)
        cause = (f"timed out after {self.task_timeout:g} s in its training process; raise "
                 f"--task-timeout or shrink the recipe" if overran else
                 f"its training process {exit_cause(worker.process.exitcode)}"
                 f"{log_tail(worker.log)}")
        future.set_exception(TrainingFailed(f"{job.what}: {cause}"))

    @staticmethod
    def _stop(worker: _Worker, force: bool = False) -> None:
        if not force:
            try:
                worker.connection.send(None)
            except OSError:
                force = True
            worker.process.join(5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()

