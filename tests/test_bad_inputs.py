"""The catalogue of bad inputs: each gives one clear line naming the file or claim and what to
do, a nonzero exit or an ERROR result, and loses nothing already stored.

Most items are tested beside the code they concern; ``CATALOGUE`` names those tests (and
``test_every_catalogue_item_has_its_test`` fails if one disappears). The items with no better
home are tested here.
"""

from __future__ import annotations

import ast
import dataclasses
import gzip
from pathlib import Path

import pytest
import yaml
from suite_tutorials import copy_tutorial

import harness.data
from harness.baselines import BaselineStore
from harness.claims import Claim, ClaimFileError, claim_files, load_claim_file, load_claims
from harness.environment import Environment
from harness.measures.context import MeasureContext
from harness.results import Status
from harness.verdicts.evaluate import RunSettings, evaluate_claim

pytestmark = pytest.mark.fast

TESTS = Path(__file__).parent
CATALOGUE: dict[str, list[str]] = {
    "claim file: bad syntax": ["test_claims_loader.py::test_bad_yaml_syntax_gives_the_line",
                               "test_plugin.py::test_malformed_claim_file_is_one_failing_item"],
    "claim file: unknown kind": ["test_claims_loader.py::test_unknown_kind_lists_the_known_kinds"],
    "claim file: missing field": [
        "test_claims_loader.py::test_bad_claim_names_file_claim_and_field",
        "test_claims_loader.py::test_bad_file_names_file_and_field"],
    "claim file: duplicate id": ["test_claims_loader.py::test_duplicate_id_within_a_file",
                                 "test_claims_loader.py::test_duplicate_id_across_files"],
    "unknown model": ["test_bad_inputs.py::test_unknown_model_is_an_error_of_its_claim"],
    "unknown recipe": ["test_bad_inputs.py::test_unknown_recipe_names_file_claim_and_recipes"],
    "baseline: corrupt or truncated": [
        "test_baselines.py::test_corrupt_file_names_the_file_and_the_fix",
        "test_baselines.py::test_put_refuses_to_overwrite_a_corrupt_file",
        "test_plugin.py::test_corrupt_baseline_file_is_an_error_for_its_claims_only"],
    "baseline: written for another claim version": [
        "test_plugin.py::test_bumped_claim_version_is_not_comparable"],
    "data directory: missing, corrupt or wrong-shaped files": [
        "test_data.py::test_broken_mnist_idx_raises_naming_the_file",
        "test_data.py::test_broken_mnist_npz",
        "test_data.py::test_broken_cifar_batches_raise_naming_the_file",
        "test_data.py::test_missing_data_dir_is_an_error",
        "test_bad_inputs.py::test_broken_data_dir_is_an_error_of_the_claims_reading_it"],
    "NaN loss during training": ["test_bad_inputs.py::test_nan_loss_is_an_error_of_its_claims"],
    "unwritable report folder": ["test_plugin.py::test_unwritable_report_folder_exits_nonzero"],
    "disk full while a baseline is written": [
        "test_baselines.py::test_failed_write_keeps_the_old_file",
        "test_baselines.py::test_disk_full_in_the_middle_of_the_write_keeps_the_old_file"],
    "two runs writing baselines at once": [
        "test_baselines.py::test_two_processes_writing_one_file_keep_both_entries"],
    "run killed in the middle (streaming, resume)": [
        "test_crash_resume.py::test_killed_run_resumes_to_the_full_claim_set",
        "test_plugin.py::test_torn_last_line_is_skipped_and_that_claim_runs_again"],
    "crash, out-of-memory or timeout of a training worker": [
        "test_pool.py::test_a_failing_job_is_one_line_naming_it",
        "test_pool.py::test_other_jobs_go_on_when_a_worker_dies",
        "test_pool.py::test_claims_of_a_timed_out_recipe_are_errors_and_it_trains_once"],
    "a data folder too small for a full recipe": [
        "test_full_data_sizes.py::test_a_short_data_folder_refuses_every_full_recipe",
        "test_full_data_sizes.py::test_the_issue_case_is_an_error_naming_the_sizes"],
    "real data in the fast profile without opting in": [
        "test_hermetic.py::test_the_fast_profile_trains_on_proxies_whatever_the_data_folder"],
}
ENVIRONMENT = Environment(keras="3.0.0", backend="fake", backend_version="0.0",
                          tensorflow="absent", python="3.11", device_class="cpu",
                          device="test cpu", platform="Test", git_commit="0")
SUITE_CLAIMS = {claim.id: claim for claim in
                load_claims(claim_files(TESTS.parent / "suites"))}


def test_every_catalogue_item_has_its_test() -> None:
    for item, tests in CATALOGUE.items():
        for test in tests:
            module, name = test.split("::")
            tree = ast.parse((TESTS / module).read_text(encoding="utf-8"))
            names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
            assert name in names, f"{item}: {test} is gone"


def tiny(claim_id: str, **changes: object) -> Claim:
    """A suite claim whose fast recipe is cut to one seed, one epoch, a few dozen digits."""
    claim = SUITE_CLAIMS[claim_id]
    name = claim.args["recipe"]
    recipe = dataclasses.replace(claim.recipes[(name, "fast")], seeds=(0,), epochs=2,
                                 train_size=64, test_size=32, **changes)
    return dataclasses.replace(claim, recipes={(name, "fast"): recipe})


def evaluate(claim: Claim, context: MeasureContext, tmp_path: Path):
    return evaluate_claim(claim, context, BaselineStore(tmp_path / "baselines"), ENVIRONMENT,
                          RunSettings(profile="fast"), "-")


def test_nan_loss_is_an_error_of_its_claims(tmp_path: Path) -> None:
    """SGD at a learning rate of 1e30 overflows the weights: the loss is NaN in the first epoch.
    Training stops there and both claims reading the recipe say so, instead of a chance-level
    accuracy that would look like a regression."""
    context = MeasureContext(environment=ENVIRONMENT)
    for claim_id in ("mnist-intro/cnn/test-accuracy", "mnist-intro/cnn/test-loss"):
        result = evaluate(tiny(claim_id, optimizer="sgd", learning_rate=1e30), context, tmp_path)
        assert result.status is Status.ERROR
        assert result.message == (
            "training diverged (NaN loss) at epoch 1 of recipe mnist-intro/cnn (seed 0, "
            "profile fast); check the data for NaN or inf and lower the learning rate")
        assert result.measured is None
    assert not (tmp_path / "baselines").exists()


def test_unknown_model_is_an_error_of_its_claim(tmp_path: Path) -> None:
    """Claim files are checked on load (tests/test_claims_loader.py); a claim made in code
    that names an unknown model still gets one clear ERROR when it runs."""
    claim = dataclasses.replace(SUITE_CLAIMS["mnist-intro/cnn/params"],
                                args={"model": "cnn-typo"})
    result = evaluate_claim(claim, MeasureContext(), BaselineStore(tmp_path), ENVIRONMENT,
                            RunSettings(profile="structure"), "-")
    assert result.status is Status.ERROR
    assert result.message == ("measurement failed: UnknownModelError: unknown model 'cnn-typo' "
                              "in mnist-intro's models.py; known: cnn, first-layer")


def test_unknown_recipe_names_file_claim_and_recipes(tmp_path: Path) -> None:
    source = TESTS.parent / "suites" / "mnist-intro" / "claims.yaml"
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    claim = next(c for c in document["claims"] if c["id"] == "cnn/test-accuracy")
    claim["args"]["recipe"] = "cnn-typo"
    path = copy_tutorial("mnist-intro", tmp_path)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    assert str(caught.value) == (f"{path}: claim 'mnist-intro/cnn/test-accuracy': field 'args': "
                                 "unknown recipe 'cnn-typo'; this file declares: cnn")


def test_broken_data_dir_is_an_error_of_the_claims_reading_it(tmp_path: Path) -> None:
    """With real data opted in (--fast-data real), a truncated file in --data-dir is named in
    the claim's ERROR; no proxy stands in."""
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (folder / f"{stem}.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01" + bytes(8))[:-9])
    harness.data.clear_cache(keep_proxies=True)
    result = evaluate(tiny("mnist-intro/cnn/test-accuracy"),
                      MeasureContext(data_dir=tmp_path / "data", environment=ENVIRONMENT,
                                     fast_data="real"), tmp_path)
    assert result.status is Status.ERROR
    assert result.message.startswith("measurement failed: DataSourceError: ")
    assert "-ubyte.gz" in result.message and str(folder) in result.message
    assert "\n" not in result.message
