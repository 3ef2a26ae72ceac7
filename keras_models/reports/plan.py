"""What `python -m experiments.reproduce` trains: the runs of each budget.

Budgets:

``smoke``
    About 15 minutes on 2 CPU cores: each run a few batches, one heartbeat run a model
    but gru1d (with class weights). It proves the pipeline end to end; every trained number is
    "not comparable" (the parameter counts are still judged).
``cpu``
    About 4 h 30 min on 2 CPU cores: reduced but honest budgets, stated in each run's
    protocol. NAB trains its full protocol. The heartbeat models train with their CPU
    recipes (`keras_models.heartbeat.recipe`): the CNNs and transformers 4 epochs, the
    GRUs one pass of batch 64 (1,198 steps; clipped, square-root class weights, chrono
    update-gate biases); a resampled training set trains the same number of beats as a
    plain one. Four more
    heartbeat runs (`HEARTBEAT_PROTOCOL_RUNS`) train cnn2d_resnet without weights on the
    Kaggle-proportion split (the protocol of the Kaggle anchors), and cnn2d_resnet and
    transformer2d_resnet with class weights on the inter-patient split.
    The images train on 1,000 images per class, 10 epochs. AG News trains the
    `small` protocol (its train.csv is often not at hand), which is not comparable.
``full``
    The reports' own protocols (a GPU, or a long weekend): heartbeat with the report's
    recipe (float32, batch 32, 20 epochs, early stopping), AG News on train.csv, the
    images on the full split for 10 epochs.

Every budget also searches the training of one heartbeat model beside its default run
(`_tuned_heartbeat`, report 000's claim that tuning gains little): a seeded Keras Tuner
search chosen on the validation split, its best configuration then trained as the default run.

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
from keras_models.tuning import config as tuning

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
    ("transformer1d_resnet", "class-weights"),
)
#: heartbeat runs on another split or beat extraction (model, balance, split, beats), each set beside a
#: run of HEARTBEAT_RUNS: the protocol of the literature anchors (cnn2d_resnet unweighted on the Kaggle
#: proportions: with the annotated beats, whose class counts are Kaggle's, and with Kachuee's detector), and
#: the inter-patient split (de Chazal DS1 -> DS2) of the two best models, weighted as their intra-patient runs
HEARTBEAT_PROTOCOL_RUNS = (
    ("cnn2d_resnet", "none", "kaggle", "annotated"), ("cnn2d_resnet", "none", "kaggle", "kachuee"),
    ("cnn2d_resnet", "class-weights", "inter", "annotated"),
    ("transformer2d_resnet", "class-weights", "inter", "annotated"),
)
#: training beats of each (split, beats) of the 48 MIT-BIH records with the default fractions and seed
#: (validation excluded; `python -m benchmarks.beat_counts` shows the class counts)
HEARTBEAT_SPLIT_BEATS = {("intra", "annotated"): HEARTBEAT_TRAIN_BEATS, ("kaggle", "annotated"): 78_832,
                         ("kaggle", "kachuee"): 44_779, ("inter", "annotated"): 45_918}
HEARTBEAT_SPLIT_TEXT = {"intra": "intra-patient split", "kaggle": "Kaggle-proportion split (intra-patient)",
                        "inter": "inter-patient split (DS1 -> DS2)"}
#: smoke: one run a model with class weights, but gru1d: its GRU code path is attention_gru's, and
#: evaluating a GRU takes minutes (smoke skips the training split's 76,645 beats; val and test,
#: ~30,000 beats, still take a GRU ~4 min with its test-set predictions)
SMOKE_HEARTBEAT_RUNS = tuple((model, "class-weights") for model in
                             ("cnn2d_resnet", "transformer2d_resnet", "attention_gru", "cnn1d_resnet",
                              "transformer1d_resnet"))
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
    # cpu-gru's batch 64 is not measured yet: 65/s lies between batch 32 (55/s) and batch 128
    # (85-90/s), nearer the slower end
    ("attention_gru", "cpu-gru"): 65, ("attention_gru", "report"): 55,
    ("gru1d", "cpu-gru"): 65, ("gru1d", "report"): 55,
    # approximate: 2 shared cores of an Intel Xeon (AMX), random beats, the cpu recipe's precision and
    # batch, 2026-12-03: 290-345 samples/s against transformer2d_resnet's 700-740 in the same runs, so
    # transformer2d_resnet's rates above x 0.44 (96 tokens against 48)
    ("transformer1d_resnet", "cpu"): 440, ("transformer1d_resnet", "report"): 350,
}
#: seconds per epoch at 1,000 images per class (README, image classification table)
IMAGE_EPOCH_S = {"vit": 15.0, "efficientnet_b0": 20.6, "vgg": 117.8, "resnet": 55.2}
#: seconds of a run besides training: start-up, data, evaluation, plots and export
OVERHEAD_S = {"audit": 30, "nab": 15, "heartbeat": 60, "heartbeat-gru": 360,
              "heartbeat-gru-no-train-split": 290, "ag_news": 30, "images": 30}


#: ``--seeds K``: the claims whose runs train again under K - 1 more seeds when their first runs
#: leave them short (`keras_models.reports.seeds`), by budget. cpu: the quick heartbeat CNN claims,
#: about 31 min per extra seed on 2 cores (the image order's four runs would add ~37 min more)
SEEDED_CLAIMS = {
    "smoke": (),
    "cpu": ("heartbeat.claim.class_weights", "heartbeat.claim.smote_cnn1d"),
    "full": ("heartbeat.claim.class_weights", "heartbeat.claim.smote_cnn1d", "heartbeat.claim.cnn2d_best",
             "images.claim.order"),
}


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
        return comparable_settings(self.config.to_dict())

    def defaults(self) -> dict:
        """`settings` of the configuration class's defaults (a search: of its experiment's class)."""
        if isinstance(self.config, tuning.Config):
            return comparable_settings({"experiment": type(self.config.experiment)().to_dict()})
        default = type(self.config)()
        # resolved, as the plan's configurations are: an option added since a run trained is, in the
        # plan, the value the recipes give it by default (the behaviour the run trained with)
        return comparable_settings((default.resolved() if hasattr(default, "resolved") else default).to_dict())


_PLACE = ("runs_dir", "run_id")


def comparable_settings(recorded: dict) -> dict:
    """A configuration's values (`Config.to_dict`, or config.json's "config") without where the run
    is written; a search's experiment flattened into ``experiment.<field>`` keys."""
    flat = {}
    for key, value in recorded.items():
        if key == "experiment" and isinstance(value, dict):
            flat.update({f"experiment.{k}": v for k, v in value.items() if k not in _PLACE})
        elif key not in _PLACE:
            flat[key] = value
    return flat


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


def heartbeat_key(model: str, balance: str, split: str = "intra", beats: str = "annotated") -> str:
    """``heartbeat-<model>-<balance>``, then ``-<split>`` and ``-<beats>`` where not the defaults."""
    return "-".join(["heartbeat", model, balance] + [split] * (split != "intra") + [beats] * (beats != "annotated"))


def _heartbeat_run(budget: str, model: str, balance: str, runs_dir: Path, split: str = "intra",
                   beats: str = "annotated") -> PlannedRun:
    config = heartbeat.Config(model=model, balance=balance, eval_batch_size=1024, split=split, beats=beats)
    if budget == "smoke":
        config = config.replace(epochs=1, steps_per_epoch=5, warmup_epochs=0, evaluate_train=False)
    elif budget == "full":
        config = config.replace(recipe="report", eval_batch_size=None)
    elif model in ("attention_gru", "gru1d"):
        config = config.replace(epochs=1)
    recipe = config.effective_recipe()
    resampled = balance.startswith("oversample") or balance == "smote"
    per_epoch = HEARTBEAT_SPLIT_BEATS[split, beats]
    if budget == "smoke":
        per_epoch = 5 * recipe.batch_size
    elif budget == "cpu" and resampled:
        config = config.replace(steps_per_epoch=math.ceil(HEARTBEAT_TRAIN_BEATS / recipe.batch_size))
    elif resampled:
        per_epoch = 5 * HEARTBEAT_N_TRAIN  # every class raised to the majority's count
    epochs = recipe.epochs
    where = HEARTBEAT_SPLIT_TEXT[split] + ("" if beats == "annotated" else f", {beats} beats")
    protocol = (f"{where}, recipe {recipe.name} ({recipe.precision}, batch {recipe.batch_size}), "
                f"{'up to ' if budget == 'full' else ''}{epochs} epoch(s) of {per_epoch:,} beats"
                f"{'' if config.evaluate_train else ', training split not evaluated'}")
    rate = HEARTBEAT_RATE.get((model, recipe.name), 500)
    # a GRU takes minutes to evaluate the ~110,000 beats of the three splits (~30,000 without train)
    overhead = ("heartbeat" if "gru" not in model else
                "heartbeat-gru" if config.evaluate_train else "heartbeat-gru-no-train-split")
    estimate = OVERHEAD_S[overhead] + epochs * per_epoch / rate
    return _run(budget, heartbeat_key(model, balance, split, beats), "heartbeat", heartbeat.EXPERIMENT, config,
                protocol, estimate, runs_dir)


def _heartbeat(budget: str, runs_dir: Path) -> list[PlannedRun]:
    # smoke: a few batches a model (each evaluates its val and test beats, most of its time)
    runs = SMOKE_HEARTBEAT_RUNS if budget == "smoke" else HEARTBEAT_RUNS
    others = () if budget == "smoke" else HEARTBEAT_PROTOCOL_RUNS
    return ([_heartbeat_run(budget, model, balance, runs_dir) for model, balance in runs] +
            [_heartbeat_run(budget, model, balance, runs_dir, split, beats) for model, balance, split, beats in others] +
            [_tuned_heartbeat(budget, runs_dir)])


#: report 000's claim that tuning gains little: a search beside this default run (in every budget's plan)
TUNED_HEARTBEAT = ("cnn1d_resnet", "class-weights")
#: the search per budget: (trials, epochs per trial, training beats per trial (None: all))
TUNING = {"smoke": (2, 1, 2_000), "cpu": (16, 2, 30_000), "full": (20, 3, None)}
#: the searched keys beyond report 000's training space (`tuning.search_space.TRAINING`: batch size,
#: optimizer, learning rate, schedule): the cosine schedule's warm-up
TUNING_SPACE = ("warmup_epochs=0,1",)
#: seconds of a trial besides training: building and compiling, macro F1 on the validation beats
TRIAL_OVERHEAD_S = 15


def _tuned_heartbeat(budget: str, runs_dir: Path) -> PlannedRun:
    """A seeded random search (Keras Tuner) over the training of `TUNED_HEARTBEAT`: report 000's
    batch size, optimizer, learning rate and schedule, plus a warm-up; the balance and the
    architecture held at the default run's. Trials train on a stratified subset and are scored
    on validation macro F1; the best is then trained as the default run is (`refit="train"`: the
    whole training split, its epochs, its evaluation) and tested once."""
    from keras_models.tuning import search_space

    model, balance = TUNED_HEARTBEAT
    default = _heartbeat_run(budget, model, balance, runs_dir)
    trials, epochs, beats = TUNING[budget]
    recipe = default.config.effective_recipe()
    space = (f"balance={balance}", *search_space.default_architecture(model), *TUNING_SPACE)
    run = _run(budget, default.key + "-tuned", "heartbeat", tuning.EXPERIMENT, None, "", 0.0, runs_dir)
    experiment = default.config.replace(epochs=epochs, run_id=run.run_id)
    config = tuning.Config(experiment=experiment, tuner="random", trials=trials, space=space,
                           max_train_beats=beats, refit="train", final_epochs=default.config.epochs)
    per_epoch = 5 * recipe.batch_size if budget == "smoke" else beats or HEARTBEAT_TRAIN_BEATS
    search_s = trials * (TRIAL_OVERHEAD_S + epochs * per_epoch / HEARTBEAT_RATE.get((model, recipe.name), 500))
    protocol = (f"random search (seed {experiment.seed}) of batch size, optimizer, learning rate, schedule and warm-up: "
                f"{trials} trials of {epochs} epoch(s) on {beats or HEARTBEAT_TRAIN_BEATS:,} training beats, "
                f"chosen on validation macro F1; the best trained as {default.key}: {default.protocol}")
    return dataclasses.replace(run, config=config, protocol=protocol, estimate_s=default.estimate_s + search_s)


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
    config = run.config.experiment if isinstance(run.config, tuning.Config) else run.config
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
