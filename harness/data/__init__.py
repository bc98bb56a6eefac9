"""Data sets: where each comes from, and a checksum of exactly what was loaded.

``resolve_dataset(name)`` finds MNIST, CIFAR-10, IMDB or cats-vs-dogs in this order:

(a) a local data directory (the ``data_dir`` argument, else ``$HARNESS_DATA_DIR``) holding the
    standard files (see ``harness.data.local``), directly or in a sub-folder named after the
    data set; broken files there raise ``DataSourceError`` rather than falling back;
(b) ``keras.datasets.<name>.load_data()`` (its ``~/.keras/datasets`` cache, else a download);
(c) an offline proxy that needs no network (see ``harness.data.proxies``), announced by one
    warning line on the ``harness.data`` logger. Cats-vs-dogs has no proxy: without (a) it is a
    ``MeasurementSkipped`` whose message says where to get it.

``load_real_dataset`` does (a) and (b) only, for claims about the real data (shapes, the
tutorials' figures), and turns "unavailable" into a one-line ``MeasurementSkipped``.

Every result records ``Dataset.source`` (``data-dir``, ``keras-datasets``, ``proxy-...``) and
``Dataset.checksum`` so that results from different data are never compared with each other.
Results are memoised per (name, data directory, num_words) for the whole process, since many
claims read the same data; their arrays are read-only so that no claim can change another's.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from harness.data import local, proxies
from harness.data.local import DataSourceError
from harness.errors import MeasurementSkipped

__all__ = [
    "DATASETS",
    "DATA_DIR_ENV",
    "KERAS_DATASETS",
    "DataSourceError",
    "Dataset",
    "build_proxy",
    "clear_cache",
    "load_real_dataset",
    "prepared_shape",
    "proxy_dataset",
    "resolve_dataset",
    "smoke_dataset",
]

log = logging.getLogger("harness.data")

DATASETS = ("mnist", "cifar10", "imdb", "cats-vs-dogs")
KERAS_DATASETS = ("mnist", "cifar10", "imdb")
REAL_DATASETS = DATASETS  # every name has real data; only three come through keras.datasets
DATA_DIR_ENV = "HARNESS_DATA_DIR"

# What a user must put in a data directory, for the messages that say how to fix a skip.
EXPECTED_FILES = {
    "mnist": "the four MNIST IDX files (train-images-idx3-ubyte ... , optionally .gz) or "
             "mnist.npz",
    "cifar10": "cifar-10-batches-py/ or cifar-10-python.tar.gz",
    "imdb": "imdb.npz",
    "cats-vs-dogs": "cats_and_dogs_filtered/ with train/ and validation/ (unzip "
                    "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip)",
}
CONTENTS = {
    "mnist": "28x28 greyscale handwritten digits",
    "cifar10": "32x32 colour images in 10 classes",
    "imdb": "movie reviews as lists of word ids, labelled positive or negative",
    "cats-vs-dogs": "cat and dog photos resized to 160x160 RGB (test = validation/)",
}
TITLES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "imdb": "IMDB", "cats-vs-dogs": "Cats vs dogs"}
KERAS_CLASS_NAMES = {
    "mnist": proxies.DIGIT_CLASS_NAMES,
    "cifar10": local.CIFAR_CLASS_NAMES,
    "imdb": proxies.IMDB_CLASS_NAMES,
}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test arrays of one data set, with where they came from.

    ``source`` is a short stable label used in baseline file names; ``description`` is one
    sentence for reports (what it is, its sizes, and for a proxy how it was built).
    """

    name: str
    source: str
    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    description: str = ""
    class_names: tuple[str, ...] = ()

    @property
    def is_proxy(self) -> bool:
        """True for the offline stand-ins, whose numbers are never compared with the tutorial."""
        return self.source.startswith("proxy-")

    @cached_property
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


def resolve_dataset(name: str, data_dir: Path | str | None = None, *,
                    num_words: int | None = None) -> Dataset:
    """The data set from a data directory, else ``keras.datasets``, else an offline proxy.

    Raises ``DataSourceError`` for broken files in the data directory, and
    ``MeasurementSkipped`` for cats-vs-dogs when no data directory holds it.
    """
    return _resolve(*_key(name, data_dir, num_words))


def load_real_dataset(name: str, num_words: int | None = None,
                      data_dir: Path | str | None = None) -> Dataset:
    """The real data set (data directory or ``keras.datasets``), never a proxy.

    When neither has it, a ``MeasurementSkipped`` whose one-line reason says how to provide
    the files, never a traceback.
    """
    key = _key(name, data_dir, num_words)
    found = _real(*key)
    if isinstance(found, Dataset):
        return found
    raise MeasurementSkipped(f"{found}; {_fix(name)}")


SMOKE_SOURCE = "smoke-synthetic-cats-vs-dogs"


@functools.cache
def smoke_dataset(name: str) -> Dataset:
    """A stand-in for ``--smoke`` where a data set has no offline proxy (cats vs dogs); its
    source says so, and smoke results are never compared with anything."""
    if name != "cats-vs-dogs":
        raise ValueError(f"{name} has an offline proxy; only cats-vs-dogs needs a smoke stand-in")
    (x_train, y_train), (x_test, y_test) = proxies.cats_vs_dogs_smoke()
    log.warning("cats-vs-dogs: no data directory holds it; --smoke uses %d generated images "
                "as a stand-in", len(x_train) + len(x_test))
    arrays = tuple(_frozen(a) for a in (x_train, y_train, x_test, y_test))
    return Dataset(name, SMOKE_SOURCE, *arrays,
                   description="generated noise photos with a disc or a square (smoke only)",
                   class_names=proxies.CATS_DOGS_CLASS_NAMES)


def clear_cache(*, keep_proxies: bool = False) -> None:
    """Forget memoised data sets (tests, or after files were added to a data directory).

    ``keep_proxies`` keeps the generated proxies, which never change within a process.
    """
    _resolve.cache_clear()
    _real.cache_clear()
    if not keep_proxies:
        _proxy.cache_clear()


def proxy_dataset(name: str, num_words: int | None = None) -> Dataset:
    """The offline proxy for ``name`` directly (memoised), e.g. to describe it in a report."""
    if name not in PROXY_SOURCES:
        raise ValueError(f"no offline proxy for {name!r}; proxies: {', '.join(PROXY_SOURCES)}")
    return _proxy(name, _proxy_words(name, num_words))


def prepared_shape(dataset: Dataset, split: str, part: str, first: int | None = None,
                   pad_to: int | None = None, reshape: list[int] | None = None,
                   categorical: bool = False) -> list[int]:
    """Shape of one array after the tutorial's preparation (subset, padding, its reshape,
    one-hot labels by ``to_categorical``)."""
    if split not in ("train", "test") or part not in ("x", "y"):
        raise ValueError(f"split must be train|test and part x|y, got {split!r}, {part!r}")
    array = getattr(dataset, f"{part}_{split}")
    if first is not None:
        array = array[:first]
    if pad_to is not None or categorical:
        import keras

        if pad_to is not None:
            array = keras.utils.pad_sequences(array, maxlen=pad_to)
        if categorical:
            array = keras.utils.to_categorical(array)
    if reshape is not None:
        array = np.reshape(array, reshape)
    return [int(dim) for dim in np.shape(array)]


# --- resolution ---------------------------------------------------------------------------------

def _key(name: str, data_dir: Path | str | None, num_words: int | None
         ) -> tuple[str, Path | None, int | None]:
    # One normalised cache key: the same data set reached two ways is loaded once.
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_ENV) or None
    folder = Path(data_dir).expanduser().resolve() if data_dir is not None else None
    if folder is not None and not folder.is_dir():
        raise DataSourceError(f"{folder}: the data directory does not exist or is not a folder")
    return name, folder, (num_words or None) if name == "imdb" else None


@functools.cache
def _resolve(name: str, data_dir: Path | None, num_words: int | None) -> Dataset:
    found = _real(name, data_dir, num_words)
    if isinstance(found, Dataset):
        return found
    if name not in KERAS_DATASETS:
        raise MeasurementSkipped(f"{found}; {_fix(name)}")
    proxy = _proxy(name, _proxy_words(name, num_words))
    log.warning("%s; using offline proxy '%s' (%s)", found,
                proxy.source.removeprefix("proxy-"), PROXY_NOTES[name])
    return proxy


@functools.cache
def _real(name: str, data_dir: Path | None, num_words: int | None) -> Dataset | str:
    # The Dataset, or a one-line reason why neither the data directory nor keras had it (kept
    # as a value, not an exception, so that it is memoised too).
    if data_dir is not None:
        found = _from_data_dir(name, data_dir, num_words)
        if found is not None:
            return found
    if name not in KERAS_DATASETS:
        return f"{name}: not in {data_dir}" if data_dir else f"{name}: no data directory given"
    where = f"not in {data_dir}, " if data_dir is not None else ""
    try:
        return _from_keras(name, num_words)
    except Exception as error:  # keras raises a bare Exception on URL failures
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        if "URL fetch failure" in reason:
            return f"{name}: {where}no network and no cached copy (keras.datasets failed: {reason})"
        return f"{name}: {where}keras.datasets failed ({reason})"


def _fix(name: str) -> str:
    if name in KERAS_DATASETS:
        return (f"to use the real data, put {EXPECTED_FILES[name]} in a folder named by "
                f"{DATA_DIR_ENV} (or --data-dir), or fill ~/.keras/datasets/ on a machine "
                "with network")
    return (f"to run it, put {EXPECTED_FILES[name]} in a folder named by {DATA_DIR_ENV} "
            "(or --data-dir)")


def _from_data_dir(name: str, data_dir: Path, num_words: int | None) -> Dataset | None:
    if name == "imdb":
        found = local.find_imdb(data_dir, num_words)
    else:
        finder = {"mnist": local.find_mnist, "cifar10": local.find_cifar10,
                  "cats-vs-dogs": local.find_cats_vs_dogs}[name]
        found = finder(data_dir)
    if found is None:
        return None
    log.info("%s: read from %s", name, found.origin)
    arrays = (found.x_train, found.y_train, found.x_test, found.y_test)
    names = found.class_names or KERAS_CLASS_NAMES.get(name, ())
    return _dataset(name, "data-dir", arrays, f"{TITLES[name]} read from {found.origin}", names)


def _from_keras(name: str, num_words: int | None) -> Dataset:
    import keras

    loader = getattr(keras.datasets, name)
    kwargs = {"num_words": num_words} if name == "imdb" and num_words else {}
    (x_train, y_train), (x_test, y_test) = loader.load_data(**kwargs)
    log.info("%s: loaded through keras.datasets", name)
    return _dataset(name, "keras-datasets", (x_train, y_train, x_test, y_test),
                    f"{TITLES[name]} from keras.datasets (its ~/.keras/datasets cache or a "
                    "download)", KERAS_CLASS_NAMES[name])


def _dataset(name: str, source: str, arrays: tuple[Any, Any, Any, Any], origin: str,
             class_names: tuple[str, ...]) -> Dataset:
    x_train, y_train, x_test, y_test = (_frozen(array) for array in arrays)
    vocabulary = ""
    if name == "imdb":
        top = max((max(seq) for seq in (*x_train, *x_test) if len(seq)), default=0)
        vocabulary = f", word ids up to {top:,}"
    description = (f"{origin}: {len(x_train):,} train / {len(x_test):,} test "
                   f"{CONTENTS[name]}{vocabulary}.")
    return Dataset(name, source, x_train, y_train, x_test, y_test, description, class_names)


def _frozen(array: Any) -> np.ndarray:
    # Memoised arrays are shared by every claim: make them read-only so none can change them.
    if not isinstance(array, np.ndarray):
        array = local.object_array(list(array)) if _is_ragged(array) else np.asarray(array)
    array.flags.writeable = False
    return array


def _is_ragged(items: Any) -> bool:
    return len(items) > 0 and isinstance(items[0], list | tuple | np.ndarray)


# --- the offline proxies ------------------------------------------------------------------------

PROXY_SOURCES = {
    "mnist": "proxy-sklearn-digits",
    "cifar10": "proxy-synthetic-cifar10",
    "imdb": "proxy-synthetic-imdb",
}
# The parenthesis of the fallback warning: what the proxy is, in a few words.
PROXY_NOTES = {
    "mnist": "1,797 real handwritten digits, 8x8 resized to 28x28",
    "cifar10": "7,000 generated 32x32 images, 10 motifs at random positions on clutter",
    "imdb": "10,000 generated reviews, sentiment in planted 2-3 word phrases",
}
PROXY_DESCRIPTIONS = {
    "mnist": (
        "Offline MNIST proxy: scikit-learn's 1,797 real 8x8 handwritten digits (load_digits), "
        "scaled to 0-255, resized bilinearly to 18x18 and placed in a 28x28 canvas up to 5 "
        "pixels off centre (seeded), split stratified into 1,437 train / 360 "
        "test."),
    "cifar10": (
        "Offline CIFAR-10 proxy: 6,000 train / 1,000 test generated 32x32 RGB images in 10 "
        "balanced classes, each class a 10-14 px motif (stripes in four orientations, ring, "
        "plus, X, checker, frame, dot grid) in a jittered colour at a random position on a "
        "noisy background cluttered with distractor shapes, the motif all but hidden in 15% "
        "of them, so that a translation-invariant conv net beats a dense net and a big net "
        "overfits a small training set."),
    "imdb": (
        "Offline IMDB proxy: 5,000 train / 5,000 test generated reviews of 80-499 word ids "
        "with the Keras conventions (1 start, 2 out-of-vocabulary, ids below 10,000) made of "
        "Zipf-distributed filler words and 6-12 planted sentiment phrases of 2-3 words (300 "
        "phrases in all, a fifth of the planted ones negated), with 10% of the labels "
        "flipped, so that accuracy plateaus near 80% and a Conv1D overfits a small "
        "training set."),
}


def build_proxy(name: str, num_words: int | None = None) -> Dataset:
    """Generate the offline proxy for ``name`` afresh (``proxy_dataset`` memoises it)."""
    if name not in PROXY_SOURCES:
        raise ValueError(f"no offline proxy for {name!r}; proxies: {', '.join(PROXY_SOURCES)}")
    num_words = _proxy_words(name, num_words)
    description = PROXY_DESCRIPTIONS[name]
    if name == "mnist":
        (x_train, y_train), (x_test, y_test) = proxies.mnist_proxy()
        names = proxies.DIGIT_CLASS_NAMES
    elif name == "cifar10":
        (x_train, y_train), (x_test, y_test) = proxies.cifar10_proxy()
        names = proxies.CIFAR_CLASS_NAMES
    else:
        (x_train, y_train), (x_test, y_test) = proxies.imdb_proxy(num_words)
        names = proxies.IMDB_CLASS_NAMES
        if num_words is not None:
            description += f" Ids of {num_words:,} and above are replaced by 2, as num_words does."
    arrays = tuple(_frozen(a) for a in (x_train, y_train, x_test, y_test))
    return Dataset(name, PROXY_SOURCES[name], *arrays, description=description,
                   class_names=names)


def _proxy_words(name: str, num_words: int | None) -> int | None:
    # num_words only matters to IMDB, and only below the proxy's vocabulary.
    if name != "imdb" or not num_words or num_words >= proxies.IMDB_VOCABULARY:
        return None
    return num_words


@functools.cache
def _proxy(name: str, num_words: int | None) -> Dataset:
    if num_words is None:
        return build_proxy(name)
    base = _proxy(name, None)  # IMDB only: cap the ids of the memoised full-vocabulary proxy
    capped = [_frozen([[w if w < num_words else 2 for w in x] for x in xs])
              for xs in (base.x_train, base.x_test)]
    description = (f"{base.description} Ids of {num_words:,} and above are replaced by 2, as "
                   "num_words does.")
    return Dataset(name, base.source, capped[0], base.y_train, capped[1], base.y_test,
                   description=description, class_names=base.class_names)
