"""Typed, frozen configurations: one per experiment family, validated in one place.

A configuration is a frozen dataclass whose fields are declared with `option`: a
default, a check from `keras_models.checks`, and the help of its command-line flag.
Building one validates it (each field's check, then the class's `validate` for rules
that join fields), whether it is built in Python, by a command from its flags
(`keras_models.cli.config_from_flags`) or read back from a run's ``config.json``
(`Config.from_dict`, used by ``--resume``)::

    from keras_models import nab
    cfg = nab.Config(version="v3", epochs=2)     # UserError on a bad value, before TensorFlow loads
    cfg.to_dict()                                # what config.json stores
    nab.Config.from_dict(cfg.to_dict()) == cfg   # True

`TrainConfig` holds the training options every family shares.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path

from keras_models import checks
from keras_models.distribute import MAX_LOCAL_WORKERS, STRATEGIES, check_options, device_list
from keras_models.errors import UserError
from keras_models.rundir import run_id

_MISSING = dataclasses.MISSING


def option(default=_MISSING, check: checks.Check | None = None, help: str = "", *, flag: str | None = None,
           cli: bool = True, factory=_MISSING, metavar: str | None = None, off_help: str | None = None):
    """A configuration field: its default, its check and its flag's help.

    Args:
        help: what the field does (for a boolean: what it does when true).
        flag: the command-line flag (default ``--field-name``; a boolean field whose
            default is True gets ``--no-field-name``, which turns it off).
        cli: False keeps the field off the command line (set in Python or by the command).
        off_help: the help of a ``--no-...`` flag (default: "do not " + `help`).
    """
    metadata = {"check": check, "help": help, "flag": flag, "cli": cli, "metavar": metavar, "off_help": off_help}
    if factory is not _MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def flag_of(f: dataclasses.Field) -> str:
    """The command-line flag of a field (``--no-...`` for a boolean that defaults to True)."""
    if f.metadata.get("flag"):
        return f.metadata["flag"]
    turns_off = f.metadata.get("check") is checks.boolean and f.default is True
    return ("--no-" if turns_off else "--") + f.name.replace("_", "-")


def flag_help(f: dataclasses.Field) -> str:
    """The help of a field's flag: what giving the flag does (a ``--no-...`` flag turns the
    field off, so its help is the field's negated)."""
    text = f.metadata.get("help", "")
    if not flag_of(f).startswith("--no-"):
        return text
    return f.metadata.get("off_help") or f"do not {text}"


def _jsonable(value):
    if isinstance(value, Config):
        return value.to_dict()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Config:
    """Base of every configuration: field checks, cross-field rules, JSON round trip."""

    def __post_init__(self):
        for f in fields(self):
            check = f.metadata.get("check")
            if check is None:
                continue
            value = getattr(self, f.name)
            try:
                object.__setattr__(self, f.name, check(value))
            except checks.BadValue as err:
                raise UserError(f"bad {f.name} ({flag_of(f)}): {err}") from None
        self.validate()

    def validate(self) -> None:
        """Rules between fields; raise `UserError` naming the flags and the fix. Subclasses extend it."""

    def to_dict(self) -> dict:
        """JSON-ready values of every field (paths as strings, tuples as lists)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data, source: str = "configuration"):
        """The configuration `data` describes, validated; fields it leaves out keep their defaults.

        Raises:
            UserError: `data` is not a mapping, names an unknown field or holds a bad value.
        """
        if not isinstance(data, dict):
            raise UserError(f"{source}: expected a JSON object of settings, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserError(f"{source}: unknown setting(s) {', '.join(map(repr, unknown))} for {cls.__qualname__}; "
                            f"known: {', '.join(sorted(known))}")
        try:
            return cls(**data)
        except UserError as err:
            raise UserError(f"{source}: {err}") from None

    @classmethod
    def from_run(cls, run_dir: Path, experiment: str, epochs: int | None = None):
        """The configuration an interrupted run of `experiment` recorded in its config.json,
        validated again; `epochs` (more than recorded) trains it longer.

        Raises:
            UserError: not an interrupted run of `experiment`, or a config.json that does not
                validate (say, edited by hand).
        """
        from keras_models.rundir import RunDir

        run = RunDir.open_for_resume(run_dir, experiment)
        config = cls.from_dict(run.read_config().get("config"), source=str(run.config_path))
        if epochs is not None:
            if config.epochs is not None and epochs < config.epochs:
                raise UserError(f"--epochs {epochs}: the run was set to {config.epochs} epochs; a resumed run "
                                "can only train longer (or give no --epochs)")
            config = config.replace(epochs=epochs)
        return config

    def replace(self, **changes):
        """A copy with `changes` applied (and validated)."""
        return dataclasses.replace(self, **changes)


def _track(value):
    from keras_models import tracking

    return tracking.check(value)


def epochs_option(default: int | None):
    check = checks.positive_int if default is not None else checks.optional(checks.positive_int)
    return option(default, check, "training epochs" + ("" if default is not None else " (default: the recipe's)"))


def batch_size_option(default: int | None):
    check = checks.positive_int if default is not None else checks.optional(checks.positive_int)
    return option(default, check, "batch size" + ("" if default is not None else " (default: the recipe's)"))


def patience_option(default: int = 0):
    return option(default, checks.non_negative_int,
                  "early-stopping patience in epochs on the validation loss; 0 turns it off")


@dataclass(frozen=True)
class TrainConfig(Config):
    """Training options every experiment shares (the runner reads these)."""

    epochs: int = epochs_option(10)
    batch_size: int = batch_size_option(32)
    seed: int = option(42, checks.seed, "random seed of weights, data order and dropout")
    patience: int = patience_option(0)
    steps_per_epoch: int | None = option(
        None, checks.optional(checks.positive_int),
        "batches per epoch (default: the whole training split); each epoch goes on where the last stopped, "
        "a new shuffled pass after each full one", cli=False)
    eval_batch_size: int | None = option(
        None, checks.optional(checks.positive_int),
        "batch size of validation, evaluation and prediction (default: the batch size); larger is faster "
        "and gives the same numbers", cli=False)
    evaluate_train: bool = option(
        True, checks.boolean,
        "evaluate the training split after training (metrics.json's \"train\")", cli=False,
        off_help="skip evaluating the training split after training (metrics.json has no \"train\"): a pass "
                 "over it takes minutes for a GRU on the heartbeat beats")
    runs_dir: Path = option(Path("runs"), checks.path, "root of the run folders")
    run_id: str | None = option(None, checks.optional(run_id), "name of the run folder (default: time-stamped)")
    precision: str = option("float32", checks.one_of("float32", "mixed_bfloat16", "mixed_float16"),
                            "float32, mixed_bfloat16 (CPUs with AVX512-BF16) or mixed_float16 (NVIDIA GPUs); "
                            "outputs, losses and the export stay float32")
    jit_compile: bool = option(False, checks.boolean, "compile the train step with XLA")
    distribute: str = option("none", checks.one_of(*STRATEGIES),
                             "data-parallel training: none, mirrored (every local GPU, or --devices) or "
                             "multi-worker (TF_CONFIG or --workers; refused with this Keras: README)")
    devices: tuple | None = option(None, checks.optional(device_list),
                                   "devices of --distribute mirrored, such as gpu:0,gpu:1; cpu:0,cpu:1 splits "
                                   "the CPU into logical devices", metavar="DEV,DEV")
    local_workers: int | None = option(None, checks.optional(checks.integer(1, MAX_LOCAL_WORKERS)),
                                       "with --distribute multi-worker: start N worker processes on 127.0.0.1",
                                       flag="--workers", metavar="N")
    threads: int | None = option(None, checks.optional(checks.positive_int),
                                 "TensorFlow's intra- and inter-op threads (default: TensorFlow's, one per core)")
    prefetch: bool = option(True, checks.boolean, "gather the next training batches while a step runs")
    tensorboard: bool = option(True, checks.boolean, "write TensorBoard logs (logs/ in the run folder)")
    track: str | None = option(None, _track, "track the run in MLflow: mlflow (the `mlflow` extra; or set "
                                             "KERAS_MODELS_TRACK=mlflow once); MLFLOW_TRACKING_URI picks the store")

    def validate(self) -> None:
        """`--devices` only with mirrored, `--workers` only with multi-worker (`keras_models.distribute`)."""
        check_options(self)

    @property
    def eval_batch(self) -> int:
        """Batch size of validation and evaluation: `eval_batch_size`, else `batch_size`."""
        return self.eval_batch_size or self.batch_size
