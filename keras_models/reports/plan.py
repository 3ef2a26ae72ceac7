"""What `python -m experiments.reproduce` trains: the runs of each budget.

Budgets:

``smoke``
    About 15 minutes on 2 CPU cores: each run a few batches, one heartbeat run a model
    but gru1d (with class weights). It proves the pipeline end to end; every trained number is
    "not comparable" (the parameter counts are still judged).
``cpu``
    About 3 h 30 min on 2 CPU cores: reduced but honest budgets, stated in each run's
    protocol. NAB trains its full protocol. The heartbeat models train with their CPU
    recipes (`keras_models.heartbeat.recipe`): the CNNs and transformer 4 epochs, the
    GRUs one pass of batch 64 (1,198 steps; clipped, square-root class weights); a
    resampled training set trains the same number of beats as a plain one. The images train on 1,000 images per class, 10 epochs. AG News trains the
    `small` protocol (its train.csv is often not at hand), which is not comparable.
``full``
    The reports' own protocols (a GPU, or a long weekend): heartbeat with the report's
    recipe (float32, batch 32, 20 epochs, early stopping), AG News on train.csv, the
    images on the full split for 10 epochs.

Every run has a key (``heartbeat-cnn2d_resnet-class-weights``), the folder
``<runs-dir>/<experiment>/reproduce-<budget>-<key>``, its typed configuration, its
protocol in words, an estimated time from measured per-epoch times, and the data it
reads (`data_needs`, checked before anything trains). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from keras_models import heartbeat, images, nab, text
from keras_models.config import Config
from keras_models.errors import UserError

BUDGETS = ("smoke", "cpu", "full")
PARTS = ("audit", "nab", "heartbeat", "ag_news", "images")
AUDIT_EXPERIMENT = "param_audit"

#: the intra-patient training split of the MIT-BIH beats (76,645 beats; N 63,441)
HEARTBEAT_TRAIN_BEATS = 76_645
HEARTBEAT_N_TRAIN = 63_441
#: heartbeat runs: (model, balance); the claims of report 000 are tested on these
HEARTBEAT_RUNS = (
    ("cnn2d_resnet", "none"), ("cnn2d_resnet", "class-weights"), ("cnn2d_resnet", "oversample-full"),
    ("transformer2d_resnet", "class-weights"), ("attention_gru", "class-weights"),
    ("cnn1d_resnet", "class-weights"), ("cnn1d_resnet", "oversample-full"), ("cnn1d_resnet", "smote"),
    ("gru1d", "class-weights"), ("gru1d", "oversample-full"), ("gru1d", "smote"),
)
#: smoke: one run a model with class weights, but gru1d: its GRU code path is attention_gru's, and
#: evaluating a GRU takes minutes (smoke skips the training split's 76,645 beats; val and test,
#: ~30,000 beats, still take a GRU ~4 min with its test-set predictions)
SMOKE_HEARTBEAT_RUNS = tuple((model, "class-weights") for model in
                             ("cnn2d_resnet", "transformer2d_resnet", "attention_gru", "cnn1d_resnet"))
TEXT_VARIANTS = ("base", "dropout", "dropout-es", "dropout-es-l2")
IMAGE_MODELS = ("vgg", "resnet", "efficientnet_b0", "vit")
IMAGES_PER_CLASS = 10_000
IMAGE_SPLIT_TRAIN = 0.7

#: Measured on 2 CPU cores (AMD EPYC with AVX512-BF16, README "Benchmarks"): training
#: samples per second with validation, per heartbeat model and recipe.
HEARTBEAT_RATE = {
    ("cnn2d_resnet", "cpu"): 590, ("cnn2d_resnet", "report"): 450,
    ("transformer2d_resnet", "cpu"): 1_000, ("transformer2d_resnet", "report"): 800,
    ("cnn1d_resnet", "cpu"): 1_000, ("cnn1d_resnet", "report"): 850,
    ("attention_gru", "cpu-gru"): 65, ("attention_gru", "report"): 55,
    ("gru1d", "cpu-gru"): 65, ("gru1d", "report"): 55,
}
#: the GRUs' batch 64 (``cpu-gru``) is not measured yet: 65/s lies between batch 32 (55/s)
#: and batch 128 (85-90/s), nearer the slower end
#: seconds per epoch at 1,000 images per class (README, image classification table)
IMAGE_EPOCH_S = {"vit": 15.0, "efficientnet_b0": 20.6, "vgg": 117.8, "resnet": 55.2}
#: seconds of a run besides training: start-up, data, evaluation, plots and export
OVERHEAD_S = {"audit": 30, "nab": 15, "heartbeat": 60, "heartbeat-gru": 360,
              "heartbeat-gru-no-train-split": 290, "ag_news": 30, "images": 30}


@dataclass(frozen=True)
class PlannedRun:
    """One run of the plan.

    Attributes:
        key: its name in the plan and in the documented entries.
        part: one of `PARTS`.
        experiment: the run folder's experiment (`<runs-dir>/<experiment>/<run id>`).
        config: the family's typed configuration (None for the parameter audit).
        protocol: what it trains, in words (shown beside the documented protocol).
        comparable: False when its numbers cannot be set against the documented ones.
        why_not: the reason, when not comparable.
        estimate_s: the estimated seconds on 2 CPU cores.
    """

    key: str
    part: str
    experiment: str
    run_id: str
    config: Config | None
    protocol: str
    comparable: bool
    why_not: str
    estimate_s: float

    def folder(self, runs_dir: Path) -> Path:
        return Path(runs_dir) / self.experiment / self.run_id

    def settings(self) -> dict:
        """The configuration as compared with a run folder's config.json (without where it is written)."""
        if self.config is None:
            return {}
        return {k: v for k, v in self.config.to_dict().items() if k not in ("runs_dir", "run_id")}


def _run(budget: str, key: str, part: str, experiment: str, config, protocol: str, estimate_s: float,
         runs_dir: Path, why_not: str = "") -> PlannedRun:
    run_id = f"reproduce-{budget}-{key}"
    if config is not None:
        config = config.replace(runs_dir=Path(runs_dir), run_id=run_id)
        config = config.resolved() if hasattr(config, "resolved") else config
    if budget == "smoke":
        why_not = why_not or "smoke budget: a few batches prove the pipeline"
    return PlannedRun(key, part, experiment, run_id, config, protocol, not why_not, why_not, estimate_s)


def _audit(budget: str, runs_dir: Path) -> list[PlannedRun]:
    # parameter counts do not depend on training: comparable in every budget
    run = _run(budget, "param-audit", "audit", AUDIT_EXPERIMENT, None, "every registered model built",
               OVERHEAD_S["audit"], runs_dir)
    return [dataclasses.replace(run, comparable=True, why_not="")]


def _nab(budget: str, runs_dir: Path) -> list[PlannedRun]:
    epochs = 1 if budget == "smoke" else 10
    config = nab.Config(epochs=epochs)
    return [_run(budget, f"nab-{v}", "nab", nab.EXPERIMENT, config.replace(version=v),
                 f"{config.series}, windows of {config.window}, split {'/'.join(map(str, config.split))}, "
                 f"{epochs} epoch(s), "
                 f"threshold {config.threshold}",
                 OVERHEAD_S["nab"] + 1.5 * epochs * (2 if v == "v3" else 1), runs_dir) for v in nab.VERSIONS]


def _heartbeat_run(budget: str, model: str, balance: str, runs_dir: Path) -> PlannedRun:
    config = heartbeat.Config(model=model, balance=balance, eval_batch_size=1024)
    if budget == "smoke":
        config = config.replace(epochs=1, steps_per_epoch=5, warmup_epochs=0, evaluate_train=False)
    elif budget == "full":
        config = config.replace(recipe="report", eval_batch_size=None)
    elif model in ("attention_gru", "gru1d"):
        config = config.replace(epochs=1)
    recipe = config.effective_recipe()
    resampled = balance.startswith("oversample") or balance == "smote"
    per_epoch = HEARTBEAT_TRAIN_BEATS
    if budget == "smoke":
        per_epoch = 5 * recipe.batch_size
    elif budget == "cpu" and resampled:
        config = config.replace(steps_per_epoch=math.ceil(HEARTBEAT_TRAIN_BEATS / recipe.batch_size))
    elif resampled:
        per_epoch = 5 * HEARTBEAT_N_TRAIN  # every class raised to the majority's count
    epochs = recipe.epochs
    protocol = (f"intra-patient split, recipe {recipe.name} ({recipe.precision}, batch {recipe.batch_size}), "
                f"{'up to ' if budget == 'full' else ''}{epochs} epoch(s) of {per_epoch:,} beats"
                f"{'' if config.evaluate_train else ', training split not evaluated'}")
    rate = HEARTBEAT_RATE.get((model, recipe.name), 500)
    # a GRU takes minutes to evaluate the ~110,000 beats of the three splits (~30,000 without train)
    overhead = ("heartbeat" if "gru" not in model else
                "heartbeat-gru" if config.evaluate_train else "heartbeat-gru-no-train-split")
    estimate = OVERHEAD_S[overhead] + epochs * per_epoch / rate
    return _run(budget, f"heartbeat-{model}-{balance}", "heartbeat", heartbeat.EXPERIMENT, config, protocol,
                estimate, runs_dir)


def _heartbeat(budget: str, runs_dir: Path) -> list[PlannedRun]:
    # smoke: a few batches a model (each evaluates its val and test beats, most of its time)
    runs = SMOKE_HEARTBEAT_RUNS if budget == "smoke" else HEARTBEAT_RUNS
    return [_heartbeat_run(budget, model, balance, runs_dir) for model, balance in runs]


def _ag_news(budget: str, runs_dir: Path) -> list[PlannedRun]:
    protocol, epochs = {"smoke": ("small", 1), "cpu": ("small", 10), "full": ("full", 10)}[budget]
    why_not = ("" if protocol == "full" else
               "small protocol: trained on 80 % of test.csv (5,472 texts), not the report's 120,000")
    per_epoch = 8.0 if protocol == "small" else 160.0
    return [_run(budget, f"ag_news-{v}", "ag_news", text.EXPERIMENT,
                 text.Config(variant=v, protocol=protocol, epochs=epochs),
                 f"{protocol} protocol, up to {epochs} epoch(s)", OVERHEAD_S["ag_news"] + epochs * per_epoch,
                 runs_dir, why_not) for v in TEXT_VARIANTS]


def _images(budget: str, runs_dir: Path) -> list[PlannedRun]:
    per_class, epochs = {"smoke": (20, 1), "cpu": (1_000, 10), "full": (None, 10)}[budget]
    share = (per_class or IMAGES_PER_CLASS) / 1_000
    subset = f"{per_class:,} images per class" if per_class else "all 30,000 images"
    return [_run(budget, f"images-{m}", "images", images.EXPERIMENT,
                 images.Config(model=m, epochs=epochs, max_images_per_class=per_class),
                 f"{subset}, split 0.7/0.15/0.15, {epochs} epoch(s), recipe of the model",
                 OVERHEAD_S["images"] + epochs * IMAGE_EPOCH_S[m] * share, runs_dir) for m in IMAGE_MODELS]


_BUILDERS = {"audit": _audit, "nab": _nab, "heartbeat": _heartbeat, "ag_news": _ag_news, "images": _images}


def parts_option(value) -> tuple[str, ...]:
    """`--only nab,heartbeat`: parts of the plan, or single run keys (``nab-v3``); () keeps all.
    Checked against the plan by `plan`."""
    from keras_models import checks

    if isinstance(value, (tuple, list)):
        return tuple(checks.text(name) for name in value)
    names = tuple(n.strip() for n in checks.text(value).split(",") if n.strip())
    if not names:
        raise checks.BadValue(f"expected parts separated by commas ({', '.join(PARTS)}) or run keys, got {value!r}")
    return names


def plan(budget: str, runs_dir: Path = Path("runs"), only: tuple[str, ...] = ()) -> list[PlannedRun]:
    """The runs of `budget`, in order; `only` keeps parts (``nab``) or run keys (``nab-v3``).

    Raises:
        UserError: an unknown budget, part or run key.
    """
    if budget not in BUDGETS:
        raise UserError(f"unknown budget {budget!r}; choose one of {', '.join(BUDGETS)}")
    runs = [run for part in PARTS for run in _BUILDERS[part](budget, runs_dir)]
    if not only:
        return runs
    keys = {run.key for run in runs}
    unknown = [name for name in only if name not in PARTS and name not in keys]
    if unknown:
        raise UserError(f"--only {unknown[0]}: not a part ({', '.join(PARTS)}) nor a run key of the plan "
                        f"(e.g. {runs[1].key}); see the plan printed without --only")
    return [run for run in runs if run.part in only or run.key in only]


@dataclass(frozen=True)
class DataNeed:
    """Data a run reads.

    Attributes:
        dataset: the name of a data set of `keras_models.datasets.registry`.
        paths: the files it reads, inside the data set's folder (() = every file it needs).
        alternative: a file whose presence serves instead (the beat cache, a prepared
            tfds copy), or None.
    """

    dataset: str
    paths: tuple[str, ...] = ()
    alternative: Path | None = None


def data_needs(run: PlannedRun) -> tuple[DataNeed, ...]:
    """The registry data a run reads when it finds its data the default way (a run given
    its own files or folder needs none)."""
    config = run.config
    if run.part == "nab" and config.csv is None:
        labels = () if config.labels is not None else ("labels/combined_windows.json",)
        series = () if "*" in config.series else (f"data/{config.series}.csv",)
        return (DataNeed("nab", series + labels if series else ()),)
    if run.part == "heartbeat" and config.train_file is None and config.mitdb is None:
        from keras_models.heartbeat import beats

        cache = beats.cache_path(config.beats, beats.MITDB_RECORDS, beats.ExtractionParams())
        return (DataNeed("mitdb", (), cache),)
    if run.part == "ag_news" and config.data_dir is None:
        from keras_models.text import ag_news, tfds_source

        prepared = next((tfds_source.data_dir() / tfds_source.NAME).glob("*/dataset_info.json"), None)
        return (DataNeed("ag_news", ag_news.PROTOCOLS[config.protocol], prepared),)
    if run.part == "images" and config.data is None:
        return (DataNeed("images"),)
    return ()


def format_duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 1)} min"
