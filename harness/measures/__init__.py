"""Measurements, one module per claim group; ``harness.kinds`` maps each kind to its function."""
