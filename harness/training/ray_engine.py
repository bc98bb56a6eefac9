"""Training on Ray (``--engine ray``): each (recipe, seed) job is a Ray task, on this machine or
on a cluster (``--ray-address``).

The contract is the ``WorkerPool``'s: ``submit`` a job, get a concurrent ``Future`` of its
value; a task whose worker dies (SIGKILL, the out-of-memory killer, a native crash) or overruns
the task timeout fails only that job, as ``TrainingFailed`` in one line, and the session goes
on. The pytest session stays the driver: it judges, streams results and asks for more seeds,
which are just more jobs.

Ray workers get the pool's process settings (one thread, op determinism) from the task's
runtime environment, so they are in place before TensorFlow is imported there, and a seed
measures the same on either engine. The engine hands Ray at most one task per slot (GPU, else
CPU) and keeps the others queued here: the timeout then counts from a task's start, not from its
wait in Ray's queue, and an overrunning task is cancelled with its worker killed.

A task says which node it runs on as it starts (its first streamed value), and the engine
watches the cluster's nodes: a task lost with its node (the node killed, its raylet crashed, or
the node unreachable until the cluster marks it dead) runs again once on the other nodes, said
in one line when it happens and in the report; lost a second time, it is its recipe's ERROR
naming both nodes. A worker that dies on a living node (the out-of-memory killer, a native
crash) is not retried, as in the pool: the same seed would most likely die the same way.
Slots follow the living nodes, so the timeout keeps counting from a task's start.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import TrainingFailed
from harness.training.pool import Job, QueuedEngine, one_line, run_job
from harness.training.worker import GPU_ENV, WORKER_THREADS, process_env

_POLL_S = 0.2
_NODES_POLL_S = 1.0  # how often the cluster's living nodes are read (one GCS call)
NODE_LOSS_RETRIES = 1  # runs of a task lost with its node, on the other nodes


def usage_problem(engine: str, workers: int | None, address: str | None) -> str | None:
    """Why these engine options cannot run here, as one line for a UsageError, or None
    (checked when the session starts, not when the first claim trains)."""
    if engine != "ray":
        return "--ray-address needs --engine ray" if address else None
    if importlib.util.find_spec("ray") is None:
        return "--engine ray needs Ray, an optional extra: pip install -e .[ray]"
    if workers is not None and workers < 1:
        return "--engine ray trains in Ray workers: --workers must be at least 1"
    return None


def _runtime_env(address: str | None, gpus: bool) -> dict[str, Any]:
    """What every task's worker starts with: the pool's thread and determinism settings. On
    this machine the workers import this checkout from the driver's ``sys.path`` (as a spawned
    pool worker does); on a cluster they get it from the job (``_job_env``)."""
    env = process_env(WORKER_THREADS)
    if gpus:  # Ray itself gives each task its own GPU (CUDA_VISIBLE_DEVICES)
        env.update(GPU_ENV)
    if address is None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and Path(p).is_dir())
    return {"env_vars": env}


def _job_env(address: str | None) -> dict[str, Any] | None:
    """On a cluster, Ray ships this checkout's ``harness`` package to every node's workers (it
    does so only for the job's runtime environment, never for one task's)."""
    if address is None:
        return None
    return {"py_modules": [str(Path(__file__).resolve().parent.parent)]}


def _run_on_node(job: Job) -> Iterator[Any]:
    """The Ray task: first the id of the node it runs on (so the driver knows which tasks a
    lost node takes with it), then the job's value."""
    import ray

    yield ray.get_runtime_context().get_node_id()
    yield run_job(job)


def _lost_with_node(error: Exception) -> bool:
    """Whether Ray lost the task because its node went (not because of the job or its worker)."""
    import ray.exceptions as errors

    return isinstance(error, errors.NodeDiedError | errors.ObjectLostError)


def _failure(error: Exception, job: Job) -> Exception:
    """What a task's error is for the session: the job's own exception as it raised it (a
    ``TrainingFailed``, a skip), or a ``TrainingFailed`` saying in one line why Ray lost it."""
    import ray.exceptions as errors

    if isinstance(error, errors.RayTaskError):
        cause = error.cause
        if isinstance(cause, Exception):
            return cause
        return TrainingFailed(f"{job.what}: crashed in its Ray task: {one_line(error)}")
    if isinstance(error, errors.OutOfMemoryError):
        return TrainingFailed(f"{job.what}: Ray's memory monitor killed its worker (out of "
                              f"memory)")
    if isinstance(error, errors.WorkerCrashedError):
        return TrainingFailed(f"{job.what}: its Ray worker died under it (killed, e.g. SIGKILL "
                              f"from the out-of-memory killer, or crashed; see the Ray "
                              f"session's python-core-worker-*.log)")
    return TrainingFailed(f"{job.what}: Ray lost the task: {one_line(error)}")


@dataclass
class _Running:
    job: Job
    future: Future
    started: float  # when it was handed to Ray, then when it started on its node
    lost: tuple[str, ...] = ()  # the nodes it was lost with so far, in words
    node: str | None = None  # the id of the node it runs on, once it has started


@dataclass
class _Nodes:
    """The cluster's nodes as last read: the living ones' slots, every node's name in words."""

    alive: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)
    slots: int = 0


class RayEngine(QueuedEngine):
    """``submit`` a job, get a ``Future`` of its value, computed by a Ray task."""

    _name = "harness-ray-engine"

    def __init__(self, workers: int | None = None, task_timeout: float | None = None,
                 address: str | None = None,
                 notify: Callable[[str], None] = lambda line: None) -> None:
        """Start Ray on this machine with ``workers`` CPUs, or join the cluster at ``address``
        (a Ray this process already started is used as it is, and left running); ``notify``
        gets one line per task lost with its node (called from the dispatcher thread)."""
        import ray

        self._ray = ray
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=address, num_cpus=None if address else workers,
                     include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR, runtime_env=_job_env(address))
        gpus = int(ray.cluster_resources().get("GPU", 0))
        self._slot = "GPU" if gpus else "CPU"
        self._nodes = self._read_nodes()
        self.slots = max(1, self._nodes.slots)
        self.task_timeout = task_timeout
        self.notify = notify
        # num_gpus in the decorator, so a GPU task gets a fresh worker (Ray's max_calls=1).
        # Ray retries nothing itself (max_retries=0): it would rerun a task whose worker the
        # out-of-memory killer took; the engine reruns only what a lost node took with it.
        self._task = ray.remote(num_gpus=1 if gpus else 0, num_cpus=1, max_retries=0,
                                num_returns="streaming",
                                runtime_env=_runtime_env(address, gpus > 0))(_run_on_node)
        super().__init__()
        self._running: dict[Any, _Running] = {}  # generator → its job (dispatcher thread only)
        self._nodes_read = time.monotonic()

    def close(self) -> None:
        """Cancel queued jobs, kill running tasks, and stop Ray if this engine started it."""
        super().close()
        if self._owns_ray:
            self._ray.shutdown()

    def _dispatch(self) -> None:
        why = "stopped, the session ended"
        try:
            while self._step():
                pass
        except Exception as error:  # Ray itself failed (a cluster gone): no job may hang
            why = f"Ray failed: {one_line(error)}"
            with self._lock:
                self._closed = True
                queued = list(self._queue)
                self._queue.clear()
            for job, future in queued:
                if future.set_running_or_notify_cancel():
                    future.set_exception(TrainingFailed(f"{job.what}: {why}"))
        finally:
            for ref, running in self._running.items():
                self._cancel(ref)
                running.future.set_exception(TrainingFailed(f"{running.job.what}: {why}"))
            self._running.clear()

    def _cancel(self, ref: Any) -> None:
        with contextlib.suppress(Exception):  # a task on a lost node may not be reachable
            self._ray.cancel(ref, force=True)

    def _start(self, job: Job, future: Future, lost: tuple[str, ...] = ()) -> None:
        try:
            ref = self._task.remote(job)
        except Exception as error:  # e.g. arguments Ray cannot serialise
            future.set_exception(TrainingFailed(f"{job.what}: could not be sent to Ray: "
                                                f"{one_line(error)}"))
            return
        self._running[ref] = _Running(job, future, time.monotonic(), lost)

    def _read_nodes(self) -> _Nodes:
        nodes = _Nodes()
        for node in self._ray.nodes():
            name = f"{node['NodeManagerAddress']} (node {node['NodeID'][:8]})"
            nodes.names[node["NodeID"]] = name
            if node["Alive"]:
                nodes.alive.add(node["NodeID"])
                nodes.slots += int(node["Resources"].get(self._slot, 0))
        return nodes

    def _watch_nodes(self) -> None:
        """Every second: follow the living nodes' slots, and take back the tasks of nodes the
        cluster has marked dead (an unreachable node's task would otherwise wait on it)."""
        if time.monotonic() - self._nodes_read < _NODES_POLL_S:
            return
        self._nodes, self._nodes_read = self._read_nodes(), time.monotonic()
        self.slots = max(1, self._nodes.slots)
        for ref, running in list(self._running.items()):
            if running.node is not None and running.node not in self._nodes.alive:
                del self._running[ref]
                self._cancel(ref)
                self._lost(running, self._nodes.names.get(running.node, running.node))

    def _lost(self, running: _Running, node: str) -> None:
        """A task went with its node: run it again elsewhere, or fail it if it already was."""
        lost = (*running.lost, node)
        if len(running.lost) < NODE_LOSS_RETRIES:
            self.notify(f"Ray node {node} lost: {running.job.what} runs again on the other "
                        f"nodes")
            self._start(running.job, running.future, lost)
            return
        running.future.set_exception(TrainingFailed(
            f"{running.job.what}: lost with Ray node {' and again with '.join(lost)}"))

    def _settle(self, ref: Any, running: _Running) -> None:
        """Take the next value a task streamed: the node it started on, or its result."""
        try:
            value = self._ray.get(next(ref))
        except Exception as error:
            del self._running[ref]
            if _lost_with_node(error):
                node = self._nodes.names.get(running.node or "", "") or one_line(error)
                self._lost(running, node)
            else:
                running.future.set_exception(_failure(error, running.job))
            return
        if running.node is None:  # it started: its timeout counts from now
            running.node, running.started = value, time.monotonic()
            return
        del self._running[ref]
        running.future.set_result(value)

    def _step(self) -> bool:
        """Start queued jobs on free slots, settle finished tasks, kill overrunning ones;
        False once closed."""
        with self._lock:
            if self._closed:
                return False
            while self._queue and len(self._running) < self.slots:
                job, future = self._queue.popleft()
                if future.set_running_or_notify_cancel():
                    self._start(job, future)
        if not self._running:
            time.sleep(_POLL_S)
            return True
        ready, _ = self._ray.wait(list(self._running), num_returns=1, timeout=_POLL_S)
        for ref in ready:
            self._settle(ref, self._running[ref])
        self._watch_nodes()
        now = time.monotonic()
        for ref, running in list(self._running.items()):
            if self.task_timeout is not None and now - running.started > self.task_timeout:
                del self._running[ref]
                self._cancel(ref)
                running.future.set_exception(TrainingFailed(
                    f"{running.job.what}: timed out after {self.task_timeout:g} s in its Ray "
                    f"task; raise --task-timeout or shrink the recipe"))
        return True
