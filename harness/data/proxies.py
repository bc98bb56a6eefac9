"""Offline proxies: small stand-ins for MNIST, CIFAR-10 and IMDB that need no network.

They exist so that the fast profile can check the tutorials' *lessons* (conv beats dense,
dropout shrinks the train-test gap, validation loss turns up when a model starts to overfit)
on any machine, with nothing downloaded. They are not the real data sets: every result records
``Dataset.source`` so that numbers measured on a proxy are never compared with the tutorials'
figures or with baselines measured on the real data.

Every proxy is a pure function of fixed seeds and uses only exactly rounded arithmetic
(``+ - * /``, integer draws and ``Generator.random``; no ``sin``, ``exp`` or ``rng.normal``,
whose last bits can differ between CPUs), so it has the same bytes on every machine that runs
the same NumPy and scikit-learn.

``proxy-sklearn-digits`` (MNIST)
    Real handwriting: the 1,797 8x8 digits that scikit-learn ships (``load_digits``, values
    0..16), scaled to 0..255, resized to 18x18 with bilinear interpolation and placed in a
    28x28 canvas (MNIST puts its digits in a 20x20 box), moved off centre by a seeded random
    offset of up to 5 pixels each way. Split stratified 80/20
    (``train_test_split(test_size=0.2, random_state=0, stratify=y)``) into 1,437 train / 360
    test. Centred, the digits are so regular that a dense net matches the conv net (0.97 vs
    0.97 after 15 epochs) and MNIST's one-point conv-vs-dense lesson drowns in the noise of 360
    test images; the offsets make position matter, as it does in real photographs of digits.
    At 20x20 and ±4 px the conv net led by +0.026 ± 0.020 over 8 seeds (10 epochs of batch
    32), too close to its noise for a gate that keeps false alarms at 1% (5.4% measured); at
    18x18 and ±5 px it leads by +0.065 ± 0.026 (0.86 vs 0.79, 6 seeds), a lesson the
    seed-paired test resolves at four seeds. (At 16x16 and ±6 px the lead was larger, +0.064
    ± 0.020 over 8 seeds, but the short recipes fell towards chance: mnist-intro's CNN 0.29.)

``proxy-synthetic-cifar10``
    6,000 train / 1,000 test 32x32 RGB images, 10 balanced classes. A class is a small local
    motif (horizontal, vertical, diagonal and anti-diagonal stripes, a ring, a plus, an X, a
    checker patch, a square frame, a dot grid), 10-14 px wide, with a random phase, drawn in a
    light colour (a weak class tint, shared by two classes, under equally strong colour jitter)
    over a darker tile at a RANDOM position on a cluttered background: a smooth, mostly grey
    random field, pixel noise, and 1-2 distractor shapes (filled discs, boxes and bars, which
    belong to no class) of random colour; 15% of the other images get a distractor drawn over
    the motif. In 15% of the images the motif is all but invisible (5-10% opacity, no tile,
    covered): those can only be memorised, never learnt, so test accuracy plateaus near 85%.
    Because the motif may sit anywhere, a translation-invariant conv net learns the task from
    a few hundred examples while a dense net on the flattened pixels stays near chance ("conv
    beats dense"); because a big net trained long on a small set memorises the hidden 15%,
    train accuracy ends well above test accuracy, and dropout narrows that gap -- the lessons
    the CIFAR tutorials teach.

``proxy-synthetic-imdb``
    5,000 train / 5,000 test reviews as lists of word ids with the Keras conventions (1 starts a
    review, 2 is out-of-vocabulary, words from 3 ranked by frequency, all ids < 10,000, and
    ``num_words`` applied as Keras does). Lengths 80-499, most of them short. Filler words are
    drawn from a Zipf law (weight 1/rank) over the whole vocabulary. Sentiment is carried by
    300 planted phrases (150 per polarity) of 2-3 words: one of 20 sentiment words of that
    polarity among 1-2 of 80 modifier words. A review holds 6-12 phrases, each of its own
    polarity with probability 0.9; a fifth of them are negated (a negator id, "not", before a
    phrase of the other polarity), which only a model that reads word order gets right, and
    10% of the labels are flipped. So test accuracy plateaus near 80% (below 100%, as on IMDB),
    and the tutorial's Conv1D, trained for 10 epochs on 2,000 reviews, reaches its lowest
    validation loss after about 5-7 epochs and then overfits (validation loss rises).
"""

from __future__ import annotations

import numpy as np

# The seeds are part of the proxies' identity: changing one changes every checksum.
MNIST_SEED = 20_170_303
MNIST_DIGIT_SIZE = 18  # pixels: small enough to move ±5 px in the 28x28 canvas
MNIST_MAX_OFFSET = 5  # pixels a digit may sit off centre, each way
CIFAR_SEED = 20_170_301
IMDB_SEED = 20_170_302

CIFAR_CLASS_NAMES = (
    "h-stripes", "v-stripes", "diag-stripes", "antidiag-stripes", "ring",
    "plus", "x-cross", "checker", "frame", "dot-grid",
)
DIGIT_CLASS_NAMES = tuple(str(digit) for digit in range(10))
IMDB_CLASS_NAMES = ("negative", "positive")


# --- shared helpers ---------------------------------------------------------------------------

def _bilinear_weights(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Half-pixel-centre bilinear sampling (as PIL and most libraries do), from exact arithmetic.
    position = (np.arange(size_out) + 0.5) * (size_in / size_out) - 0.5
    position = np.clip(position, 0.0, size_in - 1.0)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, size_in - 1)
    return low, high, position - low


def resize_bilinear(images: np.ndarray, size: int) -> np.ndarray:
    """Resize a batch of square images (N, H, W[, C]) to (N, size, size[, C]), keeping the dtype.

    Written with NumPy so the proxies do not depend on an image library's rounding.
    """
    images = np.asarray(images)
    dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float64)
    images = images.astype(dtype, copy=False)
    rows_low, rows_high, row_frac = _bilinear_weights(images.shape[1], size)
    cols_low, cols_high, col_frac = _bilinear_weights(images.shape[2], size)
    extra = (1,) * (images.ndim - 3)
    row_frac = row_frac.astype(dtype).reshape((1, size, 1, *extra))
    col_frac = col_frac.astype(dtype).reshape((1, 1, size, *extra))
    top = images[:, rows_low] * (1.0 - row_frac) + images[:, rows_high] * row_frac
    return top[:, :, cols_low] * (1.0 - col_frac) + top[:, :, cols_high] * col_frac


def _to_uint8(values: np.ndarray) -> np.ndarray:
    values = np.rint(values)
    np.clip(values, 0, 255, out=values)
    return values.astype(np.uint8)


# --- MNIST: scikit-learn's real 8x8 digits --------------------------------------------------------

def mnist_proxy() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` like ``keras.datasets.mnist``, from sklearn."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    small = digits.images * (255.0 / 16.0)  # 0..16 -> 0..255
    resized = _to_uint8(resize_bilinear(small, MNIST_DIGIT_SIZE))
    offsets = np.random.default_rng(MNIST_SEED).integers(-MNIST_MAX_OFFSET, MNIST_MAX_OFFSET + 1,
                                                         size=(len(small), 2))
    canvas = np.zeros((len(small), 28, 28), dtype=np.uint8)
    corner, size = (28 - MNIST_DIGIT_SIZE) // 2, MNIST_DIGIT_SIZE
    for image, digit, (down, right) in zip(canvas, resized, offsets, strict=True):
        image[corner + down:corner + size + down, corner + right:corner + size + right] = digit
    labels = digits.target.astype(np.uint8)
    train, test = train_test_split(np.arange(len(labels)), test_size=0.2, random_state=0,
                                   stratify=labels)
    return (canvas[train], labels[train]), (canvas[test], labels[test])


# --- CIFAR-10: random-position motifs on clutter ------------------------------------------------

# Pairs of classes share a tint (RGB, 0..1), so colour alone tells at most five groups apart;
# the colour jitter is as strong as the tint.
_CIFAR_TINTS = np.array([
    [1.0, 0.35, 0.35], [0.35, 1.0, 0.35], [0.35, 0.35, 1.0], [1.0, 1.0, 0.35], [0.35, 1.0, 1.0],
])[[0, 0, 1, 1, 2, 3, 3, 4, 2, 4]]
_MOTIF_SIZES = (10, 15)  # motif width in pixels: 10..14
_PHASES = 6  # stripe/checker offsets
_HIDDEN = 0.15  # fraction of images whose motif is all but invisible
_COVER = 0.15  # fraction of the other images with a distractor drawn over the motif
_ALPHA = (0.7, 1.0)  # opacity range of a visible motif
_TILE = (0.5, 0.5)  # darkening range of the tile under a visible motif (tuned to a constant)
_NOISE = 0.06  # amplitude of the triangular pixel noise


def _motif(label: int, size: int, phase: int) -> np.ndarray:
    """The class's binary motif, ``size`` x ``size``, from integer arithmetic only."""
    i, j = np.mgrid[0:size, 0:size]
    c2 = size - 1  # twice the centre, so that distances stay integer
    di, dj = 2 * i - c2, 2 * j - c2
    if label == 0:  # horizontal stripes
        mask = ((i + phase) // 2) % 2 == 0
    elif label == 1:  # vertical stripes
        mask = ((j + phase) // 2) % 2 == 0
    elif label == 2:  # diagonal stripes
        mask = ((i + j + phase) // 2) % 2 == 0
    elif label == 3:  # anti-diagonal stripes
        mask = ((i - j + size + phase) // 2) % 2 == 0
    elif label == 4:  # ring
        radius2 = di * di + dj * dj
        mask = (radius2 <= c2 * c2) & (radius2 >= (c2 - 5) * (c2 - 5))
    elif label == 5:  # plus
        mask = (np.abs(di) <= 2) | (np.abs(dj) <= 2)
    elif label == 6:  # X
        mask = (np.abs(i - j) <= 1) | (np.abs(i + j - c2) <= 1)
    elif label == 7:  # checker patch
        mask = ((i + phase) // 3 + (j + phase) // 3) % 2 == 0
    elif label == 8:  # square frame
        mask = np.minimum(np.minimum(i, j), np.minimum(c2 - i, c2 - j)) <= 1
    else:  # dot grid
        mask = ((i + phase) % 3 == 0) & ((j + phase) % 3 == 0)
    return mask.astype(np.float64)


def _distractor(kind: int, a: int, b: int) -> np.ndarray:
    """A shape that belongs to no class: a filled disc (0), a filled box (1), or a bar (2, 3)."""
    if kind == 0:
        size = 5 + a % 7
        i, j = np.mgrid[0:size, 0:size]
        c2 = size - 1
        return (((2 * i - c2) ** 2 + (2 * j - c2) ** 2) <= c2 * c2).astype(np.float64)
    if kind == 1:
        return np.ones((4 + a % 7, 4 + b % 7))
    length, width = 8 + a % 8, 2 + b % 2
    return np.ones((length, width)) if kind == 2 else np.ones((width, length))


def _blend(image: np.ndarray, mask: np.ndarray, colour: np.ndarray, alpha: float,
           where: np.ndarray) -> None:
    # Alpha-blend ``colour`` through ``mask`` in place, at a position given by two numbers in
    # [0, 1) (so that every position that fits is equally likely).
    height, width = mask.shape
    top, left = int(where[0] * (33 - height)), int(where[1] * (33 - width))
    weight = (alpha * mask)[:, :, None]
    patch = image[top:top + height, left:left + width]
    patch *= 1.0 - weight
    patch += weight * colour


def _cifar_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    count = len(labels)
    # Background: a smooth, mostly grey random field (4x4 upsampled) plus pixel noise.
    # float32 halves the memory traffic; + - * / are exactly rounded in float32 too.
    f32 = np.float32
    coarse = rng.random((count, 4, 4, 3), dtype=f32) * f32(0.3)
    coarse += rng.random((count, 4, 4, 1), dtype=f32) * f32(0.7)
    images = resize_bilinear(coarse, 32)
    images *= f32(0.5)
    images += f32(0.1)
    noise = rng.random((count, 32, 32, 3), dtype=f32)
    noise += rng.random((count, 32, 32, 3), dtype=f32)
    noise -= f32(1.0)
    noise *= f32(_NOISE)
    images += noise
    del noise
    # Every random choice is drawn up front, one row per image, which keeps generation fast.
    sizes = rng.integers(*_MOTIF_SIZES, size=count)
    phases = rng.integers(0, _PHASES, size=count)
    hidden = rng.random(count) < _HIDDEN
    covered = hidden | (rng.random(count) < _COVER)
    alphas = np.where(hidden, 0.05 + 0.05 * rng.random(count),
                      _ALPHA[0] + (_ALPHA[1] - _ALPHA[0]) * rng.random(count))
    colours = 0.4 + 0.6 * (0.5 * _CIFAR_TINTS[labels] + 0.5 * rng.random((count, 3)))
    motif_at = rng.random((count, 2))
    tiles = _TILE[0] + (_TILE[1] - _TILE[0]) * rng.random(count)
    n_before = rng.integers(1, 3, size=count)  # 1-2 distractors under the motif
    shapes = rng.integers(0, 4, size=(count, 3)), rng.integers(0, 56, size=(count, 3, 2))
    shape_colours = rng.random((count, 3, 3))
    shape_alphas = 0.6 + 0.4 * rng.random((count, 3))
    shape_at = rng.random((count, 3, 2))
    motifs: dict[tuple[int, int, int], np.ndarray] = {}
    distractors: dict[tuple[int, int, int], np.ndarray] = {}

    def draw_distractor(index: int, slot: int) -> None:
        key = (int(shapes[0][index, slot]), *(int(v) for v in shapes[1][index, slot]))
        if key not in distractors:
            distractors[key] = _distractor(*key)
        _blend(images[index], distractors[key], shape_colours[index, slot],
               shape_alphas[index, slot], shape_at[index, slot])

    for index, label in enumerate(labels):
        for slot in range(n_before[index]):
            draw_distractor(index, slot)
        key = (int(label), int(sizes[index]), int(phases[index]))
        if key not in motifs:
            motifs[key] = _motif(*key)
        if not hidden[index]:  # a darker tile under the motif makes it stand out
            size = key[1]
            top = int(motif_at[index, 0] * (33 - size))
            left = int(motif_at[index, 1] * (33 - size))
            images[index, top:top + size, left:left + size] *= 1.0 - tiles[index]
        _blend(images[index], motifs[key], colours[index], alphas[index], motif_at[index])
        if covered[index]:
            draw_distractor(index, 2)
    images *= f32(255.0)
    return _to_uint8(images)


def cifar10_proxy(train_per_class: int = 600, test_per_class: int = 100
                  ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` like ``keras.datasets.cifar10`` (y is (N, 1))."""
    splits = []
    for stream, per_class in enumerate((train_per_class, test_per_class)):
        # Separate streams, so the test set does not depend on the size of the training set.
        rng = np.random.default_rng([CIFAR_SEED, stream])
        labels = rng.permutation(np.repeat(np.arange(10, dtype=np.uint8), per_class))
        splits.append((_cifar_images(labels, rng), labels.reshape(-1, 1)))
    return splits[0], splits[1]


# --- IMDB: Zipf filler with planted sentiment n-grams ---------------------------------------------

IMDB_VOCABULARY = 10_000  # every id is below this, as with the tutorial's num_words=10000
_FIRST_WORD = 3  # Keras: 0 pads, 1 starts a review, 2 is out-of-vocabulary
_NEGATORS = (14, 24, 61)  # frequent ids that play "not", "no", "never"
_POOL = (40, 3_000)  # phrase words are drawn from these frequency ranks
_POLAR_WORDS = 20  # sentiment words per polarity ("great", "awful")
_MODIFIERS = 80  # words that only appear around them in phrases ("really", "the", "acting")
_PHRASES_PER_POLARITY = 150
_LABEL_NOISE = 0.10
_PLANTED = (6, 13)  # phrases planted per review: 6..12
_AGREEMENT = 0.9  # chance that a planted phrase carries the review's own sentiment
_NEGATED = 0.2  # chance that a planted phrase is a negated phrase of the other polarity
Phrases = tuple[list[np.ndarray], list[np.ndarray]]  # negative, positive


def _phrases(rng: np.random.Generator) -> Phrases:
    """Negative and positive 2-3 word phrases: one sentiment word among 1-2 modifiers."""
    words = rng.choice(np.setdiff1d(np.arange(*_POOL), _NEGATORS),
                       size=2 * _POLAR_WORDS + _MODIFIERS, replace=False)
    polar = words[:_POLAR_WORDS], words[_POLAR_WORDS:2 * _POLAR_WORDS]
    modifiers = words[2 * _POLAR_WORDS:]
    groups: Phrases = ([], [])
    seen: set[tuple[int, ...]] = set()
    for polarity in (0, 1):
        while len(groups[polarity]) < _PHRASES_PER_POLARITY:
            phrase = [int(w) for w in rng.choice(modifiers, size=int(rng.integers(1, 3)),
                                                 replace=False)]
            phrase.insert(int(rng.integers(len(phrase) + 1)), int(rng.choice(polar[polarity])))
            if tuple(phrase) not in seen:
                seen.add(tuple(phrase))
                groups[polarity].append(np.array(phrase, dtype=np.int64))
    return groups


def _reviews(count: int, rng: np.random.Generator, phrases: Phrases
             ) -> tuple[list[list[int]], np.ndarray]:
    # Filler: Zipf weights 1/rank over ids 3..9999, sampled by inverse CDF (exact arithmetic;
    # cumsum adds in order).
    weights = 1.0 / np.arange(1, IMDB_VOCABULARY - _FIRST_WORD + 1, dtype=np.float64)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    sentiment = rng.integers(0, 2, size=count)
    lengths = 80 + (420 * rng.random(count) ** 2).astype(np.int64)  # 80..499, most short
    n_phrases = rng.integers(*_PLANTED, size=count)
    reviews: list[list[int]] = []
    for index in range(count):
        planted: list[np.ndarray] = []
        for _ in range(n_phrases[index]):
            polarity = int(sentiment[index])
            if rng.random() >= _AGREEMENT:
                polarity = 1 - polarity
            if rng.random() < _NEGATED:  # "not" + a phrase of the other polarity
                group = phrases[1 - polarity]
                negator = _NEGATORS[int(rng.integers(len(_NEGATORS)))]
                planted.append(np.concatenate(([negator], group[int(rng.integers(len(group)))])))
            else:
                group = phrases[polarity]
                planted.append(group[int(rng.integers(len(group)))])
        n_filler = int(lengths[index]) - 1 - sum(len(p) for p in planted)
        filler = np.searchsorted(cdf, rng.random(n_filler), side="right") + _FIRST_WORD
        cuts = np.sort(rng.integers(0, n_filler + 1, size=len(planted)))
        pieces = [np.array([1])]  # start_char
        previous = 0
        for cut, phrase in zip(cuts, planted, strict=True):
            pieces += [filler[previous:cut], phrase]
            previous = cut
        pieces.append(filler[previous:])
        reviews.append(np.concatenate(pieces).tolist())
    flip = rng.random(count) < _LABEL_NOISE
    labels = np.where(flip, 1 - sentiment, sentiment).astype(np.int64)
    return reviews, labels


def imdb_proxy(num_words: int | None = None, train_size: int = 5_000, test_size: int = 5_000
               ) -> tuple[tuple[list[list[int]], np.ndarray], tuple[list[list[int]], np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` like ``keras.datasets.imdb`` (x: id lists)."""
    phrases = _phrases(np.random.default_rng([IMDB_SEED, 0]))
    splits = []
    for stream, count in ((1, train_size), (2, test_size)):
        reviews, labels = _reviews(count, np.random.default_rng([IMDB_SEED, stream]), phrases)
        if num_words is not None and num_words < IMDB_VOCABULARY:
            reviews = [[w if w < num_words else 2 for w in review] for review in reviews]
        splits.append((reviews, labels))
    return splits[0], splits[1]


# --- smoke stand-in for cats vs dogs --------------------------------------------------------------

CATS_DOGS_SMOKE_SEED = 20_170_304
CATS_DOGS_CLASS_NAMES = ("cats", "dogs")


def cats_vs_dogs_smoke(train: int = 64, test: int = 32, size: int = 160
                       ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Noise photos with a bright disc (cats) or square (dogs): only for ``--smoke``, which
    proves the transfer-learning wiring and never compares a number, so no lesson lives here."""
    rng = np.random.default_rng(CATS_DOGS_SMOKE_SEED)
    labels = rng.integers(0, 2, size=train + test)
    images = rng.integers(0, 96, size=(train + test, size, size, 3)).astype("uint8")
    rows, cols = np.mgrid[:size, :size]
    for image, label in zip(images, labels, strict=True):
        centre_r, centre_c = rng.integers(size // 4, 3 * size // 4, size=2)
        reach = size // 6
        if label == 0:
            shape = (rows - centre_r) ** 2 + (cols - centre_c) ** 2 < reach ** 2
        else:
            shape = (abs(rows - centre_r) < reach) & (abs(cols - centre_c) < reach)
        image[shape] = 230
    return (images[:train], labels[:train]), (images[train:], labels[train:])
