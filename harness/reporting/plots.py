"""Figures for the report: PNG files beside the markdown, one function per figure.

Learning curves and the per-claim value plots are drawn from the results alone (the report JSON
holds every seed's history and values), so they can be redrawn from a saved run. The model
figures (misclassified samples, confidences, first-layer filters and activations, class
probabilities) need the in-memory artifacts the runner keeps for a recipe's first seed.

matplotlib is imported lazily and only its object API is used (``Figure`` rendered by Agg), so
no GUI backend or global pyplot state is touched. ``write_figures`` never raises for a figure:
a figure that fails is logged in one line and left out.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from harness.reporting.report import RunRecord
    from harness.results import ClaimResult
    from harness.training.runner import RecipeRun

log = logging.getLogger(__name__)

_DPI = 100
_MAX_WORKERS = 4
_STATUS_COLOR = {"PASS": "#1a7f37", "FAIL": "#cf222e", "REGRESSED": "#cf222e", "ERROR": "#cf222e",
                 "IMPROVED": "#0969da", "DRIFT": "#9a6700", "NEW": "#9a6700"}
_TRAIN, _VAL, _BASE, _TODAY, _TUTORIAL, _WRONG = ("#1f77b4", "#ff7f0e", "#7f7f7f", "#1f77b4",
                                                  "#d62728", "#d62728")


@dataclass(frozen=True)
class FigureEntry:
    """One written figure: where it lies (relative to the figures folder) and what it shows."""

    tutorial: str
    group: str  # "claims", or the recipe it belongs to ("fast/cnn")
    caption: str
    path: str

    def as_json(self) -> dict[str, str]:
        return {"tutorial": self.tutorial, "group": self.group, "caption": self.caption,
                "path": self.path}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=_DPI, layout="constrained")


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=_DPI)
    return path


def _image(axes: Axes, image: np.ndarray, title: str = "", color: str = "black") -> None:
    """A grey or RGB image without ticks, scaled from 0–255 or 0–1 as it comes."""
    image = np.asarray(image, dtype="float64")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    scaled = image / 255.0 if image.max(initial=0.0) > 1.0 else image
    axes.imshow(np.clip(scaled, 0.0, 1.0), cmap="gray" if scaled.ndim == 2 else None,
                interpolation="nearest")
    axes.set_xticks([])
    axes.set_yticks([])
    if title:
        axes.set_title(title, fontsize=9, color=color)


def _label(index: int, class_names: Sequence[str]) -> str:
    return class_names[index] if 0 <= index < len(class_names) else str(index)


def learning_curves(path: Path, title: str, histories: Sequence[tuple[int, Mapping[str, Any]]]
                    ) -> Path:
    """Accuracy and loss per epoch for every seed: training solid, validation dashed."""
    figure = _figure(10, 3.6)
    panels = figure.subplots(1, 2)
    for axes, metric in zip(panels, ("accuracy", "loss"), strict=True):
        for index, (_, history) in enumerate(histories):
            for key, color, style, name in ((metric, _TRAIN, "-", "train"),
                                            (f"val_{metric}", _VAL, "--", "validation")):
                values = history.get(key) or []
                if values:
                    axes.plot(range(1, len(values) + 1), values, style, color=color, alpha=0.75,
                              marker="o", markersize=3,
                              label=f"{name} (a line per seed)" if index == 0 else None)
        axes.set_title(metric, fontsize=11)
        axes.set_xlabel("epoch")
        axes.set_ylabel(metric)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    seeds = ", ".join(str(seed) for seed, _ in histories)
    figure.suptitle(f"{title} (seeds {seeds})", fontsize=12)
    return _save(figure, path)


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def claim_values(path: Path, title: str, results: Sequence[ClaimResult]) -> Path:
    """Per trained claim: the tutorial's figure, the baseline's seeds and today's seeds, with
    their means; the status in each panel's title."""
    columns = min(len(results), 3)
    rows = math.ceil(len(results) / columns)
    figure = _figure(4.2 * columns, 3.4 * rows)
    panels = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    for axes, result in zip(panels, results, strict=False):
        groups = [("baseline", result.details.get("baseline_values")
                   or ([result.baseline] if _numeric(result.baseline) is not None else []), _BASE),
                  ("today", result.details.get("values")
                   or ([result.measured] if _numeric(result.measured) is not None else []),
                   _TODAY)]
        for position, (_, values, color) in enumerate(groups):
            values = [v for v in values if _numeric(v) is not None]
            if values:
                axes.scatter([position] * len(values), values, color=color, alpha=0.7, zorder=3)
                axes.hlines(np.mean(values), position - 0.25, position + 0.25, color=color,
                            linewidth=2)
        tutorial = _numeric(result.expected)
        if tutorial is not None and result.details.get("data_is_proxy"):
            # the figure is for the real data set: a line would only squash the seeds
            axes.set_xlabel(f"tutorial: {tutorial:.4g} on the real data (not judged on the "
                            f"proxy)", fontsize=8, color=_TUTORIAL)
        elif tutorial is not None:
            axes.axhline(tutorial, color=_TUTORIAL, linestyle="--",
                         label=f"tutorial {tutorial:.4g}")
            axes.legend(fontsize=7, loc="best")
        elif result.kind == "paired-difference":
            axes.axhline(0.0, color=_TUTORIAL, linestyle=":", linewidth=1, label="no difference")
            axes.legend(fontsize=7, loc="best")
        better = result.details.get("better", "none")
        axes.set_xticks([0, 1], [name for name, _, _ in groups])
        axes.set_xlim(-0.6, 1.6)
        axes.set_ylabel("value" + (f" ({better} is better)" if better != "none" else ""),
                        fontsize=8)
        axes.set_title(f"{result.claim_id.split('/', 1)[1]}\n{result.status.value}", fontsize=9,
                       color=_STATUS_COLOR.get(result.status.value, "black"))
        axes.grid(alpha=0.3, axis="y")
    for axes in panels[len(results):]:
        axes.set_visible(False)
    figure.suptitle(title, fontsize=12)
    return _save(figure, path)


def misclassified(path: Path, title: str, images: np.ndarray, true: Sequence[int],
                  predicted: Sequence[int], class_names: Sequence[str] = ()) -> Path:
    """Up to 16 misclassified test samples, each titled with its true and predicted label."""
    count = len(images)
    columns = min(count, 8)
    rows = math.ceil(count / columns)
    figure = _figure(1.25 * columns + 0.4, 1.45 * rows + 0.6)
    panels = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    for axes, image, label, guess in zip(panels, images, true, predicted, strict=False):
        _image(axes, image, f"true {_label(int(label), class_names)}\n"
                            f"pred {_label(int(guess), class_names)}", color=_WRONG)
    for axes in panels[count:]:
        axes.set_visible(False)
    figure.suptitle(title, fontsize=11)
    return _save(figure, path)


def confidence_histogram(path: Path, title: str, top_probability: np.ndarray,
                         correct: np.ndarray) -> Path:
    """How sure the model was: the top class probability of every prediction and of the wrong
    ones, as shares so both shapes compare."""
    figure = _figure(7, 3.6)
    axes = figure.subplots()
    bins = np.linspace(0.0, 1.0, 21)
    top_probability = np.asarray(top_probability, dtype="float64")
    wrong = top_probability[~np.asarray(correct, dtype=bool)]
    for values, color, name in ((top_probability, _TRAIN, "all predictions"),
                                (wrong, _WRONG, "wrong predictions")):
        if len(values):
            weights = np.full(len(values), 1.0 / len(values))
            axes.hist(values, bins=bins, weights=weights, alpha=0.5, color=color,
                      label=f"{name} (n={len(values)}, mean {values.mean():.2f})")
            axes.axvline(values.mean(), color=color, linestyle="--")
    axes.set_xlabel("top class probability")
    axes.set_ylabel("share of predictions")
    axes.legend(fontsize=8, loc="upper right")
    axes.grid(alpha=0.3)
    axes.set_title(title, fontsize=11)
    return _save(figure, path)


def _scaled(tile: np.ndarray) -> np.ndarray:
    """A tile stretched to [0, 1] over its own range (flat tiles become 0)."""
    low, high = float(tile.min()), float(tile.max())
    return (tile - low) / (high - low) if high > low else np.zeros_like(tile)


def _mosaic(axes: Axes, tiles: Sequence[np.ndarray], columns: int, cmap: str | None,
            labels: Sequence[str], background: str = "white") -> None:
    """Many small images drawn as one, each labelled above: one image is far cheaper to render
    than an axes per tile (a first layer has 32 and more). Gaps show ``background``, so a
    white tile still stands out on a coloured one."""
    from matplotlib.colors import to_rgb

    height, width = tiles[0].shape[:2]
    gap, head = max(1, width // 8), max(2, height // 3)
    rows = math.ceil(len(tiles) / columns)
    fill = np.nan if tiles[0].ndim == 2 else to_rgb(background)
    canvas = np.full((rows * (height + head), columns * (width + gap), *tiles[0].shape[2:]), fill)
    for index, (tile, label) in enumerate(zip(tiles, labels, strict=True)):
        row, column = divmod(index, columns)
        top, left = row * (height + head) + head, column * (width + gap)
        canvas[top:top + height, left:left + width] = tile
        axes.text(left + width / 2 - 0.5, top - 0.8, label, ha="center", va="bottom", fontsize=7)
    axes.imshow(canvas, cmap=cmap, interpolation="nearest", vmin=0.0, vmax=1.0)
    axes.set_facecolor(background)
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)


def first_layer_filters(path: Path, title: str, kernels: np.ndarray, limit: int = 32) -> Path:
    """The first convolution's kernels (height × width × channels × filters), each scaled to
    its own range; one input channel shown in grey, three as colour."""
    kernels = np.asarray(kernels, dtype="float64")
    count = min(kernels.shape[-1], limit)
    tiles = [kernels[..., index] for index in range(count)]
    tiles = [_scaled(tile if tile.shape[-1] == 3 else tile[..., 0]) for tile in tiles]
    columns = min(count, 8)
    figure = _figure(1.0 * columns + 0.4, 1.1 * math.ceil(count / columns) + 0.8)
    _mosaic(figure.subplots(), tiles, columns, "gray", [f"#{i}" for i in range(count)],
            background="#b6cde3")
    figure.suptitle(f"{title}\neach filter scaled to its own range: black lowest weight, white "
                    f"highest", fontsize=11)
    return _save(figure, path)


def activation_maps(path: Path, title: str, image: np.ndarray | None, maps: np.ndarray,
                    limit: int = 32) -> Path:
    """One sample's activation map per filter of the first layer, beside the input."""
    maps = np.asarray(maps, dtype="float64")
    count = min(maps.shape[-1], limit)
    columns = min(count, 8)
    rows = math.ceil(count / columns)
    figure = _figure(1.1 * columns + 2.2, 1.2 * rows + 0.8)
    picture, grid = figure.subplots(1, 2, width_ratios=[1.6, columns])
    if image is not None:
        _image(picture, image, "input")
    else:
        picture.set_visible(False)
    _mosaic(grid, [_scaled(maps[..., index]) for index in range(count)], columns, "viridis",
            [f"#{i}" for i in range(count)])
    figure.suptitle(f"{title}\neach map scaled to its own range: brighter is a stronger response "
                    f"of that filter", fontsize=11)
    return _save(figure, path)


def class_probabilities(path: Path, title: str, samples: Sequence[Mapping[str, Any]],
                        class_names: Sequence[str] = ()) -> Path:
    """Class-probability bars of a sample the model got right and one it got wrong, with the
    image when there is one: the true class in green, the predicted one in red when wrong."""
    figure = _figure(5.2 * len(samples), 3.4)
    grid = figure.add_gridspec(1, 2 * len(samples), width_ratios=[1, 3] * len(samples))
    for position, sample in enumerate(samples):
        picture = figure.add_subplot(grid[0, 2 * position])
        if sample.get("image") is not None:
            _image(picture, sample["image"], f"test #{sample['index']}")
        else:
            picture.set_visible(False)
        bars = figure.add_subplot(grid[0, 2 * position + 1])
        probabilities = np.asarray(sample["probabilities"], dtype="float64")
        predicted, label = int(probabilities.argmax()), int(sample["label"])
        colors = ["#2ca02c" if k == label else _WRONG if k == predicted else _BASE
                  for k in range(len(probabilities))]
        bars.bar(range(len(probabilities)), probabilities, color=colors)
        bars.set_xticks(range(len(probabilities)),
                        [_label(k, class_names) for k in range(len(probabilities))], fontsize=8,
                        rotation=45 if class_names else 0)
        bars.set_ylim(0, 1)
        bars.set_xlabel("class")
        bars.set_ylabel("probability")
        verdict = "right" if predicted == label else "wrong"
        bars.set_title(f"true {_label(label, class_names)}, predicted "
                       f"{_label(predicted, class_names)} ({verdict})", fontsize=9)
        bars.grid(alpha=0.3, axis="y")
    figure.suptitle(title, fontsize=11)
    return _save(figure, path)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-")


def _histories(results: Sequence[ClaimResult]) -> dict[tuple[str, str, str], list]:
    """Each trained recipe's per-seed histories, from the results that read it (a committee
    logs only its members' accuracies: it has no curves)."""
    found: dict[tuple[str, str, str], list] = {}
    for result in results:
        details = result.details
        curves = any("loss" in h or "accuracy" in h for h in details.get("history") or [])
        if result.group == "training" and curves and details.get("recipe"):
            key = (result.tutorial, result.profile, details["recipe"])
            found.setdefault(key, list(zip(details.get("seeds", []), details["history"],
                                           strict=False)))
    return found


def _model_figures(recipe_run: RecipeRun) -> list[tuple[str, str, Callable[[Path], Path]]]:
    """(file stem, caption, draw) for every model figure a recipe's artifacts allow."""
    first = recipe_run.runs[0] if recipe_run.runs else None
    artifacts = first.artifacts if first is not None else None
    if not artifacts:
        return []
    seed, names = first.seed, artifacts["class_names"]
    where = f"{recipe_run.recipe.name}, seed {seed}, {recipe_run.data_source}"
    wrong = artifacts["misclassified"]
    figures: list[tuple[str, str, Callable[[Path], Path]]] = [
        ("confidence", f"Top class probability, wrong vs all test predictions ({where})",
         partial(confidence_histogram, title=f"Confidence of predictions: {where}",
                 top_probability=artifacts["top_probability"], correct=artifacts["correct"]))]
    if wrong["images"] is not None and len(wrong["images"]):
        figures.append(("misclassified", f"Misclassified test samples ({where})",
                        partial(misclassified, title=f"Misclassified test samples: {where}",
                                images=wrong["images"], true=wrong["true"],
                                predicted=wrong["predicted"], class_names=names)))
    if artifacts["samples"]:
        figures.append(("probabilities", f"Class probabilities of one right and one wrong "
                                         f"test sample ({where})",
                        partial(class_probabilities, title=f"Class probabilities: {where}",
                                samples=artifacts["samples"], class_names=names)))
    layer = artifacts.get("first_layer")
    if layer:
        image = next((s["image"] for s in artifacts["samples"]
                      if s["index"] == layer["sample_index"]), None)
        figures += [
            ("filters", f"First-layer filters ({layer['name']}, {where})",
             partial(first_layer_filters,
                     title=f"First-layer filters ({layer['name']}): {where}",
                     kernels=layer["kernels"])),
            ("activations", f"First-layer activation maps of test #{layer['sample_index']} "
                            f"({where})",
             partial(activation_maps, title=f"First-layer activations, test "
                                            f"#{layer['sample_index']}: {where}",
                     image=image, maps=layer["activations"]))]
    return figures


def write_figures(run: RunRecord, recipe_runs: Sequence[RecipeRun],
                  directory: Path) -> list[FigureEntry]:
    """Every figure the run allows, under ``directory/<tutorial>/``; the folder is emptied
    first so no figure of an older run is left behind. A failing figure is logged and skipped."""
    shutil.rmtree(directory, ignore_errors=True)
    planned: list[tuple[str, str, str, str, Callable[[Path], Path]]] = []
    by_tutorial: dict[tuple[str, str], list[ClaimResult]] = {}
    for result in run.results:
        if result.group == "training" and _numeric(result.measured) is not None:
            by_tutorial.setdefault((result.tutorial, result.profile), []).append(result)
    for (tutorial, profile), results in sorted(by_tutorial.items()):
        planned.append((tutorial, "claims", f"{profile}-claims",
                        f"Trained claims ({profile}): the tutorial's figure, the baseline's "
                        f"seeds and today's seeds",
                        partial(claim_values,
                                title=f"{tutorial}: trained claims ({profile}), baseline vs today",
                                results=results)))
    recipes = {(r.recipe.tutorial, r.recipe.profile, r.recipe.name): r for r in recipe_runs}
    for (tutorial, profile, recipe), histories in sorted(_histories(run.results).items()):
        group = f"{profile}/{recipe}"
        stem = _slug(f"{profile}-{recipe}")
        planned.append((tutorial, group, f"{stem}-curves",
                        f"Learning curves of {recipe} ({profile}), every seed",
                        partial(learning_curves,
                                title=f"{tutorial}/{recipe} ({profile}): accuracy and loss per "
                                      "epoch", histories=histories)))
        if (tutorial, profile, recipe) in recipes:
            planned += [(tutorial, group, f"{stem}-{name}", caption, draw) for name, caption, draw
                        in _model_figures(recipes[(tutorial, profile, recipe)])]
    drawn = _draw_all([(draw, directory / f"{tutorial}/{stem}.png")
                       for tutorial, _, stem, _, draw in planned])
    return [FigureEntry(tutorial, group, caption, f"{tutorial}/{stem}.png")
            for (tutorial, group, stem, caption, _), ok in zip(planned, drawn, strict=True) if ok]


def _draw_one(draw: Callable[[Path], Path], path: Path) -> bool:
    """Draw one figure; a figure is never worth losing the report over."""
    try:
        draw(path)
    except Exception as error:
        log.warning("figure %s not drawn: %s: %s", path.name, type(error).__name__, error)
        return False
    return True


def _draw_all(jobs: list[tuple[Callable[[Path], Path], Path]]) -> list[bool]:
    """Draw every figure, on as many processes as there are cores (a figure costs 0.2-0.4 s of
    one core, and the session has nothing else to do by then). Each figure is a module-level
    function with its data bound (``functools.partial``), so it pickles into a spawned worker;
    without a pool (one core, or none can start) they are drawn here, one by one."""
    workers = min(len(jobs), os.cpu_count() or 1, _MAX_WORKERS)
    if workers > 1:
        try:
            context = multiprocessing.get_context("spawn")  # never fork a process holding TF
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                return list(pool.map(_draw_one, *zip(*jobs, strict=True), chunksize=4))
        except Exception as error:  # the pool itself (start-up, pickling), not a figure
            log.warning("figures drawn one by one (no worker pool: %s: %s)",
                        type(error).__name__, error)
    return [_draw_one(draw, path) for draw, path in jobs]
