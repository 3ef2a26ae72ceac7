"""The NAB experiment's Python API: data -> autoencoder -> threshold -> anomalies -> window scores.

    from keras_models import nab

    result = nab.run(nab.Config(version="v3", epochs=2))
    result.metrics["window_scores"]["whole_series"]["f1"]
    nab.compare(nab.Config(epochs=2))          # the four versions and their table
    nab.resume("runs/nab_autoencoder/<run-id>")
    nab.run_category(nab.Config(version="v1"), "realKnownCause/*")   # one run per series, one table
    nab.rescore("runs/nab_autoencoder/<run-id>", nab.Config(threshold="dynamic").detection)  # no training

Every function checks its configuration and reads the data before TensorFlow loads.
"""

from __future__ import annotations

from pathlib import Path

from keras_models import comparison, runner
from keras_models.errors import UserError
from keras_models.nab import data, windows
from keras_models.nab.config import VERSIONS, Config
from keras_models.nab.detection import Detection
from keras_models.nab.loaded import EXPERIMENT, NabData


def load(config: Config) -> NabData:
    """Read, check and window the series of `config` (`UserError` on bad input; no TensorFlow)."""
    if data.is_pattern(config.series) and config.csv is None:
        raise UserError(f"--series {config.series!r} names several series: train them with "
                        "`nab.run_category(config, pattern)` (the command does so itself)")
    series = data.load_series(config.series, config.csv)
    labels, files = None, [series.path]
    if config.csv is None or config.labels is not None:
        labels_file = data.labels_path(config.labels)
        labels = data.load_windows(config.csv.stem if config.csv else series.name, labels_file)
        files.append(labels_file)
        if labels is None and config.labels is not None:  # refused, not trained unscored
            raise UserError(data.no_windows_message(labels_file, config.csv.stem if config.csv else series.name))
    windowed = windows.prepare(series.values, config.window, tuple(config.split), name=str(series.path))
    return NabData(series, labels, windowed, files, config.labels is not None)


def run(config: Config, *, resume: Path | None = None, loaded: NabData | None = None) -> runner.Result:
    """Train `config.version` on its series, detect and score anomalies; the run folder and metrics."""
    return runner.run_experiment(config, EXPERIMENT, __package__, load, resume=resume, loaded=loaded)


def rescore(run_dir: Path, detection: Detection) -> dict:
    """The detection metrics of a finished run under other detection options, from the
    reconstructions it saved: no training, no TensorFlow."""
    from keras_models import runfiles
    from keras_models.nab.experiment import Detector

    run_dir = Path(run_dir)
    record = runfiles.read_config(run_dir)
    runfiles.read_metrics(run_dir, EXPERIMENT)
    config = Config.from_dict(record["config"], source=f"{run_dir}/config.json")
    reconstructions = runfiles.read_reconstructions(run_dir, record)
    loaded = load(config)
    detector = Detector(loaded.series, loaded.windowed, loaded.labels, detection, config.eval_batch,
                        loaded.labels_given)
    return detector.score(reconstructions, f"nab_{config.version}")


def resume(run_dir: Path, epochs: int | None = None) -> runner.Result:
    """Continue an interrupted run (its config.json revalidated, its data files unchanged)."""
    return run(Config.from_run(run_dir, EXPERIMENT, epochs), resume=Path(run_dir))


def compare(config: Config, versions: tuple[str, ...] = VERSIONS) -> comparison.Comparison:
    """Train each version with `config`'s other settings on the same data; one table."""
    from keras_models.nab.experiment import comparison_row

    ids = comparison.run_ids(config.run_id, list(versions))
    configs = {v: config.replace(version=v, run_id=ids[v]) for v in versions}
    return comparison.compare(configs, lambda: load(config), run, comparison_row, experiment=EXPERIMENT,
                              description=lambda loaded: {"series": loaded.series.name,
                                                          "threshold": config.threshold})
