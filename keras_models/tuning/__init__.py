"""Hyper-parameter search with Keras Tuner (report 000, "HYPERTUNING SEARCHSPACE").

Modules:
    search_space: the search spaces as plain data, `--space` overrides, objectives (no TensorFlow).
    optimizers:   an optimizer from its name, learning rate and schedule.
    tasks:        a model's splits, loss and final evaluation (heartbeat beats, NAB windows).
    hypermodel:   the `keras_tuner.HyperModel` over the registry builders.
    search:       tuners, trial table, best config, the final model's `runner.Job`.
    distributed:  chief and workers on 127.0.0.1 (no TensorFlow).
    session:      one tuning run in its run folder, start to end.
"""
