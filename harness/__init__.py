"""Tutorial-claims harness: every claim of five Keras CNN tutorials as a pytest check.

The package is laid out by job:

- ``claims``       loads and validates the claim files in ``suites/claims/``
- ``recipes``      the training recipes declared beside the claims, per profile
- ``kinds``        what each claim kind measures and which environment its baseline depends on
- ``measures/``    the measurements themselves (structure, training, step times)
- ``models/``      the tutorials' models, one module per tutorial (each claim file names its
                   module in ``models:``)
- ``metrics``      every metric the runner produces, with which way is better
- ``data/``        data sets: local copies, keras.datasets, offline proxies
- ``training/``    each (recipe, seed) trained once per session in single-threaded worker
                   processes (``pool``, ``worker``), shared through the ``SeedBank``;
                   ``datasets`` is the rule for which data a recipe trains on
- ``devices``      GPUs: memory growth on, one GPU per training worker
- ``benchmarks``   pytest-benchmark's JSON kept in the run's folder
- ``determinism``  ``--determinism-probe``: is one seed's training bit-identical here?
- ``comparators``  exact and approximate comparison of structural values
- ``stats``        seed-paired relation tests, baseline shift tests, looks and error spending
- ``calibration``  each trained claim's false-alarm rate and minimal detectable effect
- ``atomic``       the one atomic file write (unique temporary file, fsync, rename)
- ``paths``        file names in reports and messages, relative to the project root
- ``tables``       markdown tables (tabulate)
- ``judges``       which comparison each kind uses against the tutorial and the baseline
- ``baselines``    the stored expected values under ``baselines/``
- ``environment``  the framework/device fingerprint that keys baselines
- ``errors``       errors shared across layers (bad claim files, claims that cannot be measured
                   here, recipes that failed to train)
- ``evaluate``     one claim from measurement to verdict
- ``runlog``       the per-run folder: each result appended and fsynced as it is known, resume
- ``report``       markdown and JSON reports under ``reports/``, and reading a JSON run back
- ``plots``        the report's figures (learning curves, claim values, model figures)
- ``compare``      two saved runs side by side, claim by claim (``python -m harness compare``)
- ``review``       what a baseline regeneration changed, flagged against the tutorial
- ``plugin``       the pytest plugin: options and hooks that turn claims into test items
- ``session``      the session's state, one claim's verification, the end-of-session reports
- ``aa``           the A/A self-test: the fast trained claims on shifted seeds, false alarms
- ``history``      saved runs read back in time order and cut into per-claim series
- ``history_plots`` one claim's series across runs as a figure
- ``history_report`` history.md and history.html (``python -m harness history``)
- ``page``         one document rendered both as markdown and as an HTML page
- ``__main__``     the command line: ``compare``, ``claims``, ``review``, ``aa``, ``history``

Heavy imports (TensorFlow, Keras) happen only inside measurements, so ``pytest --help`` and
collection stay quick.
"""

__version__ = "0.1.0"
