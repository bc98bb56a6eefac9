"""Data sets: where each comes from, and a checksum of exactly what was loaded.

Every result records the source (``keras-datasets``, a ``--data-dir``, or an offline proxy) so
that baselines from different sources are never compared with each other.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.measures.context import MeasurementSkipped

log = logging.getLogger("harness.data")

REAL_DATASETS = ("mnist", "cifar10", "imdb")


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays of one data set, with where they came from."""

    name: str
    source: str
    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any

    @property
    def checksum(self) -> str:
        """sha256 over the arrays as loaded (first 16 hex digits), to pin results to data."""
        digest = hashlib.sha256()
        for array in (self.x_train, self.y_train, self.x_test, self.y_test):
            if isinstance(array, np.ndarray) and array.dtype != object:
                digest.update(np.ascontiguousarray(array).tobytes())
            else:  # IMDB: ragged lists of token ids
                for item in array:
                    digest.update(np.asarray(item, dtype="int64").tobytes())
        return digest.hexdigest()[:16]


def load_real_dataset(name: str, num_words: int | None = None) -> Dataset:
    """The real data set through ``keras.datasets`` (its cache, or a download).

    Offline and uncached, the download fails at once; that becomes a skip whose one-line reason
    says how to provide the files, never a traceback.
    """
    if name not in REAL_DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(REAL_DATASETS)}")
    import keras

    loader = getattr(keras.datasets, name)
    kwargs = {"num_words": num_words} if name == "imdb" and num_words else {}
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data(**kwargs)
    except Exception as error:  # keras raises a bare Exception on URL failures
        reason = str(error).splitlines()[0][:160]
        raise MeasurementSkipped(
            f"{name}: the real data set is not in the Keras cache and cannot be downloaded "
            f"({reason}); copy it into ~/.keras/datasets/ on a machine with network") from None
    return Dataset(name, "keras-datasets", x_train, y_train, x_test, y_test)


def prepared_shape(dataset: Dataset, split: str, part: str, first: int | None = None,
                   pad_to: int | None = None) -> list[int]:
    """Shape of one array after the tutorial's preparation (subset, padding)."""
    if split not in ("train", "test") or part not in ("x", "y"):
        raise ValueError(f"split must be train|test and part x|y, got {split!r}, {part!r}")
    array = getattr(dataset, f"{part}_{split}")
    if first is not None:
        array = array[:first]
    if pad_to is not None:
        import keras

        array = keras.utils.pad_sequences(array, maxlen=pad_to)
    return [int(dim) for dim in np.shape(array)]
