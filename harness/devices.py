"""Accelerators: memory growth on, one GPU per training worker and per pytest-xdist worker.

TensorFlow grabs all GPU memory at start unless told otherwise, which starves anything else on
the card (a second worker, the evaluation of another recipe); memory growth makes it take what
it needs. With several GPUs, ``pytest -n <gpus> --dist loadgroup`` runs independent recipes in
parallel: each worker sees only its own GPU, picked from its xdist worker id before any
framework starts, and every claim of one recipe stays on one worker (its ``xdist_group``), so a
recipe still trains once.
"""

from __future__ import annotations

import contextlib
import os
import subprocess

WORKER_ENV = "PYTEST_XDIST_WORKER"  # set by pytest-xdist in each worker: gw0, gw1, ...
WORKER_COUNT_ENV = "PYTEST_XDIST_WORKER_COUNT"


def pin_worker_to_gpu(gpus: list[str] | None = None) -> str | None:
    """In an xdist worker, restrict CUDA to the worker's own GPU (round robin over the visible
    ones); returns the GPU id chosen, or None outside xdist or without a GPU list."""
    worker = os.environ.get(WORKER_ENV, "")
    if not worker.startswith("gw"):
        return None
    visible = gpus if gpus is not None else _visible_gpus()
    if not visible:
        return None
    chosen = visible[int(worker[2:]) % len(visible)]
    os.environ["CUDA_VISIBLE_DEVICES"] = chosen
    return chosen


def gpu_for_worker(index: int, gpus: list[str] | None = None) -> str | None:
    """The GPU a training worker takes (round robin over the visible ones), or None on CPUs."""
    visible = gpus if gpus is not None else _visible_gpus()
    return visible[index % len(visible)] if visible else None


def visible_gpu_count() -> int:
    """How many GPUs this machine shows, without starting a framework."""
    return len(_visible_gpus())


def _visible_gpus() -> list[str]:
    """CUDA_VISIBLE_DEVICES if set, else the GPUs nvidia-smi lists (no framework started)."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [gpu for gpu in listed.split(",") if gpu]
    try:
        output = subprocess.run(["nvidia-smi", "--list-gpus"], capture_output=True, text=True,
                                timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(index) for index, line in enumerate(output.splitlines()) if line.startswith("GPU")]


def enable_memory_growth() -> int:
    """Turn on memory growth for every GPU TensorFlow sees (a no-op on other backends and on
    CPUs); returns the number of GPUs. Must run before TensorFlow initialises its devices."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return 0
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        # already initialised (RuntimeError): the setting can no longer change
        with contextlib.suppress(RuntimeError):
            tf.config.experimental.set_memory_growth(gpu, True)
    return len(gpus)
