"""Claim files: every mistake is caught on load, with one error naming file, claim and field.

A typo in a claim file must never turn into a confusing failure deep inside a measurement, so
each kind of bad input below must raise exactly one ``ClaimFileError`` that points at the spot.
The real claim files are loaded too, so a broken edit to ``suites/<tutorial>/claims.yaml``
fails here first.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.claims import (
    TIERS,
    ClaimFileError,
    claim_files,
    is_claim_file,
    load_claim_file,
    load_claims,
)
from harness.kinds import GROUPS, KINDS
from harness.models import ModelsModule, declared_models
from harness.verdicts.comparators import Approx, Exact

pytestmark = pytest.mark.fast

SUITES = Path(__file__).resolve().parents[1] / "suites"
TUTORIAL = "alpha-tut"
LABEL = f"{TUTORIAL}/data/split"  # the claim id of GOOD_CLAIM once loaded

GOOD_CLAIM: dict[str, Any] = {
    "id": "data/split",
    "quote": "50,000 for training and 10,000 for validation",
    "kind": "split-sizes",
    "args": {"total": 60000, "test_size": 10000, "random_state": 0},
    "expected": [50000, 10000],
    "tiers": ["fast", "full"],
    "version": 1,
}
SECOND_CLAIM: dict[str, Any] = {
    "id": "sizing/conv-output",
    "quote": "(W - F + 2P)/S + 1 = 30",
    "kind": "sizing-formula",
    "args": {"W": 32, "F": 3, "S": 1, "P": 0},
    "expected": 30,
    "compare": {"rule": "approx", "abs": 0.5},
    "tiers": ["full"],
    "version": 2,
    "note": "checked against Keras elsewhere",
}


def document(*claims: dict[str, Any], tutorial: str = TUTORIAL) -> dict[str, Any]:
    """A whole claim file as data."""
    return {"tutorial": tutorial, "seed": "seed.txt", "title": "A tutorial",
            "models": "models.py",
            "claims": [copy.deepcopy(claim) for claim in claims]}


def write(directory: Path, data: dict[str, Any] | str, name: str = TUTORIAL) -> Path:
    """Write a claim file in a folder named after its tutorial, as the loader requires, beside
    a copy of mnist-intro's models module."""
    folder = directory / name
    folder.mkdir(exist_ok=True)
    shutil.copy(SUITES / "mnist-intro" / "models.py", folder / "models.py")
    path = folder / "claims.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


# --- valid files -----------------------------------------------------------------------------

def test_valid_file_loads_with_defaults_filled_in(tmp_path: Path) -> None:
    """Ids get the tutorial prefix, exact is the default rule, the source file is remembered."""
    path = write(tmp_path, document({**GOOD_CLAIM, "quote": "  padded quote \n"}, SECOND_CLAIM))
    first, second = load_claim_file(path)
    assert first.id == LABEL
    assert first.tutorial == TUTORIAL
    assert first.quote == "padded quote"
    assert first.comparator == Exact()
    assert first.tiers == ("fast", "full")
    assert first.group == "structure"
    assert first.source == str(path)
    assert first.note == ""
    assert second.id == f"{TUTORIAL}/sizing/conv-output"
    assert second.comparator == Approx(abs=0.5)
    assert second.version == 2
    assert second.note == "checked against Keras elsewhere"


def test_load_claims_merges_files_in_path_order(tmp_path: Path) -> None:
    """Several files load into one list in a stable order, whatever order they are given in."""
    beta = write(tmp_path, document(GOOD_CLAIM, tutorial="beta-tut"), name="beta-tut")
    alpha = write(tmp_path, document(GOOD_CLAIM, SECOND_CLAIM))
    claims = load_claims([beta, alpha])
    assert [claim.id for claim in claims] == [LABEL, f"{TUTORIAL}/sizing/conv-output",
                                              "beta-tut/data/split"]
    assert claim_files(tmp_path) == [alpha, beta]


def test_the_models_file_is_named_relative_to_the_claim_file(tmp_path: Path) -> None:
    """A models module shared by two tutorials may live beside them; its file is resolved from
    the claim file's folder, and its module name comes from the tutorial, not the path."""
    path = write(tmp_path, document(GOOD_CLAIM) | {"models": "../common/shared_models.py"})
    (tmp_path / "common").mkdir()
    (path.parent / "models.py").rename(tmp_path / "common" / "shared_models.py")
    [claim] = load_claim_file(path)
    assert claim.models == ModelsModule(TUTORIAL, tmp_path / "common" / "shared_models.py")
    assert claim.models.name == "harness_models_alpha_tut"
    assert declared_models(claim.models) == ("cnn", "first-layer")


def test_only_a_claims_yaml_with_a_tutorial_is_a_claim_file(tmp_path: Path) -> None:
    """pytest collects every ``claims.yaml`` under its paths that declares a tutorial, even one
    broken further down (its one item then says why); other YAML is left alone."""
    tutorial = write(tmp_path, "tutorial: alpha-tut\nclaims: [unclosed\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "claims.yaml").write_text("claims: [a, b]\n", encoding="utf-8")
    (tmp_path / "beta").mkdir()
    (tmp_path / "beta" / "other.yaml").write_text("tutorial: beta\n", encoding="utf-8")
    assert [is_claim_file(path) for path in (tutorial, tmp_path / "notes" / "claims.yaml",
                                             tmp_path / "beta" / "other.yaml")] == [
        True, False, False]
    assert claim_files(tmp_path) == [tutorial]


@pytest.mark.parametrize(("source", "fragment"), [
    ('"""No table here."""\n', "needs a MODELS dict literal"),
    ("MODELS = dict(cnn=None)\n", "needs a MODELS dict literal"),
    ("def build(:\n", "not valid Python (line 1: "),
])
def test_a_models_module_without_a_models_table_names_it(tmp_path: Path, source: str,
                                                         fragment: str) -> None:
    path = write(tmp_path, document(GOOD_CLAIM))
    (path.parent / "models.py").write_text(source, encoding="utf-8")
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    assert caught.value.field == "models"
    assert str(caught.value).startswith(f"{path}: field 'models': {path.parent / 'models.py'}")
    assert fragment in str(caught.value)


# --- bad input: one ClaimFileError naming file, claim and field -------------------------------

Mutation = Callable[[dict[str, Any]], None]


def set_field(name: str, value: Any) -> Mutation:
    def mutate(claim: dict[str, Any]) -> None:
        claim[name] = value
    return mutate


def drop_field(name: str) -> Mutation:
    def mutate(claim: dict[str, Any]) -> None:
        del claim[name]
    return mutate


def set_arg(name: str, value: Any) -> Mutation:
    def mutate(claim: dict[str, Any]) -> None:
        claim["args"][name] = value
    return mutate


def drop_arg(name: str) -> Mutation:
    def mutate(claim: dict[str, Any]) -> None:
        del claim["args"][name]
    return mutate


# (mutation of GOOD_CLAIM, claim label in the message, field, message fragment); the bad claim
# comes second in its file, so a claim without a usable id is named "#2".
BAD_CLAIMS: dict[str, tuple[Mutation, str, str, str]] = {
    "unknown-kind": (set_field("kind", "split-size"), LABEL, "kind",
                     "unknown kind 'split-size'; known: "),
    "missing-quote": (drop_field("quote"), LABEL, "quote", "missing required field"),
    "missing-kind": (drop_field("kind"), LABEL, "kind", "missing required field"),
    "missing-expected": (drop_field("expected"), LABEL, "expected", "missing required field"),
    # a null value is allowed for kinds judged without the tutorial's figure, not for these
    "null-expected": (set_field("expected", None), LABEL, "expected", "split-sizes"),
    "missing-tiers": (drop_field("tiers"), LABEL, "tiers", "missing required field"),
    "missing-version": (drop_field("version"), LABEL, "version", "missing required field"),
    "missing-id": (drop_field("id"), "#2", "id", "missing required field"),
    "unknown-field": (set_field("expect", 3), LABEL, "expect", "unknown field; allowed: id,"),
    "empty-quote": (set_field("quote", "   "), LABEL, "quote", "non-empty string"),
    "note-not-text": (set_field("note", ["a"]), LABEL, "note", "must be a string"),
    "id-uppercase": (set_field("id", "Data/Split"), f"{TUTORIAL}/Data/Split", "id",
                     "is not a kebab-case path"),
    "id-underscore": (set_field("id", "data_split"), f"{TUTORIAL}/data_split", "id",
                      "is not a kebab-case path"),
    "id-empty-segment": (set_field("id", "data//split"), f"{TUTORIAL}/data//split", "id",
                         "kebab-case"),
    "id-trailing-slash": (set_field("id", "data/"), f"{TUTORIAL}/data/", "id", "kebab-case"),
    "id-leading-dash": (set_field("id", "-data"), f"{TUTORIAL}/-data", "id", "kebab-case"),
    "id-double-dash": (set_field("id", "a--b"), f"{TUTORIAL}/a--b", "id", "kebab-case"),
    "id-number": (set_field("id", 7), "#2", "id", "7 is not a kebab-case path"),
    "tiers-string": (set_field("tiers", "fast"), LABEL, "tiers",
                     "must be a non-empty list of fast, full; got 'fast'"),
    "tiers-empty": (set_field("tiers", []), LABEL, "tiers", "non-empty list"),
    "tiers-unknown": (set_field("tiers", ["fast", "nightly"]), LABEL, "tiers", "'nightly'"),
    "tiers-repeated": (set_field("tiers", ["fast", "fast"]), LABEL, "tiers", "non-empty list"),
    "version-zero": (set_field("version", 0), LABEL, "version", "integer >= 1, got 0"),
    "version-string": (set_field("version", "1"), LABEL, "version", "integer >= 1, got '1'"),
    "version-float": (set_field("version", 1.5), LABEL, "version", "integer >= 1, got 1.5"),
    "version-bool": (set_field("version", True), LABEL, "version", "integer >= 1, got True"),
    "compare-unknown": (set_field("compare", "close"), LABEL, "compare",
                        "unknown comparator 'close'"),
    "compare-no-tolerance": (set_field("compare", {"rule": "approx"}), LABEL, "compare",
                             "needs rel or abs > 0"),
    "compare-negative": (set_field("compare", {"rule": "approx", "abs": -1}), LABEL, "compare",
                         "approx abs must be a number >= 0"),
    "args-missing-one": (drop_arg("random_state"), LABEL, "args",
                         "kind 'split-sizes' needs random_state"),
    "args-missing-all": (set_field("args", {}), LABEL, "args",
                         "kind 'split-sizes' needs total, test_size, random_state"),
    "args-absent": (drop_field("args"), LABEL, "args", "needs total, test_size, random_state"),
    "args-extra": (set_arg("shuffle", True), LABEL, "args",
                   "kind 'split-sizes' does not take shuffle"),
    "args-not-mapping": (set_field("args", [60000, 10000]), LABEL, "args",
                         "must be a mapping, got list"),
    "allowance-on-structure": (set_field("reproduction_allowance", 0.01), LABEL,
                               "reproduction_allowance", "only metric-level and learning-curve"),
}


@pytest.mark.parametrize("case", list(BAD_CLAIMS))
def test_bad_claim_names_file_claim_and_field(tmp_path: Path, case: str) -> None:
    """One error, pointing at the exact file, claim and field, with what is wrong."""
    mutate, label, field_name, fragment = BAD_CLAIMS[case]
    claim = copy.deepcopy(GOOD_CLAIM)
    mutate(claim)
    path = write(tmp_path, document(SECOND_CLAIM, claim))
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    error = caught.value
    assert (error.path, error.claim, error.field) == (str(path), label, field_name)
    message = str(error)
    assert message.startswith(f"{path}: claim '{label}': field '{field_name}': ")
    assert fragment in message


def test_unknown_kind_lists_the_known_kinds(tmp_path: Path) -> None:
    """The fix for a misspelt kind is in the message: the list to pick from."""
    path = write(tmp_path, document({**GOOD_CLAIM, "kind": "param-cout"}))
    with pytest.raises(ClaimFileError, match="param-count") as caught:
        load_claim_file(path)
    assert all(kind in str(caught.value) for kind in KINDS)


def test_duplicate_id_within_a_file(tmp_path: Path) -> None:
    """Two claims with one id would share a baseline entry; the second one is named."""
    path = write(tmp_path, document(GOOD_CLAIM, SECOND_CLAIM, {**GOOD_CLAIM, "quote": "again"}))
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    assert (caught.value.claim, caught.value.field) == (LABEL, "id")
    assert str(caught.value) == f"{path}: claim '{LABEL}': field 'id': duplicate id"


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    """Two suites declaring the same tutorial clash; the error names both files."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a", document(GOOD_CLAIM))
    second = write(tmp_path / "b", document(SECOND_CLAIM, GOOD_CLAIM))
    with pytest.raises(ClaimFileError) as caught:
        load_claims([second, first])
    error = caught.value
    assert (error.path, error.claim, error.field) == (str(second), LABEL, "id")
    assert f"duplicate id, also declared in {first}" in str(error)


# file-level problems: (file content, field, message fragment); no claim is named
BAD_FILES: dict[str, tuple[dict[str, Any] | str, str | None, str]] = {
    "tutorial-mismatch": (document(GOOD_CLAIM, tutorial="beta-tut"), "tutorial",
                          "tutorial 'beta-tut' must match its folder's name 'alpha-tut'"),
    "missing-seed": ({k: v for k, v in document(GOOD_CLAIM).items() if k != "seed"}, "seed",
                     "missing required field"),
    "missing-claims": ({k: v for k, v in document(GOOD_CLAIM).items() if k != "claims"},
                       "claims", "missing required field"),
    "unknown-top-level": ({**document(GOOD_CLAIM), "author": "me"}, "author",
                          "unknown top-level field"),
    "claims-empty": ({**document(GOOD_CLAIM), "claims": []}, "claims", "non-empty list"),
    "claims-mapping": ({**document(GOOD_CLAIM), "claims": {"a": 1}}, "claims", "non-empty list"),
    "missing-models": ({k: v for k, v in document(GOOD_CLAIM).items() if k != "models"},
                       "models", "missing required field"),
    "missing-models-file": ({**document(GOOD_CLAIM), "models": "no_such.py"},
                            "models", "alpha-tut/no_such.py not found"),
    "models-as-a-dotted-name": ({**document(GOOD_CLAIM), "models": "harness.models.cnn"},
                                "models", "must name the file that builds the models, relative "
                                "to the claim file's folder, like models.py; got "
                                "'harness.models.cnn'"),
    "models-as-an-absolute-path": ({**document(GOOD_CLAIM), "models": "/suites/t/models.py"},
                                   "models", "relative to the claim file's folder"),
    "not-a-mapping": ("- just\n- a list\n", None, "must be a mapping with tutorial"),
    "empty-file": ("", None, "must be a mapping with tutorial"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_names_file_and_field(tmp_path: Path, case: str) -> None:
    """Problems with the file as a whole name the file and the top-level field."""
    content, field_name, fragment = BAD_FILES[case]
    path = write(tmp_path, content)
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    error = caught.value
    assert (error.path, error.claim, error.field) == (str(path), None, field_name)
    assert str(error).startswith(f"{path}: ")
    if field_name:
        assert f"field '{field_name}'" in str(error)
    assert fragment in str(error)


def test_claim_that_is_not_a_mapping_is_named_by_position(tmp_path: Path) -> None:
    """Without an id the claim can only be named by its position in the list."""
    path = write(tmp_path, document(GOOD_CLAIM) | {"claims": [GOOD_CLAIM, "just text"]})
    with pytest.raises(ClaimFileError, match=r"claim #2 must be a mapping, got str") as caught:
        load_claim_file(path)
    assert caught.value.path == str(path)


def test_bad_yaml_syntax_gives_the_line(tmp_path: Path) -> None:
    """A YAML slip (bad indentation here) is reported with its line, not a parser trace."""
    text = yaml.safe_dump(document(GOOD_CLAIM), sort_keys=False).splitlines()
    line = next(i for i, row in enumerate(text) if row.strip().startswith("kind:"))
    text[line] = " " + text[line]  # one column too far right
    path = write(tmp_path, "\n".join(text) + "\n")
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not valid YAML at line ")
    reported = int(message.split("at line ")[1].split(":")[0])
    assert line + 1 <= reported <= line + 2


def test_unreadable_file_is_a_claim_file_error(tmp_path: Path) -> None:
    """A missing file is reported like any other claim-file problem."""
    path = tmp_path / f"{TUTORIAL}.yaml"
    with pytest.raises(ClaimFileError, match="cannot read"):
        load_claim_file(path)


def test_non_utf8_file_is_a_claim_file_error(tmp_path: Path) -> None:
    """A quote pasted in Latin-1 must name the file, not crash collection of every claim."""
    text = yaml.safe_dump(document(GOOD_CLAIM), sort_keys=False)
    path = tmp_path / f"{TUTORIAL}.yaml"
    path.write_bytes(text.replace("50,000", "50\xa0000").encode("latin-1"))
    with pytest.raises(ClaimFileError, match=re.escape(f"{TUTORIAL}.yaml")):
        load_claim_file(path)


def test_field_given_twice_is_rejected(tmp_path: Path) -> None:
    """With two 'expected:' lines PyYAML keeps the last one; the first is silently lost."""
    text = yaml.safe_dump(document(GOOD_CLAIM), sort_keys=False)
    text = text.replace("  version: 1\n", "  version: 1\n  expected: [1, 2]\n")
    path = write(tmp_path, text)
    with pytest.raises(ClaimFileError, match="expected"):
        load_claim_file(path)


# --- the kinds table and the real claim files -------------------------------------------------

def _defined_names(module_name: str) -> set[str]:
    """Top-level functions and names of a module, read from its source without importing it
    (measure modules may import Keras, which would cost seconds here)."""
    found = importlib.util.find_spec(module_name)
    assert found is not None and found.origin, f"module {module_name} not found"
    tree = ast.parse(Path(found.origin).read_text(encoding="utf-8"))
    names = {node.name for node in tree.body
             if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    names |= {target.id for node in tree.body if isinstance(node, ast.Assign)
              for target in node.targets if isinstance(target, ast.Name)}
    return names


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_names_a_group_and_a_measure(kind: str) -> None:
    """A kind whose measure does not exist would only fail when one of its claims runs."""
    spec = KINDS[kind]
    assert spec.name == kind
    assert spec.group in GROUPS
    assert not set(spec.required) & set(spec.optional)
    module_name, _, function = spec.measure.partition(":")
    assert function in _defined_names(module_name), spec.measure


REAL_FILES = claim_files(SUITES)


def test_the_suite_has_claim_files() -> None:
    """An empty glob would make every test below vacuous."""
    assert REAL_FILES, f"no claim files in {SUITES}"


@pytest.mark.parametrize("path", REAL_FILES, ids=[path.parent.name for path in REAL_FILES])
def test_real_claim_file_is_valid(path: Path) -> None:
    """Each shipped claim file loads; its args fit its kind; its tiers are known."""
    claims = load_claim_file(path)
    assert claims
    for loaded in claims:
        spec = loaded.spec
        assert set(spec.required) <= set(loaded.args), loaded.id
        assert set(loaded.args) <= set(spec.required) | set(spec.optional), loaded.id
        assert set(loaded.tiers) <= set(TIERS), loaded.id
        assert loaded.id.startswith(f"{path.parent.name}/")
        judged_by_comparator = getattr(spec, "judge", "comparator") == "comparator"
        if judged_by_comparator and isinstance(loaded.comparator, Approx):
            # approx on a list is a runtime ERROR; catch it on load instead
            assert isinstance(loaded.expected, int | float), loaded.id


def test_real_claim_ids_are_unique_across_files() -> None:
    """Claim ids key baselines and test ids, so two claims must never share one."""
    claims = load_claims(REAL_FILES)
    ids = [loaded.id for loaded in claims]
    assert len(ids) == len(set(ids))


def test_unknown_model_of_a_claim_is_caught_on_load(tmp_path: Path) -> None:
    """A claim naming a model its module lacks fails at load, not as an ERROR at run time."""
    claim = {**GOOD_CLAIM, "id": "cnn/params", "kind": "param-count",
             "args": {"model": "cnn-typo"}, "expected": 1}
    path = write(tmp_path, document(claim))
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    error = caught.value
    assert (error.claim, error.field) == (f"{TUTORIAL}/cnn/params", "args")
    assert (f"unknown model 'cnn-typo'; {path.parent / 'models.py'} declares: cnn, first-layer"
            in str(error))


@pytest.mark.parametrize("field_name", ["model", "features"])
def test_unknown_model_of_a_recipe_is_caught_on_load(tmp_path: Path, field_name: str) -> None:
    """A recipe training (or reading features from) an unknown model names the recipe."""
    recipe = {"model": "cnn", "data": "mnist", "optimizer": "adam", "epochs": 1,
              "batch_size": 8, "seeds": [0], field_name: "dense-typo"}
    path = write(tmp_path, document(GOOD_CLAIM) | {"recipes": {"small": recipe}})
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    assert (caught.value.claim, caught.value.field) == ("recipe small", field_name)
    assert "unknown model 'dense-typo'" in str(caught.value)


ALLOWED = "imdb-conv1d/val-loss-best-epoch"  # the one claim with a reproduction allowance


@pytest.mark.parametrize(("change", "fragment"), [
    ({"reproduction_allowance": -1}, "must be a number >= 0"),
    ({"reproduction_allowance": True}, "must be a number >= 0"),
    ({"reproduction_allowance": float("nan")}, "must be a number >= 0"),
    ({"note": "  "}, "needs its argument and evidence in the claim's note"),
], ids=["negative", "bool", "nan", "without-a-note"])
def test_a_reproduction_allowance_needs_a_number_and_its_argument(
        tmp_path: Path, change: dict[str, Any], fragment: str) -> None:
    data = yaml.safe_load((SUITES / "convnets-part1" / "claims.yaml").read_text(encoding="utf-8"))
    claim = next(raw for raw in data["claims"] if raw["id"] == ALLOWED)
    assert claim["reproduction_allowance"] == 2 and claim["note"]
    claim.update(change)
    path = write(tmp_path, data, name="convnets-part1")
    shutil.copy(SUITES / "convnets-part1" / "models.py", path.parent / "models.py")
    with pytest.raises(ClaimFileError) as caught:
        load_claim_file(path)
    assert caught.value.field == "reproduction_allowance" and fragment in str(caught.value)
