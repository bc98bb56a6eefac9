"""Tutorial-claims harness: every claim of five Keras CNN tutorials as a pytest check.

The package is laid out by job:

- ``claims``       loads and validates the claim files in ``suites/claims/``
- ``kinds``        what each claim kind measures and which environment its baseline depends on
- ``measures/``    the measurements themselves (structure now; training and timing slot in beside)
- ``models/``      the tutorials' models, one module per tutorial
- ``comparators``  how a measured value is judged against an expected one
- ``baselines``    the stored expected values under ``baselines/``
- ``environment``  the framework/device fingerprint that keys baselines
- ``evaluate``     one claim from measurement to verdict
- ``report``       markdown and JSON reports under ``reports/``
- ``plugin``       the pytest plugin that turns claims into test items

Heavy imports (TensorFlow, Keras) happen only inside measurements, so ``pytest --help`` and
collection stay quick.
"""

__version__ = "0.1.0"
