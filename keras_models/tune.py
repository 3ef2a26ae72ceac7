"""Hyper-parameter search over any registered model of a training family (Keras Tuner).

    from keras_models import heartbeat, tune

    result = tune.run(tune.Config(experiment=heartbeat.Config(model="cnn2d_resnet", epochs=2), trials=6))

See `keras_models.tuning` for the search spaces, the hypermodel and distributed search.
"""

from keras_models.tuning.api import EXPERIMENT, final_results, load, resume, run
from keras_models.tuning.config import Config

__all__ = ["EXPERIMENT", "Config", "final_results", "load", "resume", "run"]
