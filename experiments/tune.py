"""Search hyper-parameters with Keras Tuner, then retrain, test and export the best model.

    python -m experiments.tune --model cnn2d_resnet --tuner random --trials 6 --epochs 2 --max-train-beats 6000
    python -m experiments.tune --model nab_v3 --tuner bayesian --trials 10 --space optimizer=adam,adamw
    python -m experiments.tune --model vit --trials 4 --epochs 2 --max-images-per-class 100
    python -m experiments.tune --model ag_news_best --trials 4 --protocol small
    python -m experiments.tune --model nab_base --trials 4 --workers 2
    python -m experiments.tune --model nab_base --trials 8 --ray HEAD:6379   # workers as Ray tasks
    python -m experiments.tune --resume runs/tune/<run-id>
    python -m experiments.tune --model attention_gru --show-space

Any model of a training family can be tuned; it takes the data flags of its family's
command (`--model` decides which). The search trains on the training split and scores
each trial on the validation split; the best configuration is retrained on train+val
and evaluated once on the test split. Every argument, the search space and the data are
checked before TensorFlow is imported. From Python: `keras_models.tune`.
"""

from __future__ import annotations

import dataclasses
import sys

from keras_models import cli, tune
from keras_models.audit import format_table
from keras_models.rundir import RunDir
from keras_models.tuning import families, search_space

PROG = "python -m experiments.tune"
#: family settings that the search samples (flags for them would be overridden)
SEARCHED = ("batch_size", "balance", "learning_rate", "optimizer", "schedule")
#: a search spreads trials over processes (its own --workers); one trial stays on one device
ONE_DEVICE = ("distribute", "devices", "local_workers")


def build_parser(family: families.Family) -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cnn2d_resnet", help=f"one of: {', '.join(search_space.tunable_models())}")
    search = cli.add_config_flags(parser, tune.Config, title="search", exclude=("ray",))
    (search or parser).add_argument("--ray", nargs="?", const="auto", default=None, metavar="ADDRESS",
                                    help="Keras Tuner's workers as tasks on a Ray cluster: HOST:PORT of its head, or "
                                         "auto (also without a value); --workers N sets how many (default one per "
                                         "CPU); the chief stays here; --runs-dir must be shared (docs/scaling.md)")
    parser.add_argument("--space", action="append", default=[], metavar="KEY=V1[,V2...]",
                        help="narrow a search-space key to these values (one value fixes it); repeatable")
    parser.add_argument("--show-space", action="store_true", help="print the search space and exit")
    objectives = search_space.OBJECTIVES[family.name]
    parser.add_argument("--objective", default=None,
                        help=f"what the search optimises: {', '.join(objectives)} (default {next(iter(objectives))})")
    patience = {f.name: f.default for f in dataclasses.fields(family.api.Config)}["patience"]
    cli.add_config_flags(parser, family.api.Config, title=f"{family.name} experiment",
                         exclude=(family.model_field, *SEARCHED, *ONE_DEVICE),
                         defaults={"epochs": 3, "patience": None if patience is None else 0})
    cli.add_resume_flag(parser)
    return parser


def _family(argv: list[str]) -> families.Family:
    """The model's family, from `--model` or, for `--resume`, from the run's config.json."""
    pre = cli.ArgumentParser(prog=PROG, add_help=False)
    pre.add_argument("--model", default="cnn2d_resnet")
    pre.add_argument("--resume", default=None)
    known, _ = pre.parse_known_args(argv)
    if known.resume is not None:
        recorded = RunDir.open_for_resume(known.resume, tune.EXPERIMENT).read_config()
        return families.family(recorded.get("config", {}).get("family"))
    return families.family(search_space.family_of(known.model))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    family = _family(argv)
    values, given = cli.parse(build_parser(family), argv)
    if values["resume"] is not None:
        cli.summarize(cli.resume(tune, values, given))
        return
    experiment = cli.config_from_flags(family.api.Config, values,
                                       **{family.model_field: family.to_field(values["model"])})
    config = cli.config_from_flags(tune.Config, values, experiment=experiment, space=tuple(values["space"]),
                                   objective=values["objective"])
    if values["show_space"]:
        print(format_table(search_space.describe(config.space_dict())))
        return
    cli.summarize(tune.run(config))


if __name__ == "__main__":
    cli.main(main)
