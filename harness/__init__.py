"""Tutorial-claims harness: every claim of a Keras tutorial as a pytest check.

The engine knows no tutorial: each one is a folder ``suites/<tutorial>/`` (its ``claims.yaml``
and the ``models.py`` that file names) in this repository or in any other one. The package is
laid out by layer:

- claims as data: ``claims`` (load and validate a tutorial's ``claims.yaml``), ``recipes``
  (its training recipes, per profile), ``kinds`` (what each claim kind measures and which
  environment its baseline depends on), ``metrics`` (every metric a training produces, with
  which way is better), ``models`` (a tutorial's models module: its declared models, read
  from the source, and its builders), ``errors`` (errors shared across layers)
- measuring: ``measures/`` (structure, training, step times), ``data/`` (data sets: local
  copies, keras.datasets, offline proxies), ``training/`` (each (recipe, seed) trained once per
  session in single-threaded worker processes or Ray tasks, shared through the ``SeedBank``,
  kept in the train cache), ``devices`` (GPUs), ``benchmarks`` (pytest-benchmark's JSON),
  ``determinism`` (``--determinism-probe``)
- ``verdicts/``: comparators, seed statistics, calibrated gates, the judges, and ``evaluate``
  (one claim from measurement to verdict)
- storing: ``baselines`` (the stored expected values under ``baselines/``), ``environment``
  (the fingerprint that keys them), ``runlog`` (the run folder, resume), ``results``,
  ``atomic`` (the one atomic file write), ``paths`` (file names relative to the project root)
- ``reporting/``: the run's report and figures, two runs compared, backend parity, the
  baseline review, the history of many runs
- pytest: ``plugin`` (options, hooks, and the collector of ``claims.yaml`` files, loaded
  through the ``pytest11`` entry point), ``session`` (the session's state, one claim's
  verification, the end-of-session reports), ``quiet`` and ``terminal`` (framework logs to
  files, progress lines)
- commands: ``__main__`` (``compare``, ``claims``, ``review``, ``aa``, ``history``, ...),
  ``aa`` (the A/A self-test)

Heavy imports (TensorFlow, Keras) happen only inside measurements, so ``pytest --help`` and
collection stay quick.
"""

__version__ = "0.1.0"
