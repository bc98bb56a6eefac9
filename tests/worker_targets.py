"""Jobs for ``test_pool.py`` and ``test_ray_engine.py``: a spawned or Ray worker imports its
target by module name, so they live here, in a module that imports nothing heavy (a worker
starts in a fraction of a second instead of importing the test module's NumPy and harness)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from harness.errors import TrainingFailed


def metrics(seed: int) -> dict[str, object]:
    return {"seed": seed, "test_accuracy": 0.5, "top_prob_wrong": float("nan")}


def exit_with(code: int) -> None:
    os._exit(code)


def killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def complains_then_dies() -> None:
    """A native crash's last words: written to the process's stderr, below Python."""
    print("W0000 framework noise", file=sys.stderr, flush=True)
    os.write(2, b"F0000 Check failed: kernel exploded\n")
    os.kill(os.getpid(), signal.SIGKILL)


def out_of_memory() -> None:
    raise MemoryError


def broken() -> None:
    raise ValueError("shapes (3, 4) and (5,) differ\nsecond line of the traceback text")


def diverged() -> None:
    raise TrainingFailed("training diverged (NaN loss) at epoch 2 of recipe tiny/cnn (seed 0)")


def hangs() -> None:
    time.sleep(60)


def process_facts() -> dict[str, object]:
    """How the worker was started: its thread and determinism settings, where its harness
    code comes from, and whether TensorFlow was imported before the job ran."""
    import harness

    return {"threads": os.environ.get("TF_NUM_INTRAOP_THREADS"),
            "deterministic": os.environ.get("TF_DETERMINISTIC_OPS"),
            "harness": harness.__file__, "tensorflow": "tensorflow" in sys.modules}


def sleeps_after_writing_pid(path: str) -> None:
    """Say which process runs the job, then wait there to be killed."""
    Path(path).write_text(str(os.getpid()))
    time.sleep(60)
