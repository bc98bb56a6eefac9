"""Readers for the standard files of each data set in a local directory (``--data-dir``).

Each ``find_<name>(data_dir)`` returns ``None`` when the directory simply does not hold that
data set (so resolution goes on to ``keras.datasets``), and raises ``DataSourceError`` when it
holds the data set's files but they are broken: a user who points at a data directory wants
those files or a clear error, never a silent proxy.

The layouts are the ones the files come in, directly in the data directory or in a sub-folder
named after the data set; a data directory that is Keras's own cache (``~/.keras/datasets``,
with mnist.npz, imdb.npz and cifar-10-batches-py-target/) works as well.

Arrays follow ``keras.datasets``: MNIST x uint8 (N, 28, 28), y uint8 (N,); CIFAR-10 x uint8
(N, 32, 32, 3), y uint8 (N, 1); IMDB x an object array of int lists, y int (N,); cats-vs-dogs
x uint8 (N, 160, 160, 3), y int64 (N,), class k = the k-th class folder in sorted order,
images in a fixed shuffled order.
"""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


class DataSourceError(ValueError):
    """A data set's file exists but is unusable; the message names the file and the fault."""


@dataclass(frozen=True)
class LocalArrays:
    """What a local reader found: the four arrays and the files they came from."""

    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    origin: Path
    class_names: tuple[str, ...] = ()


# Sub-folders, relative to the data directory, where each data set may sit.
SUBFOLDERS: dict[str, tuple[str, ...]] = {
    "mnist": ("", "mnist", "MNIST", "MNIST/raw"),
    "cifar10": ("", "cifar10", "cifar-10", "cifar-10-batches-py-target"),  # the last: ~/.keras
    "imdb": ("", "imdb"),
    "cats-vs-dogs": ("", "cats-vs-dogs", "cats_and_dogs"),
}


def _candidates(data_dir: Path, name: str) -> list[Path]:
    return [data_dir / sub if sub else data_dir for sub in SUBFOLDERS[name]
            if (data_dir / sub).is_dir()]


# --- MNIST --------------------------------------------------------------------------------------

MNIST_IDX = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def _idx_file(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped when it ends in ``.gz``; broken gzip is a DataSourceError."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                return stream.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise DataSourceError(f"{path}: cannot read it ({error})") from None


def read_idx(path: Path, expected_ndim: int, item_shape: tuple[int, ...] = ()) -> np.ndarray:
    """One IDX file (ubyte data) as a uint8 array, checking magic number, dims and length."""
    data = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataSourceError(f"{path}: bad magic number {data[:4].hex() or '(empty file)'}; "
                              "not an IDX file")
    type_code, ndim = data[2], data[3]
    if type_code != 0x08:
        raise DataSourceError(f"{path}: IDX type code 0x{type_code:02x}, expected 0x08 (ubyte)")
    if ndim != expected_ndim:
        raise DataSourceError(f"{path}: IDX file has {ndim} dimensions, expected {expected_ndim}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataSourceError(f"{path}: truncated header ({len(data)} bytes)")
    shape = tuple(int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
    if item_shape and shape[1:] != item_shape:
        raise DataSourceError(f"{path}: items of shape {shape[1:]}, expected {item_shape}")
    size = int(np.prod(shape))
    if len(data) - header != size:
        raise DataSourceError(f"{path}: {len(data) - header} data bytes, the header {shape} "
                              f"promises {size} (truncated or padded file)")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape).copy()


def _check_labels(path: Path | str, labels: np.ndarray, images: int, classes: int) -> None:
    if len(labels) != images:
        raise DataSourceError(f"{path}: {len(labels)} labels for {images} images")
    if len(labels) and (labels.min() < 0 or labels.max() >= classes):
        raise DataSourceError(f"{path}: labels outside 0..{classes - 1} "
                              f"(found {labels.min()}..{labels.max()})")


def _mnist_idx(folder: Path) -> LocalArrays | None:
    files = {key: _idx_file(folder, stem) for key, stem in MNIST_IDX.items()}
    if not any(files.values()):
        return None
    missing = [MNIST_IDX[key] for key, path in files.items() if path is None]
    if missing:
        raise DataSourceError(f"{folder}: MNIST IDX files incomplete, missing "
                              f"{', '.join(missing)} (plain or .gz)")
    arrays: dict[str, np.ndarray] = {}
    for split in ("train", "test"):
        x_path, y_path = files[f"x_{split}"], files[f"y_{split}"]
        assert x_path is not None and y_path is not None
        images = read_idx(x_path, 3, (28, 28))
        labels = read_idx(y_path, 1)
        _check_labels(y_path, labels, len(images), 10)
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images, labels
    return LocalArrays(**arrays, origin=folder)


def _mnist_npz(path: Path) -> LocalArrays:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except KeyError as error:
        raise DataSourceError(f"{path}: missing array {error} (needs x_train, y_train, "
                              "x_test, y_test)") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataSourceError(f"{path}: cannot read it as .npz ({error})") from None
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise DataSourceError(f"{path}: x_{split} is {images.dtype} {images.shape}, "
                                  "expected uint8 (N, 28, 28)")
        if labels.ndim != 1:
            raise DataSourceError(f"{path}: y_{split} has shape {labels.shape}, expected (N,)")
        _check_labels(path, labels, len(images), 10)
    return LocalArrays(**arrays, origin=path)


def find_mnist(data_dir: Path) -> LocalArrays | None:
    """MNIST from the four IDX files (plain or .gz) or Keras's ``mnist.npz``."""
    for folder in _candidates(data_dir, "mnist"):
        found = _mnist_idx(folder)
        if found is not None:
            return found
        if (folder / "mnist.npz").is_file():
            return _mnist_npz(folder / "mnist.npz")
    return None


# --- CIFAR-10 -----------------------------------------------------------------------------------

CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{k}" for k in range(1, 6))
CIFAR_BATCHES = (*CIFAR_TRAIN_BATCHES, "test_batch")
CIFAR_CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
                     "dog", "frog", "horse", "ship", "truck")
# What a CIFAR pickle may ask for: numpy array reconstruction, and ``_codecs.encode``, which
# Python 3 writes for bytes under pickle protocol 2; nothing else (a pickle can run code, and
# these files come from outside).
_PICKLE_GLOBALS = frozenset({
    ("_codecs", "encode"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
})


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _restricted_load(data: bytes) -> Any:
    return _RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()


def parse_cifar_batch(data: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: x uint8 (N, 32, 32, 3) channels-last, y uint8 (N,)."""
    try:
        batch = _restricted_load(data)
    except Exception as error:  # pickle raises many types on garbage
        raise DataSourceError(f"{where}: not a CIFAR-10 batch pickle "
                              f"({type(error).__name__}: {error})") from None
    if not isinstance(batch, dict):
        raise DataSourceError(f"{where}: the pickle holds a {type(batch).__name__}, not a dict")
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise DataSourceError(f"{where}: keys {sorted(map(str, batch))}, need 'data' and "
                              "'labels'")
    images = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"])
    if images.ndim != 2 or images.shape[1] != 3072 or images.dtype != np.uint8:
        raise DataSourceError(f"{where}: data is {images.dtype} {images.shape}, expected uint8 "
                              "(N, 3072)")
    if labels.ndim != 1:
        raise DataSourceError(f"{where}: labels have shape {labels.shape}, expected (N,)")
    _check_labels(where, labels, len(images), 10)
    x = images.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(x), labels.astype(np.uint8)


def _cifar_arrays(batches: dict[str, tuple[np.ndarray, np.ndarray]], origin: Path
                  ) -> LocalArrays:
    x_train = np.concatenate([batches[name][0] for name in CIFAR_TRAIN_BATCHES])
    y_train = np.concatenate([batches[name][1] for name in CIFAR_TRAIN_BATCHES])
    x_test, y_test = batches["test_batch"]
    return LocalArrays(x_train, y_train.reshape(-1, 1), x_test, y_test.reshape(-1, 1),
                       origin=origin, class_names=CIFAR_CLASS_NAMES)


def _cifar_folder(folder: Path) -> LocalArrays:
    missing = [name for name in CIFAR_BATCHES if not (folder / name).is_file()]
    if missing:
        raise DataSourceError(f"{folder}: CIFAR-10 batches incomplete, missing "
                              f"{', '.join(missing)}")
    batches = {name: parse_cifar_batch((folder / name).read_bytes(), str(folder / name))
               for name in CIFAR_BATCHES}
    return _cifar_arrays(batches, folder)


def _cifar_tar(path: Path) -> LocalArrays:
    batches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and base in CIFAR_BATCHES:
                    stream = archive.extractfile(member)
                    assert stream is not None
                    batches[base] = parse_cifar_batch(stream.read(), f"{path}:{member.name}")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise DataSourceError(f"{path}: cannot read the archive ({error})") from None
    missing = [name for name in CIFAR_BATCHES if name not in batches]
    if missing:
        raise DataSourceError(f"{path}: archive lacks {', '.join(missing)}")
    return _cifar_arrays(batches, path)


def find_cifar10(data_dir: Path) -> LocalArrays | None:
    """CIFAR-10 from ``cifar-10-batches-py/`` (or its batches directly) or the .tar.gz."""
    for folder in _candidates(data_dir, "cifar10"):
        if (folder / "cifar-10-batches-py").is_dir():
            return _cifar_folder(folder / "cifar-10-batches-py")
        if any((folder / name).is_file() for name in CIFAR_BATCHES):
            return _cifar_folder(folder)
        if (folder / "cifar-10-python.tar.gz").is_file():
            return _cifar_tar(folder / "cifar-10-python.tar.gz")
    return None


# --- IMDB ---------------------------------------------------------------------------------------

def _load_npz_restricted(path: Path) -> dict[str, np.ndarray]:
    # Like keras.src.datasets.npz_utils.load_npz: object arrays need pickle, so only numpy's
    # array reconstruction is allowed.
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            buffer = io.BytesIO(archive.read(member))
            try:
                array = np.lib.format.read_array(buffer, allow_pickle=False)
            except ValueError:  # an object array: read the pickle after the header
                buffer.seek(0)
                major, _ = np.lib.format.read_magic(buffer)
                if major == 1:
                    np.lib.format.read_array_header_1_0(buffer)
                else:
                    np.lib.format.read_array_header_2_0(buffer)
                array = _RestrictedUnpickler(buffer).load()
            arrays[member[: -len(".npy")]] = array
    return arrays


def imdb_from_raw(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                  y_test: np.ndarray, num_words: int | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What ``keras.datasets.imdb.load_data(num_words=...)`` makes of the raw ``imdb.npz``.

    The same steps as Keras 3 (keras/src/datasets/imdb.py) with its defaults: shuffle each split
    with ``RandomState(113)``, prepend start_char 1, shift ids by index_from 3, and replace ids
    ``>= num_words`` by oov_char 2. Without ``num_words`` Keras uses the largest id as the limit,
    so that one id also becomes 2; we keep that quirk so a data directory gives Keras's arrays.
    """
    rng = np.random.RandomState(113)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, y_train = x_train[order], y_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, y_test = x_test[order], y_test[order]
    sequences = [[1] + [int(w) + 3 for w in x] for x in (*x_train, *x_test)]
    limit = num_words or max((max(x) for x in sequences if x), default=0)
    sequences = [[w if w < limit else 2 for w in x] for x in sequences]
    split = len(x_train)
    return (object_array(sequences[:split]), np.asarray(y_train),
            object_array(sequences[split:]), np.asarray(y_test))


def object_array(sequences: list[list[int]]) -> np.ndarray:
    # np.array(list_of_lists, dtype=object) turns equal-length lists into a 2-D array; this
    # always gives a 1-D array of lists, as the real (ragged) IMDB gives.
    array = np.empty(len(sequences), dtype=object)
    for index, sequence in enumerate(sequences):
        array[index] = sequence
    return array


def _imdb_npz(path: Path, num_words: int | None) -> LocalArrays:
    try:
        raw = _load_npz_restricted(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error,
            pickle.UnpicklingError) as error:
        raise DataSourceError(f"{path}: cannot read it as .npz ({error})") from None
    missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in raw]
    if missing:
        raise DataSourceError(f"{path}: missing array(s) {', '.join(missing)}")
    for split in ("train", "test"):
        x, y = raw[f"x_{split}"], raw[f"y_{split}"]
        if x.ndim != 1 or y.ndim != 1 or len(x) != len(y):
            raise DataSourceError(f"{path}: x_{split} {x.shape} and y_{split} {y.shape} must "
                                  "be 1-D and equally long")
        _check_labels(path, y, len(x), 2)
        try:
            for sequence in x:
                np.asarray(sequence, dtype=np.int64)
        except (TypeError, ValueError):
            raise DataSourceError(f"{path}: x_{split} does not hold lists of word ids") from None
    arrays = imdb_from_raw(raw["x_train"], raw["y_train"], raw["x_test"], raw["y_test"],
                           num_words)
    return LocalArrays(*arrays, origin=path, class_names=("negative", "positive"))


def find_imdb(data_dir: Path, num_words: int | None = None) -> LocalArrays | None:
    """IMDB from Keras's ``imdb.npz``, with ``num_words`` applied as Keras does."""
    for folder in _candidates(data_dir, "imdb"):
        if (folder / "imdb.npz").is_file():
            return _imdb_npz(folder / "imdb.npz", num_words)
    return None


# --- cats vs dogs -------------------------------------------------------------------------------

CATS_DOGS_FOLDERS = ("cats_and_dogs_filtered", "cats-vs-dogs")
IMAGE_SIZE = 160
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif"})
SHUFFLE_SEED = 0


def _image_split(folder: Path, class_names: tuple[str, ...] | None
                 ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    from PIL import Image, UnidentifiedImageError

    names = tuple(sorted(p.name for p in folder.iterdir() if p.is_dir()))
    if not names:
        raise DataSourceError(f"{folder}: no class sub-folders (expected e.g. cats/ and dogs/)")
    if class_names is not None and names != class_names:
        raise DataSourceError(f"{folder}: classes {list(names)} differ from the training "
                              f"classes {list(class_names)}")
    files = [(label, path) for label, name in enumerate(names)
             for path in sorted((folder / name).iterdir())
             if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise DataSourceError(f"{folder}: no images in {', '.join(names)}")
    images = np.empty((len(files), IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    for index, (_, path) in enumerate(files):
        try:
            with Image.open(path) as image:
                resized = image.convert("RGB").resize((IMAGE_SIZE, IMAGE_SIZE),
                                                      Image.Resampling.BILINEAR)
        except (OSError, UnidentifiedImageError, ValueError) as error:
            raise DataSourceError(f"{path}: cannot read the image ({error})") from None
        images[index] = np.asarray(resized)
    labels = np.array([label for label, _ in files], dtype=np.int64)
    # A fixed shuffle: sorted by class, a validation_split would hold one class only.
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(files))
    return images[order], labels[order], names


def find_cats_vs_dogs(data_dir: Path) -> LocalArrays | None:
    """Cats vs dogs from ``cats_and_dogs_filtered/`` (or ``cats-vs-dogs/``) with train/ and
    validation/, one sub-folder per class; images resized to 160x160 RGB."""
    roots = [folder / name for folder in _candidates(data_dir, "cats-vs-dogs")
             for name in CATS_DOGS_FOLDERS]
    for root in roots:
        present = [split for split in ("train", "validation") if (root / split).is_dir()]
        if not present:
            continue  # not this folder (maybe a parent of cats_and_dogs_filtered/)
        if len(present) == 1:
            missing = "validation" if present == ["train"] else "train"
            raise DataSourceError(f"{root}: no {missing}/ folder (needs train/ and "
                                  "validation/, one sub-folder per class)")
        x_train, y_train, names = _image_split(root / "train", None)
        x_test, y_test, _ = _image_split(root / "validation", names)
        return LocalArrays(x_train, y_train, x_test, y_test, origin=root, class_names=names)
    return None
