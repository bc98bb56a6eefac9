"""The reporting layer: what a run, a set of runs or a baseline rewrite reads like.

``report`` (the run's markdown and JSON), ``plots`` and ``tables`` (its figures and tables),
``compare`` (two runs), ``parity`` (one run per backend), ``review`` (rewritten baselines),
``history``, ``history_plots``, ``history_report`` and ``page`` (many runs over time), ``rules``
(every trained claim's rules, false-FAIL rates and MDEs).
"""
