"""The verdict layer: how a measurement becomes a status.

``comparators`` (a value against the tutorial's), ``stats`` (seed statistics and their error
spending), ``calibration`` (each gate's false-alarm rate and MDE), ``one_run`` (a tutorial's figure
judged as one run of today's recipe), ``judges`` (one rule per
claim kind) and ``evaluate`` (one claim measured, judged, baselined and recorded).
"""
