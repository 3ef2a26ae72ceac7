"""Reproduction of the founding reports: their numbers and claims beside ours, with verdicts.

Python API (no TensorFlow in this process: every run trains in its own)::

    from keras_models import reports
    path = reports.reproduce(reports.Config(budget="smoke", only=("nab",)))   # -> reports/<id>/REPORT.md

Modules:
    documented:  every documented number and claim (`Entry`), with its protocol, runs and rule.
    verdicts:    the comparison rules and the four verdicts.
    plan:        the runs of each budget (smoke, cpu, full) with their configurations and estimates.
    runs:        a planned run's folder: finished (reused), interrupted (resumed) or missing (trained).
    worker:      one run in its own process.
    assess:      an entry against its runs -> a row with a verdict and a reason; the scoreboard.
    markdown:    REPORT.md, report.json and figures/.
    api:         `Config` and `reproduce`.
"""

from keras_models.reports.api import Config, reproduce
from keras_models.reports.plan import BUDGETS, PARTS, plan

__all__ = ["BUDGETS", "PARTS", "Config", "plan", "reproduce"]
