"""The verdict layer: how a measurement becomes a status.

``comparators`` (a value against the tutorial's), ``stats`` (seed statistics and their error
spending), ``calibration`` (each gate's false-alarm rate and MDE), ``judges`` (one rule per
claim kind) and ``evaluate`` (one claim measured, judged, baselined and recorded).
"""
