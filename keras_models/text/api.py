"""The AG News experiment's Python API: texts -> transformer variant -> test metrics.

    from keras_models import ag_news

    result = ag_news.run(ag_news.Config(variant="best", protocol="small", epochs=2))
    result.metrics["test_metrics"]["accuracy"]
    ag_news.compare(ag_news.Config(epochs=2))     # the five variants and their table
    ag_news.resume("runs/ag_news_transformer/<run-id>")

Every function checks its configuration and reads the data before TensorFlow loads
(only the tfds fallback, reached when no local CSV copy exists, imports it).
"""

from __future__ import annotations

from pathlib import Path

from keras_models import comparison, runner
from keras_models.text import ag_news
from keras_models.text.config import Config
from keras_models.text.loaded import EXPERIMENT, AgNewsData
from keras_models.text.variants import VARIANTS


def load(config: Config) -> AgNewsData:
    """Read, check and split the AG News data of `config` (`UserError` on bad input); print
    the protocol note and the row counts. No TensorFlow unless tfds is the only source."""
    splits = ag_news.load(config.protocol, config.data_dir, val_fraction=config.val_fraction, seed=config.data_seed)
    print(f"{splits.note}\nrows: {splits.describe()['rows']}")
    files = [Path(s).resolve() for s in splits.sources.values() if not s.startswith("tfds:")]
    return AgNewsData(splits, files)


def run(config: Config, *, resume: Path | None = None, loaded: AgNewsData | None = None) -> runner.Result:
    """Train `config.variant` on its protocol's splits and evaluate it on the test split."""
    return runner.run_experiment(config, EXPERIMENT, __package__, load, resume=resume, loaded=loaded)


def resume(run_dir: Path, epochs: int | None = None) -> runner.Result:
    """Continue an interrupted run (its config.json revalidated, its CSV files unchanged)."""
    return run(Config.from_run(run_dir, EXPERIMENT, epochs), resume=Path(run_dir))


def variant_config(config: Config, name: str, run_id: str | None) -> Config:
    """`config` for variant `name` (checked); its patience is kept only where the variant stops early."""
    one = config.replace(variant=name, run_id=run_id, patience=None)
    return one.replace(patience=config.patience) if one.spec.early_stopping else one


def compare(config: Config, variants: tuple[str, ...] = tuple(VARIANTS)) -> comparison.Comparison:
    """Train each variant with `config`'s other settings on the same splits; one table under
    the protocol note. `config.patience` applies to the early-stopping variants only."""
    from keras_models.text.experiment import comparison_row

    ids = comparison.run_ids(config.run_id, list(variants))
    configs = {v: variant_config(config, v, ids[v]) for v in variants}
    return comparison.compare(configs, lambda: load(config), run, comparison_row, experiment=EXPERIMENT,
                              description=lambda loaded: {"data": loaded.splits.describe()},
                              tag=f"comparison-{config.protocol}", note=lambda loaded: loaded.note)
