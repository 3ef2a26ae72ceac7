"""Numenta Anomaly Benchmark: the autoencoder experiment (report 003, Part II).

Python API (no TensorFlow until training starts)::

    from keras_models import nab
    result = nab.run(nab.Config(version="v3", epochs=2))   # -> Result(run_dir, metrics)

Modules: config (the typed `Config`), api (`run`, `resume`, `compare`, `load`, `rescore`),
loaded (the experiment's name and `NabData`, what `load` returns),
category (`run_category`: one run per series of a glob, one table; orion_figures: Orion's
published counts), data, windows, thresholds, detection (errors, smoothing, threshold
rules, segments), scoring, experiment (the runner job and its evaluation), plots, eda.
"""

from keras_models.nab.api import EXPERIMENT, compare, load, rescore, resume, run
from keras_models.nab.category import run_category
from keras_models.nab.config import VERSIONS, Config

__all__ = ["EXPERIMENT", "VERSIONS", "Config", "compare", "load", "rescore", "resume", "run", "run_category"]
