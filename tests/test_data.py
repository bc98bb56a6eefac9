"""Data sets: local files, the keras.datasets fallback, and the offline proxies.

A claim is only as good as the data it ran on, so these pin down that a data directory is read
exactly (and that broken files fail loudly, naming the file, instead of silently becoming a
proxy), that the offline fallback says so in one line, and that the proxies are the same bytes
on every run. No training here; everything runs on tiny files in ``tmp_path``.
"""

from __future__ import annotations

import gzip
import logging
import pickle
import re
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import harness.data as data
from harness.data import DataSourceError, load_real_dataset, proxy_dataset, resolve_dataset
from harness.errors import MeasurementSkipped

pytestmark = pytest.mark.fast

URL_FAILURE = ("URL fetch failure on https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
               "x.npz: None -- [Errno -3] Temporary failure in name resolution")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No data directory from the environment, and no memoised results from other tests."""
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    data.clear_cache(keep_proxies=True)
    yield
    data.clear_cache(keep_proxies=True)


def offline(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``keras.datasets.<name>.load_data`` fail as it does with no network and no cache."""
    import keras

    def fail(*args: object, **kwargs: object) -> None:
        raise Exception(URL_FAILURE)

    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", fail)


# --- writers for tiny files in the standard formats ------------------------------------------

def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file (ubyte) holding ``array``: zero, zero, type 0x08, ndim, big-endian dims."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(dim).to_bytes(4, "big") for dim in array.shape)
    return header + array.astype(np.uint8).tobytes()


def mnist_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 5, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 3, dtype=np.uint8),
    }


def write_idx_files(folder: Path, arrays: dict[str, np.ndarray], gz: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in data.local.MNIST_IDX.items():
        payload = idx_bytes(arrays[key])
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(payload))
        else:
            (folder / stem).write_bytes(payload)


def cifar_batch(n: int, seed: int, labels_key: bytes = b"labels") -> tuple[bytes, np.ndarray,
                                                                              list[int]]:
    """A CIFAR-10 python batch as the original files hold it (protocol 2, bytes keys)."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, n)]
    batch = {b"batch_label": b"fake batch", labels_key: labels, b"data": rows,
             b"filenames": [b"img%d.png" % k for k in range(n)]}
    return pickle.dumps(batch, protocol=2), rows, labels


def write_cifar_folder(folder: Path) -> tuple[np.ndarray, list[int]]:
    folder.mkdir(parents=True, exist_ok=True)
    all_rows, all_labels = [], []
    for seed, name in enumerate(data.local.CIFAR_BATCHES):
        payload, rows, labels = cifar_batch(2, seed)
        (folder / name).write_bytes(payload)
        all_rows.append(rows)
        all_labels += labels
    return np.concatenate(all_rows), all_labels


def ragged(sequences: list[list[int]]) -> np.ndarray:
    array = np.empty(len(sequences), dtype=object)
    array[:] = [list(seq) for seq in sequences]
    return array


def write_imdb_npz(path: Path) -> None:
    """A raw imdb.npz as Keras stores it: ragged object arrays of 1-based word ranks."""
    rng = np.random.default_rng(3)
    def reviews(n: int) -> np.ndarray:
        return ragged([[int(w) for w in rng.integers(1, 40, int(rng.integers(3, 12)))]
                       for _ in range(n)])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x_train=reviews(7), y_train=rng.integers(0, 2, 7),
             x_test=reviews(5), y_test=rng.integers(0, 2, 5))


def write_cats_dogs(root: Path, per_class: int = 2) -> None:
    from PIL import Image

    rng = np.random.default_rng(4)
    for split in ("train", "validation"):
        for name in ("cats", "dogs"):
            folder = root / split / name
            folder.mkdir(parents=True)
            for k in range(per_class):
                pixels = rng.integers(0, 256, (12, 9, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{name}.{k}.png")


# --- data directory: each format is read exactly ----------------------------------------------

@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_mnist_idx_files_round_trip(tmp_path: Path, gz: bool) -> None:
    """The four IDX files, plain or gzipped, in a sub-folder named after the data set."""
    arrays = mnist_arrays()
    write_idx_files(tmp_path / "mnist", arrays, gz)
    dataset = resolve_dataset("mnist", tmp_path)
    assert dataset.source == "data-dir"
    assert not dataset.is_proxy
    for key, expected in arrays.items():
        np.testing.assert_array_equal(getattr(dataset, key), expected)
        assert getattr(dataset, key).dtype == np.uint8
    assert "5 train / 3 test" in dataset.description


def test_mnist_npz_in_data_dir(tmp_path: Path) -> None:
    """Keras's own mnist.npz, directly in the data directory."""
    arrays = mnist_arrays(1)
    np.savez(tmp_path / "mnist.npz", **arrays)
    dataset = resolve_dataset("mnist", tmp_path)
    assert dataset.source == "data-dir"
    np.testing.assert_array_equal(dataset.x_test, arrays["x_test"])
    np.testing.assert_array_equal(dataset.y_train, arrays["y_train"])


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an argument, $HARNESS_DATA_DIR names the data directory."""
    np.savez(tmp_path / "mnist.npz", **mnist_arrays())
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert resolve_dataset("mnist").source == "data-dir"
    assert load_real_dataset("mnist").source == "data-dir"


@pytest.mark.parametrize("parent", ["", "cifar-10-batches-py-target"], ids=["plain", "keras-cache"])
def test_cifar_batches_folder(tmp_path: Path, parent: str) -> None:
    """The python batches: rows of 3072 bytes (R plane, G, B) become channels-last images."""
    rows, labels = write_cifar_folder(tmp_path / parent / "cifar-10-batches-py")
    dataset = resolve_dataset("cifar10", tmp_path)
    assert dataset.source == "data-dir"
    assert dataset.x_train.shape == (10, 32, 32, 3) and dataset.x_train.dtype == np.uint8
    assert dataset.x_test.shape == (2, 32, 32, 3)
    assert dataset.y_train.shape == (10, 1) and dataset.y_test.shape == (2, 1)
    # pixel (row 0, column 1) of image 0: red at byte 1, green at 1024 + 1, blue at 2048 + 1
    assert list(dataset.x_train[0, 0, 1]) == [rows[0, 1], rows[0, 1025], rows[0, 2049]]
    assert dataset.y_train[:, 0].tolist() + dataset.y_test[:, 0].tolist() == labels
    assert dataset.class_names[0] == "airplane"


def test_cifar_tar_gz(tmp_path: Path) -> None:
    """The downloaded archive, read without unpacking it, gives the same arrays as the folder."""
    write_cifar_folder(tmp_path / "unpacked" / "cifar-10-batches-py")
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as archive:
        archive.add(tmp_path / "unpacked" / "cifar-10-batches-py", "cifar-10-batches-py")
    from_tar = resolve_dataset("cifar10", tmp_path)
    from_folder = resolve_dataset("cifar10", tmp_path / "unpacked")
    assert from_tar.source == "data-dir"
    assert from_tar.checksum == from_folder.checksum


@pytest.mark.parametrize("num_words", [None, 10])
def test_imdb_npz_matches_keras(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                num_words: int | None) -> None:
    """imdb.npz gives exactly what keras.datasets.imdb.load_data makes of the same file."""
    import keras
    import keras.src.datasets.imdb as keras_imdb

    write_imdb_npz(tmp_path / "imdb" / "imdb.npz")
    monkeypatch.setattr(keras_imdb, "get_file", lambda **kwargs: str(tmp_path / "imdb/imdb.npz"))
    (kx_train, ky_train), (kx_test, ky_test) = keras.datasets.imdb.load_data(num_words=num_words)
    dataset = resolve_dataset("imdb", tmp_path, num_words=num_words)
    assert dataset.source == "data-dir"
    assert [list(x) for x in dataset.x_train] == [list(x) for x in kx_train]
    assert [list(x) for x in dataset.x_test] == [list(x) for x in kx_test]
    np.testing.assert_array_equal(dataset.y_train, ky_train)
    np.testing.assert_array_equal(dataset.y_test, ky_test)
    if num_words:
        assert max(max(x) for x in dataset.x_train) < num_words
        assert any(2 in x for x in dataset.x_train)


def test_cats_vs_dogs_folder(tmp_path: Path) -> None:
    """train/ and validation/ with one sub-folder per class; images become 160x160 RGB."""
    write_cats_dogs(tmp_path / "cats_and_dogs_filtered")
    dataset = resolve_dataset("cats-vs-dogs", tmp_path)
    assert dataset.source == "data-dir"
    assert dataset.x_train.shape == (4, 160, 160, 3) and dataset.x_train.dtype == np.uint8
    assert dataset.x_test.shape == (4, 160, 160, 3)
    assert sorted(dataset.y_train.tolist()) == [0, 0, 1, 1]
    assert dataset.class_names == ("cats", "dogs")


def test_results_are_memoised_and_read_only(tmp_path: Path) -> None:
    """Many claims read one data set: it is loaded once, and none of them can change it."""
    np.savez(tmp_path / "mnist.npz", **mnist_arrays())
    first = resolve_dataset("mnist", tmp_path)
    assert resolve_dataset("mnist", str(tmp_path)) is first
    assert load_real_dataset("mnist", data_dir=tmp_path) is first
    with pytest.raises(ValueError, match="read-only"):
        first.x_train[0, 0, 0] = 1


def test_prepared_shape_pads_imdb(tmp_path: Path) -> None:
    """The tutorial's preparation (first N, pad to 500) as the shape claims read it."""
    write_imdb_npz(tmp_path / "imdb.npz")
    dataset = resolve_dataset("imdb", tmp_path, num_words=10)
    assert data.prepared_shape(dataset, "train", "x", pad_to=500) == [7, 500]
    assert data.prepared_shape(dataset, "test", "y", first=2) == [2]


# --- broken files fail loudly, naming the file ------------------------------------------------

def _good_mnist(folder: Path) -> None:
    write_idx_files(folder, mnist_arrays(), gz=True)


def _gz(folder: Path, stem: str) -> Path:
    return folder / f"{stem}.gz"


def break_missing_idx(folder: Path) -> str:
    _gz(folder, "t10k-labels-idx1-ubyte").unlink()
    return "t10k-labels-idx1-ubyte"


def break_truncated_gzip(folder: Path) -> str:
    path = _gz(folder, "train-images-idx3-ubyte")
    path.write_bytes(path.read_bytes()[:-40])
    return path.name


def break_not_gzip(folder: Path) -> str:
    path = _gz(folder, "train-labels-idx1-ubyte")
    path.write_bytes(b"this is not gzip data at all")
    return path.name


def break_magic(folder: Path) -> str:
    path = _gz(folder, "t10k-images-idx3-ubyte")
    path.write_bytes(gzip.compress(b"\x12\x34" + gzip.decompress(path.read_bytes())[2:]))
    return path.name


def break_image_shape(folder: Path) -> str:
    path = _gz(folder, "train-images-idx3-ubyte")
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((5, 27, 27), np.uint8))))
    return path.name


def break_label_count(folder: Path) -> str:
    path = _gz(folder, "train-labels-idx1-ubyte")
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(4, np.uint8))))
    return path.name


def break_short_data(folder: Path) -> str:
    path = _gz(folder, "t10k-images-idx3-ubyte")
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((3, 28, 28), np.uint8))[:-5]))
    return path.name


@pytest.mark.parametrize("breaker", [break_missing_idx, break_truncated_gzip, break_not_gzip,
                                     break_magic, break_image_shape, break_label_count,
                                     break_short_data])
def test_broken_mnist_idx_raises_naming_the_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 breaker: Callable[[Path], str]) -> None:
    """A data directory with broken MNIST files is an error, never a silent proxy."""
    offline(monkeypatch, "mnist")
    _good_mnist(tmp_path)
    culprit = breaker(tmp_path)
    with pytest.raises(DataSourceError, match=culprit) as caught:
        resolve_dataset("mnist", tmp_path)
    assert "\n" not in str(caught.value)
    with pytest.raises(DataSourceError, match=culprit):
        load_real_dataset("mnist", data_dir=tmp_path)


def test_broken_mnist_npz(tmp_path: Path) -> None:
    arrays = mnist_arrays()
    arrays["x_train"] = arrays["x_train"][:, :20]
    np.savez(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(DataSourceError, match=r"mnist\.npz.*x_train"):
        resolve_dataset("mnist", tmp_path)
    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 truncated")
    data.clear_cache()
    with pytest.raises(DataSourceError, match=r"mnist\.npz"):
        resolve_dataset("mnist", tmp_path)


def _cifar_breakers() -> list[tuple[str, Callable[[Path], str]]]:
    def unpicklable(folder: Path) -> str:
        (folder / "data_batch_3").write_bytes(b"\x80\x02garbage that is no pickle")
        return "data_batch_3"

    def wrong_shape(folder: Path) -> str:
        batch = {b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]}
        (folder / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
        return "test_batch"

    def wrong_keys(folder: Path) -> str:
        (folder / "data_batch_1").write_bytes(cifar_batch(2, 0, labels_key=b"fine_labels")[0])
        return "data_batch_1"

    def label_count(folder: Path) -> str:
        batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1, 2]}
        (folder / "data_batch_2").write_bytes(pickle.dumps(batch, protocol=2))
        return "data_batch_2"

    def missing(folder: Path) -> str:
        (folder / "data_batch_5").unlink()
        return "data_batch_5"

    def code_in_pickle(folder: Path) -> str:
        class Exploit:
            def __reduce__(self) -> tuple[object, tuple[str]]:
                import os

                return os.system, ("echo pwned",)

        (folder / "data_batch_4").write_bytes(pickle.dumps({b"data": Exploit()}, protocol=2))
        return "data_batch_4"

    return [("unpicklable", unpicklable), ("wrong-shape", wrong_shape),
            ("wrong-keys", wrong_keys), ("label-count", label_count), ("missing", missing),
            ("code-in-pickle", code_in_pickle)]


@pytest.mark.parametrize("breaker", [b for _, b in _cifar_breakers()],
                         ids=[name for name, _ in _cifar_breakers()])
def test_broken_cifar_batches_raise_naming_the_file(tmp_path: Path,
                                                    breaker: Callable[[Path], str]) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar_folder(folder)
    culprit = breaker(folder)
    with pytest.raises(DataSourceError, match=culprit):
        resolve_dataset("cifar10", tmp_path)


def test_corrupt_cifar_archive(tmp_path: Path) -> None:
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(gzip.compress(b"not a tar")[:-6])
    with pytest.raises(DataSourceError, match=r"cifar-10-python\.tar\.gz"):
        resolve_dataset("cifar10", tmp_path)


def test_corrupt_imdb_npz(tmp_path: Path) -> None:
    (tmp_path / "imdb.npz").write_bytes(b"definitely not a zip file")
    with pytest.raises(DataSourceError, match=r"imdb\.npz"):
        resolve_dataset("imdb", tmp_path, num_words=10_000)


def test_broken_cats_vs_dogs(tmp_path: Path) -> None:
    root = tmp_path / "cats-vs-dogs"
    write_cats_dogs(root)
    bad = root / "validation" / "dogs" / "dogs.1.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n but then nothing")
    with pytest.raises(DataSourceError, match=r"dogs\.1\.png"):
        resolve_dataset("cats-vs-dogs", tmp_path)
    data.clear_cache()
    for path in sorted((root / "validation").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (root / "validation").rmdir()
    with pytest.raises(DataSourceError, match="validation/"):
        resolve_dataset("cats-vs-dogs", tmp_path)


def test_missing_data_dir_is_an_error(tmp_path: Path) -> None:
    """A mistyped --data-dir must not quietly turn into a proxy."""
    with pytest.raises(DataSourceError, match="does not exist"):
        resolve_dataset("mnist", tmp_path / "nowhere")


# --- fallbacks: keras.datasets, then the proxy ------------------------------------------------

def test_data_dir_without_the_data_set_falls_through_to_keras(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import keras

    arrays = mnist_arrays()
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: (
        (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])))
    (tmp_path / "unrelated.txt").write_text("no data sets here")
    with caplog.at_level(logging.WARNING, logger="harness.data"):
        dataset = resolve_dataset("mnist", tmp_path)
    assert dataset.source == "keras-datasets"
    assert not caplog.records


@pytest.mark.parametrize(("name", "label"), [
    ("mnist", "sklearn-digits"), ("cifar10", "synthetic-cifar10"), ("imdb", "synthetic-imdb")])
def test_offline_fallback_logs_one_line_and_returns_the_proxy(
        name: str, label: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    offline(monkeypatch, name)
    with caplog.at_level(logging.WARNING, logger="harness.data"):
        dataset = resolve_dataset(name, num_words=10_000)
        again = resolve_dataset(name, num_words=10_000)
    assert again is dataset
    assert dataset.source == f"proxy-{label}" and dataset.is_proxy
    warnings = [r for r in caplog.records if r.name == "harness.data"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    message = warnings[0].getMessage()
    assert "\n" not in message and warnings[0].exc_info is None
    assert message.startswith(f"{name}: no network and no cached copy")
    assert "URL fetch failure" in message and f"offline proxy '{label}'" in message


def test_load_real_dataset_never_returns_aproxy_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    offline(monkeypatch, "cifar10")
    with pytest.raises(MeasurementSkipped) as caught:
        load_real_dataset("cifar10")
    reason = str(caught.value)
    assert "\n" not in reason
    assert "URL fetch failure" in reason and data.DATA_DIR_ENV in reason


def test_cats_vs_dogs_has_noproxy_dataset(tmp_path: Path) -> None:
    for load in (resolve_dataset, load_real_dataset):
        with pytest.raises(MeasurementSkipped, match="cats_and_dogs_filtered"):
            load("cats-vs-dogs")
        with pytest.raises(MeasurementSkipped, match=re.escape(str(tmp_path))):
            load("cats-vs-dogs", data_dir=tmp_path)


def test_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown data set"):
        resolve_dataset("fashion_mnist")


# --- the proxies: fixed shapes, and the same bytes every time ---------------------------------

# Checksums of the proxies under the pinned NumPy and scikit-learn (constraints.txt). A change
# means every baseline measured on that proxy is stale: update them together, on purpose.
PINNED_VERSIONS = {"numpy": "2.4.6", "sklearn": "1.9.1"}
PINNED_CHECKSUMS = {
    ("mnist", None): "096c6b16e60ef513",
    ("cifar10", None): "fae01ffb7f670384",
    ("imdb", 10_000): "bec16b0765aaa84b",
}


@pytest.mark.parametrize(("name", "num_words"), list(PINNED_CHECKSUMS))
def test_proxy_is_deterministic(name: str, num_words: int | None) -> None:
    """A proxy is the same bytes on every run: its checksum is pinned for the pinned libraries
    (a stronger check than generating it twice); with other versions it is regenerated."""
    import sklearn

    checksum = proxy_dataset(name, num_words).checksum
    if {"numpy": np.__version__, "sklearn": sklearn.__version__} == PINNED_VERSIONS:
        assert checksum == PINNED_CHECKSUMS[(name, num_words)]
    else:
        assert data.build_proxy(name, num_words).checksum == checksum


def test_proxy_regenerates_identically() -> None:
    """Generating afresh in the same process gives the same bytes (MNIST: the cheap one)."""
    assert data.build_proxy("mnist").checksum == proxy_dataset("mnist").checksum


def test_mnist_proxy_shapes() -> None:
    dataset = proxy_dataset("mnist", None)
    assert dataset.x_train.shape == (1437, 28, 28) and dataset.x_test.shape == (360, 28, 28)
    assert dataset.x_train.dtype == np.uint8 and dataset.y_train.dtype == np.uint8
    assert np.unique(dataset.y_train).tolist() == list(range(10))
    assert np.unique(dataset.y_test).tolist() == list(range(10))
    assert dataset.x_train.max() == 255
    # the digits sit off centre by up to 5 pixels: their centres of mass spread out
    rows = (dataset.x_train.sum(axis=2) * np.arange(28)).sum(axis=1) / dataset.x_train.sum(
        axis=(1, 2))
    assert 1.5 < rows.std() < 4
    assert "sklearn" in dataset.description or "scikit-learn" in dataset.description


def test_cifar_proxy_shapes() -> None:
    dataset = proxy_dataset("cifar10", None)
    assert dataset.x_train.shape == (6000, 32, 32, 3) and dataset.x_train.dtype == np.uint8
    assert dataset.x_test.shape == (1000, 32, 32, 3)
    assert dataset.y_train.shape == (6000, 1) and dataset.y_test.shape == (1000, 1)
    assert np.bincount(dataset.y_train[:, 0]).tolist() == [600] * 10
    assert np.bincount(dataset.y_test[:, 0]).tolist() == [100] * 10


@pytest.mark.parametrize("num_words", [10_000, 1_000])
def test_imdb_proxy_follows_keras_conventions(num_words: int) -> None:
    dataset = proxy_dataset("imdb", num_words)
    assert len(dataset.x_train) == len(dataset.y_train) == 5000
    assert len(dataset.x_test) == len(dataset.y_test) == 5000
    assert set(np.unique(dataset.y_train).tolist()) == {0, 1}
    lengths = [len(x) for x in dataset.x_train]
    assert min(lengths) >= 80 and max(lengths) <= 500
    assert all(x[0] == 1 for x in dataset.x_train[:50])
    top = max(max(x) for x in dataset.x_train)
    assert top < num_words and min(min(x[1:]) for x in dataset.x_train) >= 2
    if num_words < 10_000:
        assert sum(x.count(2) for x in dataset.x_train[:50]) > 0


def test_proxy_descriptions_say_how_they_were_built() -> None:
    for name in ("mnist", "cifar10", "imdb"):
        description = data.PROXY_DESCRIPTIONS[name]
        assert description.startswith("Offline") and description.endswith(".")
        assert "\n" not in description
