"""The configuration of a hyper-parameter search (Keras Tuner) over one model."""

from __future__ import annotations

from dataclasses import dataclass

from keras_models import checks
from keras_models.config import Config as BaseConfig
from keras_models.config import TrainConfig, option
from keras_models.distribute import MAX_LOCAL_WORKERS
from keras_models.errors import UserError
from keras_models.tuning import search_space
from keras_models.tuning.families import family, of_config

#: the run folders' experiment: ``<runs-dir>/tune/<run-id>/``
EXPERIMENT = "tune"
#: how the final model trains (`Config.refit`)
REFITS = ("train+val", "train")


@dataclass(frozen=True)
class Config(BaseConfig):
    """A search: the experiment it tunes and how.

    Attributes:
        experiment: the family configuration (`heartbeat.Config(model=...)`, `nab.Config(version=...)`,
            `ag_news.Config(variant=...)`, `images.Config(model=...)`): its data, its epochs per trial,
            seed, runs_dir and run_id; the searched keys (batch size, optimizer, learning rate,
            schedule, balance, architecture) override its own values in each trial.
    """

    experiment: TrainConfig = option(None, cli=False)
    tuner: str = option("random", checks.one_of(*search_space.TUNERS, what="one of"), "Keras Tuner's search algorithm")
    trials: int = option(10, checks.positive_int, "number of trials")
    space: tuple = option((), checks.sequence_of(checks.text, "KEY=V1[,V2...] overrides"),
                          "search-space overrides KEY=V1[,V2...]", cli=False)
    objective: str | None = option(None, checks.optional(checks.text), "what the search optimises", cli=False)
    workers: int = option(0, checks.integer(0, MAX_LOCAL_WORKERS),
                          "Keras Tuner's distributed mode: a chief and this many workers on 127.0.0.1 (0: one process; "
                          f"at most {MAX_LOCAL_WORKERS}, each a process with TensorFlow and the data)")
    timeout: float | None = option(None, checks.optional(checks.positive_number),
                                   "with --workers: stop every process after this many seconds")
    ray: str | None = option(None, checks.optional(checks.text),
                             "Keras Tuner's workers as tasks on a Ray cluster (auto or HOST:PORT of its head; "
                             "--workers: how many, default one per CPU); the chief stays here", metavar="ADDRESS")
    max_train_beats: int | None = option(None, checks.optional(checks.positive_int),
                                         "heartbeat: tune and retrain on a stratified subset of this many training "
                                         "beats (validation beats shrink in proportion; the test split stays whole)")
    refit: str = option("train+val", checks.one_of(*REFITS),
                        "the final model: train+val (the best trial's hyper-parameters retrained on train+val) or "
                        "train (trained as a plain run of the experiment: the whole training split, even with "
                        "--max-train-beats, validated on the validation split; to set it beside a default run)")
    final_epochs: int | None = option(None, checks.optional(checks.positive_int),
                                      "epochs of the final model (default: those of the best trial's best epoch)")

    def validate(self) -> None:
        fam = of_config(self.experiment)
        if self.experiment.epochs is None:
            raise UserError("give the epochs of each trial (--epochs N, or epochs= in the experiment's Config)")
        self.space_dict()  # checks keys, values and combinations
        search_space.objective_for(fam.name, self.objective)
        if self.max_train_beats is not None and fam.name != "heartbeat":
            raise UserError("--max-train-beats is for heartbeat models only")

    @property
    def seed(self) -> int:
        return self.experiment.seed

    @property
    def runs_dir(self):
        return self.experiment.runs_dir

    @property
    def run_id(self) -> str | None:
        return self.experiment.run_id

    @property
    def family(self):
        return of_config(self.experiment)

    @property
    def model(self) -> str:
        return self.family.to_model(self.experiment)

    def space_dict(self) -> dict:
        """The checked search space with the overrides applied."""
        return search_space.space_for(self.model, list(self.space))

    def objective_pair(self) -> tuple[str, str]:
        return search_space.objective_for(self.family.name, self.objective)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "family": self.family.name}

    @classmethod
    def from_dict(cls, data, source: str = "configuration"):
        if not isinstance(data, dict) or not isinstance(data.get("experiment"), dict):
            raise UserError(f"{source}: expected a search configuration with an 'experiment' object")
        fam = family(data.get("family"))
        experiment = fam.api.Config.from_dict(data["experiment"], source=f"{source} (experiment)")
        rest = {k: v for k, v in data.items() if k not in ("family", "experiment")}
        return super().from_dict({**rest, "experiment": experiment}, source=source)

