"""Report figures: written, non-empty and linked from the markdown, for a hand-built run.

The recipe run is a stand-in with hand-made artifacts (no training): the figure code only
reads arrays, so this checks every figure in well under a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from harness.reporting import plots
from harness.reporting.report import RunRecord, render_markdown, write_reports
from harness.results import ClaimResult, Status
from harness.training.runner import SeedRun

pytestmark = pytest.mark.fast

HISTORY = {"accuracy": [0.3, 0.5, 0.6], "val_accuracy": [0.35, 0.5, 0.55],
           "loss": [2.0, 1.5, 1.2], "val_loss": [1.9, 1.6, 1.4]}


def trained(claim_id: str, values: list[float], expected: float | None) -> ClaimResult:
    return ClaimResult(
        claim_id=claim_id, tutorial="mnist-intro", kind="metric-level", group="training",
        tiers=["fast"], profile="fast", quote="q", expected=expected, status=Status.PROXY,
        measured=float(np.mean(values)), baseline=0.5,
        details={"values": values, "baseline_values": [0.5, 0.52, 0.48], "recipe": "cnn",
                 "seeds": [0, 1], "history": [HISTORY, HISTORY], "better": "higher"})


@dataclass
class FakeRecipe:
    tutorial: str = "mnist-intro"
    profile: str = "fast"
    name: str = "cnn"


@dataclass
class FakeRecipeRun:
    runs: list[SeedRun]
    recipe: FakeRecipe = field(default_factory=FakeRecipe)
    data_source: str = "proxy-sklearn-digits"


def artifacts() -> dict:
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(10), size=50)
    labels = rng.integers(0, 10, size=50)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    images = rng.integers(0, 255, size=(50, 28, 28)).astype("uint8")
    return {"class_names": [], "top_probability": probabilities.max(axis=1),
            "correct": predicted == labels,
            "misclassified": {"images": images[wrong[:16]], "true": labels[wrong[:16]],
                              "predicted": predicted[wrong[:16]]},
            "samples": [{"index": int(i), "label": int(labels[i]),
                         "probabilities": probabilities[i], "image": images[i]}
                        for i in wrong[:2]],
            "first_layer": {"name": "conv2d", "kernels": rng.normal(size=(3, 3, 1, 32)),
                            "activations": rng.random((26, 26, 32)),
                            "sample_index": int(wrong[0])}}


@pytest.fixture
def run() -> RunRecord:
    return RunRecord(run_id="20260101T000000Z", started="s", duration_s=1.0, command="pytest",
                     environment={"keras": "3.15.1"},
                     results=[trained("mnist-intro/cnn/test-accuracy", [0.55, 0.58], 0.9685),
                              trained("mnist-intro/lessons/gap", [0.08, 0.09], None)])


def test_every_figure_is_written_non_empty_and_linked(run: RunRecord, tmp_path: Path) -> None:
    recipe_run = FakeRecipeRun([SeedRun(0, {}, HISTORY, artifacts=artifacts())])
    figures = plots.write_figures(run, [recipe_run], tmp_path / "figures")
    names = sorted(Path(f.path).name for f in figures)
    assert names == ["fast-claims.png", "fast-cnn-activations.png", "fast-cnn-confidence.png",
                     "fast-cnn-curves.png", "fast-cnn-filters.png", "fast-cnn-misclassified.png",
                     "fast-cnn-probabilities.png"]
    for figure in figures:
        data = (tmp_path / "figures" / figure.path).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
    run.figures = [f.as_json() for f in figures]
    write_reports(run, tmp_path)
    markdown = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "(figures/mnist-intro/fast-claims.png)" in markdown
    assert "<details><summary>Figures of <code>fast/cnn</code>" in markdown
    kept = (tmp_path / "runs" / "20260101T000000Z" / "report.md").read_text(encoding="utf-8")
    assert "(figures/mnist-intro/fast-cnn-curves.png)" in kept
    assert (tmp_path / "runs" / "20260101T000000Z" / "figures" / "mnist-intro"
            / "fast-cnn-curves.png").is_file()


def test_runs_without_artifacts_still_get_curves_and_claim_plots(run: RunRecord,
                                                                tmp_path: Path) -> None:
    """A run rebuilt from the train cache keeps histories but no arrays."""
    figures = plots.write_figures(run, [FakeRecipeRun([SeedRun(0, {}, HISTORY)])], tmp_path)
    assert sorted(Path(f.path).name for f in figures) == ["fast-claims.png", "fast-cnn-curves.png"]


def test_a_failing_figure_is_logged_and_the_others_written(run: RunRecord, tmp_path: Path,
                                                         monkeypatch, caplog) -> None:
    def broken(*args, **kwargs):
        raise ValueError("bad data")

    monkeypatch.setattr(plots, "learning_curves", broken)
    figures = plots.write_figures(run, [], tmp_path)
    assert [Path(f.path).name for f in figures] == ["fast-claims.png"]
    assert "fast-cnn-curves.png not drawn: ValueError: bad data" in caplog.text


def test_old_figures_are_removed(run: RunRecord, tmp_path: Path) -> None:
    stale = tmp_path / "gone-tut" / "old.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    plots.write_figures(run, [], tmp_path)
    assert not stale.exists()


def test_markdown_without_figures_has_no_figure_lines(run: RunRecord) -> None:
    assert "figures/" not in render_markdown(run)


def test_a_committee_has_no_learning_curves(run: RunRecord, tmp_path: Path) -> None:
    """A committee's history holds only its members' accuracies: no empty curve figure."""
    for result in run.results:
        result.details["history"] = [{"member_accuracy": [0.5, 0.6]}] * 2
    figures = plots.write_figures(run, [], tmp_path)
    assert [Path(f.path).name for f in figures] == ["fast-claims.png"]
