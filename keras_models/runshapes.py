"""The JSON shapes of a run folder's files (`keras_models.jsonshape`), which
`keras_models.runfiles` checks each file against when a command reads it back.

A shape lists what keras_models writes and its readers use; keys it does not list are
left alone, and a key is required only where every run has it and a reader needs it.
"""

from __future__ import annotations

from keras_models.jsonshape import ListOf, MapOf, Obj, Opt

#: the NAB experiment, whose runs record the most for their readers
NAB = "nab_autoencoder"
_SCALER = Obj({"data_min": float, "data_max": float}, required=("data_min", "data_max"))
#: config.json: what every run records, and the shape of what each experiment's readers take from
#: ``data`` (where recorded: a reader that needs a key an older run lacks says so itself)
CONFIG_SHAPE = Obj({"experiment": str, "config": dict, "model": str, "data": dict,
                    "model_kwargs": Obj({"input_shape": ListOf(int), "num_classes": int, "window": int}),
                    "data_files": MapOf(str), "run_id": str}, required=("experiment", "config"))
DATA_SHAPES = {
    NAB: Obj({"rows": int, "scaler": _SCALER, "windows": MapOf(int),
               "labelled_windows": Opt(ListOf(ListOf(str)))}),
    "heartbeat": Obj({"class_names": ListOf(str), "view": str}),
    "ag_news_transformer": Obj({"class_names": ListOf(str)}),
    "image_classification": Obj({"class_names": ListOf(str)}),
}

_SPLIT = MapOf(Opt(float))
#: `keras_models.machine.describe()`: the CPU a run trained on
MACHINE_SHAPE = Obj({"cpu": str, "cores": int, "features": ListOf(str), "family": str, "onednn_isa": str,
                     "onednn_isa_source": str})
_WINDOW_SCORES = Obj({"windows": int, "detected_segments": int, "tp": int, "fp": int, "fn": int,
                      "precision": Opt(float), "recall": Opt(float), "f1": Opt(float)},
                     required=("tp", "fp", "fn", "f1"))
_FOUND = Obj({"count": int, "timestamps": ListOf(str)}, required=("count",))
#: metrics.json of a run trained by `keras_models.runner`
METRICS_SHAPE = Obj({
    "experiment": str, "run_id": str, "model": str, "epochs_run": int,
    "params": Obj({"trainable": int, "non_trainable": int}),
    "train": _SPLIT, "val": _SPLIT, "test": _SPLIT,
    "test_metrics": Obj({**{k: Opt(float) for k in ("accuracy", "f1_macro", "f1_micro", "f1_weighted",
                                                    "precision_macro", "recall_macro")},
                         "per_class": MapOf(MapOf(Opt(float))), "confusion_matrix": ListOf(ListOf(int)),
                         "roc_auc": MapOf(Opt(float))}),
    "threshold": Obj({"rule": str, "value": Opt(float)}, required=("rule", "value")),
    "detection": dict,
    "window_scores": Opt(Obj({"whole_series": _WINDOW_SCORES, "test_split": _WINDOW_SCORES},
                             required=("whole_series",))),
    "test_anomalies": _FOUND, "series_anomalies": _FOUND,
    "fit_seconds_this_session": Opt(float), "wall_seconds_this_session": Opt(float),
    "machine": MACHINE_SHAPE,
})
#: keys `experiments.predict` reads from a finished run's metrics.json, by experiment
METRICS_REQUIRED = {NAB: ("threshold",)}

AUDIT_SHAPE = Obj({"rows": ListOf(Obj({"model": str}, required=("model",)))}, required=("rows",))
TRACKING_SHAPE = Obj({"tracker": str, "tracking_uri": str, "mlflow_run_id": str})
#: backup/ files `keras_models.backup.RunBackup` (and Keras' BackupAndRestore) reload on resume
BACKUP_JSON = {"training_metadata.json": Obj({"epoch": int}, required=("epoch",)),
                "run_state.json": Obj({"epoch": int, "callbacks": ListOf(dict)}, required=("epoch", "callbacks"))}
