"""The tiny throw-away project the plugin tests run the harness on (with ``pytester``).

Two tutorial folders and three cheap claims (``split-sizes`` and ``sizing-formula`` need no
Keras model), so a whole session takes a fraction of a second. It has no conftest: the plugin
comes from the harness's ``pytest11`` entry point, as in any repository. The fixtures that
build it are in ``conftest.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.environment import Environment

FAKE_ENVIRONMENT = Environment(
    keras="3.0.0", backend="fake", backend_version="0.0", tensorflow="absent", python="3.11",
    device_class="cpu", device="test cpu", platform="Test x86_64", git_commit="0123abcd")
BASELINE_NAME = "keras-3.0.0_backend-fake.json"

MODELS_MODULE = '''\
"""The tutorial's models: none of its claims builds one."""

MODELS: dict = {}
'''

CLAIM_FILES: dict[str, dict[str, Any]] = {
    "alpha-tut": {
        "tutorial": "alpha-tut", "seed": "alpha.txt", "title": "Alpha tutorial",
        "models": "models.py",
        "claims": [
            {"id": "data/split", "quote": "80 images for training and 20 for validation",
             "kind": "split-sizes", "args": {"total": 100, "test_size": 0.2, "random_state": 0},
             "expected": [80, 20], "tiers": ["fast", "full"], "version": 1},
            {"id": "sizing/conv-output", "quote": "(32 - 3 + 0)/1 + 1 = 30",
             "kind": "sizing-formula", "args": {"W": 32, "F": 3, "S": 1, "P": 0},
             "expected": 30, "tiers": ["fast"], "version": 1},
        ],
    },
    "beta-tut": {
        "tutorial": "beta-tut", "seed": "beta.txt", "title": "Beta tutorial",
        "models": "models.py",
        "claims": [
            {"id": "sizing/pool", "quote": "pooling 28 with F=2, S=2 gives 14",
             "kind": "sizing-formula", "args": {"W": 28, "F": 2, "S": 2, "P": 0},
             "expected": 14, "tiers": ["full"], "version": 1},
        ],
    },
}
ALL_IDS = ["alpha-tut/data/split", "alpha-tut/sizing/conv-output", "beta-tut/sizing/pool"]


def node(claim_id: str) -> str:
    """A claim's test id: its claim file, then its id."""
    return f"suites/{claim_id.split('/')[0]}/claims.yaml::{claim_id}"


def invalid_node(tutorial: str) -> str:
    """The one item of a claim file that does not load."""
    return f"suites/{tutorial}/claims.yaml::invalid"


class Project:
    """A pytester directory laid out like the real repository, with helpers to poke at it."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.root = pytester.path
        pytester.makeini("[pytest]\ntestpaths = suites\n")
        for tutorial, document in CLAIM_FILES.items():
            self.claim_file(tutorial).parent.mkdir(parents=True)
            (self.root / "suites" / tutorial / "models.py").write_text(MODELS_MODULE,
                                                                       encoding="utf-8")
            self.write_claims(tutorial, document)

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest("-p", "no:cacheprovider", *args)

    # claim files

    def claim_file(self, tutorial: str) -> Path:
        return self.root / "suites" / tutorial / "claims.yaml"

    def write_claims(self, tutorial: str, document: dict[str, Any]) -> None:
        text = yaml.safe_dump(document, sort_keys=False)
        self.claim_file(tutorial).write_text(text, encoding="utf-8")

    def edit_claim(self, claim_id: str, **changes: Any) -> None:
        tutorial, local_id = claim_id.split("/", 1)
        document = yaml.safe_load(self.claim_file(tutorial).read_text(encoding="utf-8"))
        claim = next(c for c in document["claims"] if c["id"] == local_id)
        claim.update(changes)
        self.write_claims(tutorial, document)

    def relative(self, path: Path) -> str:
        """How reports and messages name a file of the project: relative to its root."""
        return path.relative_to(self.root).as_posix()

    # baselines

    def baseline_file(self, tutorial: str) -> Path:
        return self.root / "baselines" / tutorial / "structure" / BASELINE_NAME

    def baseline_document(self, tutorial: str) -> dict[str, Any]:
        return json.loads(self.baseline_file(tutorial).read_text(encoding="utf-8"))

    def edit_baseline(self, claim_id: str, **changes: Any) -> None:
        tutorial = claim_id.split("/", 1)[0]
        document = self.baseline_document(tutorial)
        document["claims"][claim_id].update(changes)
        self.baseline_file(tutorial).write_text(json.dumps(document, indent=2, sort_keys=True),
                                                encoding="utf-8")

    # reports

    def latest_json(self) -> dict[str, Any]:
        return json.loads((self.root / "reports" / "latest.json").read_text(encoding="utf-8"))

    def latest_md(self) -> str:
        return (self.root / "reports" / "latest.md").read_text(encoding="utf-8")

    def statuses(self) -> dict[str, str]:
        return {r["claim_id"]: r["status"] for r in self.latest_json()["results"]}


def failures(result: pytest.RunResult) -> dict[str, str]:
    """Each failed test's node id and its message (what pytest prints under FAILURES)."""
    return {report.nodeid: report.longreprtext for report in result.reprec.getfailures()
            if report.when == "call"}


# pytester runs in-process and, after each run, drops the modules the run imported; numpy-based
# packages cannot be imported a second time in one process, so they are imported up front.
PRELOAD = ("numpy", "pandas", "tabulate", "sklearn.model_selection", "harness.measures.structure",
           "harness.verdicts.evaluate", "harness.reporting.report")
