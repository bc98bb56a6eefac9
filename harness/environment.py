"""The environment fingerprint: framework versions, backend, device and commit.

Baselines are keyed by a subset of these fields (see ``harness.kinds``), and every report
carries the whole fingerprint so a reader knows where each number came from.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Environment:
    """Where a run happened. ``device_class`` is what baselines are keyed by (cpu, gpu-<model>)."""

    keras: str
    backend: str
    backend_version: str
    tensorflow: str
    python: str
    device_class: str
    device: str
    platform: str
    git_commit: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _tensorflow_version() -> str:
    for name in ("tensorflow", "tensorflow-cpu", "tf-nightly"):
        version = _version(name)
        if version != "absent":
            return version
    return "absent"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu_names(backend: str) -> list[str]:
    """Names of the accelerators the active Keras backend can use (empty on CPU)."""
    if backend == "tensorflow":
        import tensorflow as tf

        return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
                for gpu in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax

        return [device.device_kind for device in jax.devices() if device.platform == "gpu"]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
    return []


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def git_commit(directory: Path | str = ".") -> str:
    """The current commit, with '+dirty' when the tree has uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=directory,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=directory, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


@functools.cache
def current_environment(root: str = ".") -> Environment:
    """Fingerprint this process's environment (imports Keras, so call it lazily)."""
    import keras

    from harness.devices import enable_memory_growth

    enable_memory_growth()  # before anything touches the GPU: take memory as needed, not all
    backend = keras.backend.backend()
    backend_version = {"tensorflow": _tensorflow_version(), "jax": _version("jax"),
                       "torch": _version("torch")}.get(backend, "unknown")
    gpus = _gpu_names(backend)
    device = f"{len(gpus)} x {gpus[0]}" if gpus else _cpu_name()
    device_class = f"gpu-{_slug(gpus[0])}" if gpus else "cpu"
    return Environment(keras=keras.__version__, backend=backend, backend_version=backend_version,
                       tensorflow=_tensorflow_version(), python=platform.python_version(),
                       device_class=device_class, device=device,
                       platform=f"{platform.system()} {platform.machine()}",
                       git_commit=git_commit(root))
