"""Baseline files: where they live, what they hold, and that a write is all or nothing.

Baselines are committed and reviewed in diffs, so the layout and the JSON formatting are part
of the contract; a torn or corrupt file must be reported with the way to fix it, never read as
"no baseline".
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
from pathlib import Path

import pytest

from harness.baselines import (
    SCHEMA,
    BaselineEntry,
    BaselineFileError,
    BaselineKey,
    BaselineStore,
)
from harness.kinds import DATA_SCOPE, STRUCTURE_SCOPE

pytestmark = pytest.mark.fast

ENVIRONMENT = {"keras": "3.1.0", "backend": "tensorflow", "device_class": "cpu",
               "data_source": "keras-datasets"}
KEY = BaselineKey.build("alpha-tut", "structure", STRUCTURE_SCOPE, ENVIRONMENT)
PROVENANCE = {"reason": "first baselines", "keras": "3.1.0"}


def entry(value: object, version: int = 1) -> BaselineEntry:
    return BaselineEntry(claim_version=version, value=value, provenance=PROVENANCE)


@pytest.fixture
def store(tmp_path: Path) -> BaselineStore:
    return BaselineStore(tmp_path / "baselines")


# --- key layout ------------------------------------------------------------------------------

def test_key_keeps_only_the_fields_in_scope() -> None:
    """Structure baselines must not split by device or data source; they do not depend on them."""
    assert KEY.fields == (("keras", "3.1.0"), ("backend", "tensorflow"))
    assert KEY.slug == "keras-3.1.0_backend-tensorflow"
    assert KEY.relative_path() == Path("alpha-tut/structure/keras-3.1.0_backend-tensorflow.json")


def test_key_slug_spells_underscored_fields_with_dashes() -> None:
    """'_' separates fields in the slug, so a field name's own '_' becomes '-'."""
    key = BaselineKey.build("alpha-tut", "training", DATA_SCOPE, ENVIRONMENT)
    assert key.slug == "keras-3.1.0_backend-tensorflow_data-source-keras-datasets"
    assert key.relative_path().parts[:2] == ("alpha-tut", "training")


def test_store_path_is_under_its_root(store: BaselineStore) -> None:
    assert store.path(KEY) == store.root / "alpha-tut/structure/keras-3.1.0_backend-tensorflow.json"


# --- round trip ------------------------------------------------------------------------------

def test_get_without_a_file_is_none_and_creates_nothing(store: BaselineStore) -> None:
    """A missing file means NEW, and merely looking must not create it."""
    assert store.get(KEY, "alpha-tut/a") is None
    assert not store.root.exists()


def test_put_then_get_round_trips(store: BaselineStore) -> None:
    """What a run stores is exactly what the next run compares with."""
    path = store.put(KEY, "alpha-tut/shape", entry([28, 28, 1]))
    assert path == store.path(KEY)
    assert store.get(KEY, "alpha-tut/shape") == entry([28, 28, 1])
    assert store.get(KEY, "alpha-tut/other") is None


def test_per_seed_values_round_trip(store: BaselineStore) -> None:
    """Trained claims keep every seed's value beside the summary value."""
    seeded = BaselineEntry(claim_version=3, value=0.98, provenance=PROVENANCE,
                           values=(0.97, 0.98, 0.99))
    store.put(KEY, "alpha-tut/accuracy", seeded)
    assert store.get(KEY, "alpha-tut/accuracy") == seeded
    assert "values" not in entry(1).as_json()


def test_put_keeps_other_entries_and_replaces_its_own(store: BaselineStore) -> None:
    """One claim's update must not drop or touch the other claims of the file."""
    store.put(KEY, "alpha-tut/b", entry(2))
    store.put(KEY, "alpha-tut/a", entry(1))
    store.put(KEY, "alpha-tut/b", entry(20, version=2))
    assert store.get(KEY, "alpha-tut/a") == entry(1)
    assert store.get(KEY, "alpha-tut/b") == entry(20, version=2)


def test_file_is_sorted_indented_json_with_its_key(store: BaselineStore) -> None:
    """Sorted keys and indentation keep diffs of committed baselines small and readable."""
    path = store.put(KEY, "alpha-tut/b", entry([1, 2]))
    store.put(KEY, "alpha-tut/a", entry(7))
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, sort_keys=True) + "\n"
    assert list(document["claims"]) == ["alpha-tut/a", "alpha-tut/b"]
    assert document["schema"] == SCHEMA
    assert document["key"] == {"tutorial": "alpha-tut", "profile": "structure",
                               "keras": "3.1.0", "backend": "tensorflow"}
    assert document["claims"]["alpha-tut/a"] == {"claim_version": 1, "value": 7,
                                                 "provenance": PROVENANCE}


# --- corrupt files ---------------------------------------------------------------------------

def plant(store: BaselineStore, content: str | bytes) -> Path:
    path = store.path(KEY)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


CORRUPT = {
    "truncated": '{"claims": {"alpha-tut/a": {"claim_version": 1, "val',
    "empty": "",
    "not-utf8": b'{"schema": 1, "claims": {"\xff": {}}}',
    "list": "[]",
    "wrong-schema": '{"schema": 2, "claims": {}}',
    "no-schema": '{"claims": {}}',
    "no-claims": '{"schema": 1}',
    "claims-list": '{"schema": 1, "claims": []}',
    "entry-not-mapping": '{"schema": 1, "claims": {"alpha-tut/a": 5}}',
    "entry-without-value": '{"schema": 1, "claims": {"alpha-tut/a": {"claim_version": 1}}}',
    "entry-without-version": '{"schema": 1, "claims": {"alpha-tut/a": {"value": 1}}}',
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_corrupt_file_names_the_file_and_the_fix(store: BaselineStore, case: str) -> None:
    """A damaged file is an error with the restore command, never silently 'no baseline'."""
    path = plant(store, CORRUPT[case])
    with pytest.raises(BaselineFileError) as caught:
        store.get(KEY, "alpha-tut/a")
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert f"git checkout -- {path}" in message
    assert "--regen-baselines" in message


def test_put_refuses_to_overwrite_a_corrupt_file(store: BaselineStore) -> None:
    """Writing over it would drop every other entry the file held; it stays for a human."""
    path = plant(store, CORRUPT["truncated"])
    with pytest.raises(BaselineFileError):
        store.put(KEY, "alpha-tut/a", entry(1))
    assert path.read_text(encoding="utf-8") == CORRUPT["truncated"]


def test_regeneration_sets_a_corrupt_file_aside_and_starts_afresh(store: BaselineStore) -> None:
    """Rewriting every baseline (--regen-baselines) keeps the unreadable file, byte for byte,
    as ``<name>.corrupt`` beside the fresh one, for a human to read."""
    path = plant(store, CORRUPT["truncated"])
    assert store.put(KEY, "alpha-tut/a", entry(1), replace_corrupt=True) == path
    aside = path.with_name(f"{path.name}.corrupt")
    assert aside.read_text(encoding="utf-8") == CORRUPT["truncated"]
    assert store.get(KEY, "alpha-tut/a") == entry(1)
    assert sorted(store.stored_claim_ids()) == ["alpha-tut/a"]


# --- failed writes ---------------------------------------------------------------------------

def leftovers(directory: Path) -> list[str]:
    """Temporary files a write could leave beside the baseline (the lock file is expected)."""
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_write_keeps_the_old_file(store: BaselineStore, monkeypatch: pytest.MonkeyPatch,
                                         failing: str) -> None:
    """A full disk mid-write must leave the previous baseline whole and no temp file behind."""
    path = store.put(KEY, "alpha-tut/a", entry(1))
    before = path.read_bytes()

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(BaselineFileError) as caught:
        store.put(KEY, "alpha-tut/b", entry(2))
    monkeypatch.undo()
    _assert_old_file_kept(str(caught.value), path, before)
    assert store.get(KEY, "alpha-tut/b") is None


def _assert_old_file_kept(message: str, path: Path, before: bytes) -> None:
    """The failed write names the file, and the old file is whole with no temporary left."""
    assert message == (f"{path}: could not write baseline (No space left on device); "
                       f"the previous file is unchanged")
    assert path.read_bytes() == before
    assert leftovers(path.parent) == []


class _FullDisk:
    """A file handle on a disk that fills up after ``room`` characters."""

    def __init__(self, handle, room: int) -> None:
        self.handle, self.room = handle, room

    def write(self, text: str) -> int:
        self.handle.write(text[:self.room])
        self.handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str) -> object:
        return getattr(self.handle, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def test_disk_full_in_the_middle_of_the_write_keeps_the_old_file(
        store: BaselineStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half the new text reaches the disk, then ENOSPC: the old file stays byte-identical, the
    half-written temporary file is removed and the message names the file."""
    path = store.put(KEY, "alpha-tut/a", entry(1))
    before = path.read_bytes()
    fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *args, **kwargs: _FullDisk(
        fdopen(*args, **kwargs), room=len(before) // 2))
    with pytest.raises(BaselineFileError) as caught:
        store.put(KEY, "alpha-tut/b", entry(2))
    monkeypatch.undo()
    _assert_old_file_kept(str(caught.value), path, before)


def _write_many(root: str, prefix: str, count: int) -> None:
    store = BaselineStore(root)
    for index in range(count):
        store.put(KEY, f"alpha-tut/{prefix}-{index}", entry(index))


def test_two_processes_writing_one_file_keep_both_entries(store: BaselineStore) -> None:
    """Two runs updating baselines at once take turns under the file lock: no entry is lost to
    a read-modify-write race."""
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(str(store.root), name, 40))
               for name in ("first", "second")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    stored = json.loads(store.path(KEY).read_text(encoding="utf-8"))["claims"]
    assert sorted(stored) == sorted(f"alpha-tut/{name}-{index}" for name in ("first", "second")
                                    for index in range(40))


def test_interrupted_write_keeps_the_old_file(store: BaselineStore,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C between write and rename propagates as is, and still cleans up."""
    path = store.put(KEY, "alpha-tut/a", entry(1))
    before = path.read_bytes()

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.put(KEY, "alpha-tut/b", entry(2))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(path.parent) == []


def test_successful_write_leaves_no_temporary_file(store: BaselineStore) -> None:
    path = store.put(KEY, "alpha-tut/a", entry(1))
    assert leftovers(path.parent) == []


# --- listing ---------------------------------------------------------------------------------

def test_stored_claim_ids_lists_every_file_holding_an_id(store: BaselineStore) -> None:
    """The report's 'Baselines no claim uses' section is built from this listing."""
    other_env = BaselineKey.build("alpha-tut", "structure", STRUCTURE_SCOPE,
                                  {**ENVIRONMENT, "keras": "3.2.0"})
    beta = BaselineKey.build("beta-tut", "structure", STRUCTURE_SCOPE, ENVIRONMENT)
    store.put(KEY, "alpha-tut/a", entry(1))
    store.put(other_env, "alpha-tut/a", entry(1))
    store.put(beta, "beta-tut/b", entry(2))
    assert store.stored_claim_ids() == {
        "alpha-tut/a": [store.path(KEY), store.path(other_env)],
        "beta-tut/b": [store.path(beta)],
    }


def test_stored_claim_ids_skips_corrupt_files_and_lock_files(store: BaselineStore) -> None:
    """One damaged file must not hide the others' entries (its claims report the damage)."""
    beta = BaselineKey.build("beta-tut", "structure", STRUCTURE_SCOPE, ENVIRONMENT)
    store.put(beta, "beta-tut/b", entry(2))
    plant(store, CORRUPT["truncated"])
    assert list(store.files()) == sorted([store.path(KEY), store.path(beta)])
    assert store.stored_claim_ids() == {"beta-tut/b": [store.path(beta)]}


def test_empty_store_lists_nothing(store: BaselineStore) -> None:
    assert store.stored_claim_ids() == {}
