"""Apply a finished run to new data: ``python -m experiments.predict RUN_DIR INPUT``.

The same from Python::

    from keras_models import predict
    result = predict.predict(predict.Config(run_dir=Path("runs/nab_autoencoder/v3"), inputs=("new.csv",)))
    result.table                  # one row per point, beat, text or image

Modules:
    config:    `Config` (inputs, output, options) and `Prediction` (table, summary, figures,
               warnings), shared by `api` and the family readers.
    api:       `predict`, `write` (the output file, written last).
    finished:  `FinishedRun`, what a finished run folder recorded, and its model.
    nab, heartbeat, text, images: each family's reader of new inputs and its table.
    nab_scale: NAB's ``--scale run|series`` and the warning when the run's scaler does not
               suit the series.
"""

from keras_models.predict.api import FORMATS, SCALES, Config, Prediction, predict, write

__all__ = ["FORMATS", "SCALES", "Config", "Prediction", "predict", "write"]
