"""Heartbeat classification (report 000): MIT-BIH beats in the Kachuee et al. (2018) form.

Python API (no TensorFlow until training starts)::

    from keras_models import heartbeat
    result = heartbeat.run(heartbeat.Config(model="cnn2d_resnet", balance="class-weights", epochs=2))

Modules:
    config:   the typed `Config`.
    recipe:   training recipes (`report`: the report's float32 setting; `cpu`, `cpu-gru`: the fast ones).
    api:      `run`, `resume`, `load`.
    data:     where the beats come from (file pair or MIT-BIH records) -> `HeartbeatData`.
    beatset:  `BeatSet` (beats, AAMI labels, record ids) and the AAMI class table.
    beats:    build the beat set from the raw MIT-BIH Arrhythmia records (cached .npz).
    files:    read the Kaggle CSVs (mitbih_train.csv/mitbih_test.csv) and course parquet files.
    splits:   intra-patient (stratified) and inter-patient (de Chazal DS1/DS2) splits;
              1D (n, 192, 1) and 2D (n, 16, 12, 1) model views.
    balance:  class weights, random oversampling (semi/full) and SMOTE for the training split.
    experiment: the runner job (`make_job`).

Importing any of them loads no TensorFlow: Keras loads when the runner builds the model.
"""

from keras_models.heartbeat.api import EXPERIMENT, load, resume, run
from keras_models.heartbeat.config import Config
from keras_models.heartbeat.recipe import RECIPES, Recipe

__all__ = ["EXPERIMENT", "RECIPES", "Config", "Recipe", "load", "resume", "run"]
