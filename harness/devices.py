"""Accelerators: memory growth on, one GPU per training worker.

TensorFlow grabs all GPU memory at start unless told otherwise, which starves anything else on
the card (a second worker, the evaluation of another recipe); memory growth makes it take what
it needs. With several GPUs, each training worker sees only its own, picked by its index before
any framework starts in it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess


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
