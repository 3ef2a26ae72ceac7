"""The AG News transformer experiment's Python API (report 003, Part IV); see `keras_models.text`.

    from keras_models import ag_news
    result = ag_news.run(ag_news.Config(variant="best", protocol="small", epochs=2))

Importing it does not import TensorFlow.
"""

from keras_models.text import EXPERIMENT, VARIANTS, Config, compare, load, resume, run

__all__ = ["EXPERIMENT", "VARIANTS", "Config", "compare", "load", "resume", "run"]
