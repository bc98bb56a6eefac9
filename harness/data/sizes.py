"""The full profile refuses data that cannot give the tutorial's recipe.

A full recipe states the tutorial's figure for the real data set. Trained on a data folder with
fewer images than the recipe asks for (or than the real data set has), it would miss that figure
and read as a regression when the data is at fault; so it is refused before anything trains,
with the sizes in the message. The fast profile and ``--smoke`` take whatever data is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.errors import TrainingFailed

if TYPE_CHECKING:
    from harness.data import Dataset
    from harness.recipes import Recipe

# (training, test) samples of the real data sets; cats-vs-dogs is the tutorial's filtered
# folder (train/ 2,000 and validation/ 1,000 images).
KNOWN_SIZES: dict[str, tuple[int, int]] = {
    "mnist": (60_000, 10_000),
    "cifar10": (50_000, 10_000),
    "imdb": (25_000, 25_000),
    "cats-vs-dogs": (2_000, 1_000),
}
_NOUNS = {"imdb": "reviews"}
_TITLES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "imdb": "IMDB", "cats-vs-dogs": "cats-vs-dogs"}


class DataTooSmall(TrainingFailed):
    """A full recipe's data has fewer samples than the recipe or the real data set needs.

    A ``TrainingFailed``: every claim reading the recipe is an ERROR with this one message, and
    the recipe is not attempted again in the session."""


def _needed(asked: int | None, known: int | None) -> int | None:
    """The most a full recipe may need: what it asks for and what the real data set holds."""
    wanted = [size for size in (asked, known) if size is not None]
    return max(wanted) if wanted else None


def check_full_sizes(recipe: Recipe, dataset: Dataset) -> None:
    """Raise ``DataTooSmall`` when a full recipe's training or test set is short; a no-op for
    the fast and smoke profiles."""
    if recipe.profile != "full":
        return
    known_train, known_test = KNOWN_SIZES.get(recipe.data, (None, None))
    noun = _NOUNS.get(recipe.data, "images")
    short = []
    for split, have, asked, known in (
            ("training", len(dataset.x_train), recipe.train_size, known_train),
            ("test", len(dataset.x_test), recipe.test_size, known_test)):
        needed = _needed(asked, known)
        if needed is not None and have < needed:
            uses = f"the recipe uses the first {asked:,}" if asked else "the recipe uses them all"
            title = _TITLES.get(recipe.data, recipe.data)
            real = f"{title} has {known:,}" if known else "no known size"
            short.append(f"{have:,} {split} {noun} where {needed:,} are needed ({real}; {uses})")
    if short:
        raise DataTooSmall(
            f"full recipe {recipe.tutorial}/{recipe.name} refused: the data ({dataset.source}) "
            f"has {' and '.join(short)}; the full profile trains the tutorial's recipe on the "
            f"complete real data set or not at all: point --data-dir at the complete files, or "
            f"run the fast profile")
