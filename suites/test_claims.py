"""The claim suites: one test function per claim group, one test item per claim.

The claims themselves are data in ``claims/<tutorial>.yaml``; the harness plugin parametrizes
these functions with them. Select with markers (``-m fast``, ``-m "structure and full"``) or by
claim id (``-k mnist-workflow``).
"""

import pytest


@pytest.mark.structure
def test_structure(claim, verify_claim) -> None:
    """Built with Keras, never trained: compared exactly with the tutorial and the baseline."""
    verify_claim(claim)


@pytest.mark.training
def test_training(claim, verify_claim) -> None:
    """Trains the recipe's seeds once per session; judged with the seed statistics."""
    verify_claim(claim)


@pytest.mark.timing
def test_timing(claim, verify_claim, benchmark) -> None:
    """Step times with pytest-benchmark: interleaved, warmed up, synchronized, per device."""
    verify_claim(claim, benchmark=benchmark)
