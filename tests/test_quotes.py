"""Every claim's ``quote`` is the tutorial's own words (issue 14).

The tutorials live beside the project in ``../shared/seeds/``; each claim file names its
tutorial in ``seed:``. A quote must occur word for word once whitespace is normalised (the
tutorials' tables and logs are column-aligned). ``[...]`` marks an elision: the pieces around it
must each occur, in that order. Without the seeds folder the test is skipped, with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.claims import claim_files

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
ELISION = "[...]"


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _cases() -> list[tuple[str, str, str]]:
    """(claim id, seed file, quote) for every claim of every claim file."""
    cases = []
    for path in claim_files(ROOT / "suites"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases += [(f"{document['tutorial']}/{claim['id']}", document["seed"], claim["quote"])
                  for claim in document["claims"]]
    return cases


def missing_pieces(quote: str, text: str) -> list[str]:
    """The pieces of a quote (split at ``[...]``) not found in the text in order."""
    missing, position = [], 0
    for piece in (_normalised(p) for p in quote.split(ELISION)):
        found = text.find(piece, position)
        if not piece or found < 0:
            missing.append(piece)
        else:
            position = found + len(piece)
    return missing


def load_tutorials(folder: Path) -> dict[str, str]:
    """Every tutorial's text, whitespace-normalised, by file name; a skip when it is absent."""
    if not folder.is_dir():
        pytest.skip(f"the tutorials are not here: {folder} does not exist (the shared/ folder "
                    "beside the project holds them)")
    return {path.name: _normalised(path.read_text(encoding="utf-8"))
            for path in folder.iterdir() if path.is_file()}


@pytest.fixture(scope="module")
def tutorials() -> dict[str, str]:
    return load_tutorials(SEEDS)


@pytest.mark.parametrize(("claim_id", "seed", "quote"), _cases(),
                         ids=[case[0] for case in _cases()])
def test_quote_occurs_in_its_tutorial(claim_id: str, seed: str, quote: str,
                                      tutorials: dict[str, str]) -> None:
    assert seed in tutorials, f"{claim_id}: seed file {seed} is not in {SEEDS}"
    missing = missing_pieces(quote, tutorials[seed])
    assert not missing, f"{claim_id}: not in {seed} word for word: {missing}"


def test_elision_keeps_order() -> None:
    text = _normalised("loss: 0.0432 - accuracy: 0.9907\n313/313 loss: 0.1149")
    assert not missing_pieces("loss: 0.0432 [...] loss: 0.1149", text)
    assert missing_pieces("loss: 0.1149 [...] loss: 0.0432", text)
    assert missing_pieces("error 0.54%", _normalised("the validation error is 0.540%)"))


def test_no_seeds_folder_skips_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match="does not exist"):
        load_tutorials(tmp_path / "shared" / "seeds")
