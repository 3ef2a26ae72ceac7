"""Search hyper-parameters with Keras Tuner, then retrain, test and export the best model.

    python -m experiments.tune --model cnn2d_resnet --tuner random --trials 6 --epochs 2 --max-train-beats 6000
    python -m experiments.tune --model nab_v3 --tuner bayesian --trials 10 --space optimizer=adam,adamw
    python -m experiments.tune --model nab_base --trials 4 --workers 2
    python -m experiments.tune --resume runs/tune/<run-id>
    python -m experiments.tune --model attention_gru --show-space

Heartbeat models take the data flags of `experiments.heartbeat`, NAB autoencoders those
of `experiments.nab_autoencoder` (`--model` decides which). The search trains on the
training split and validates on the validation split carved from the training data;
the best configuration is retrained on train+val and evaluated once on the test split.
Every argument, the search space and the data are checked before TensorFlow is imported.
"""

from __future__ import annotations

import sys
from pathlib import Path

from keras_models import cli
from keras_models.audit import format_table
from keras_models.rundir import RunDir, check_new_run
from keras_models.tuning import distributed, search_space

EXPERIMENT = "tune"
PROG = "python -m experiments.tune"


def build_parser(family: str) -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cnn2d_resnet", help=f"one of: {', '.join(search_space.ARCHITECTURES)}")
    parser.add_argument("--tuner", default="random", help=f"one of: {', '.join(search_space.TUNERS)} (default random)")
    parser.add_argument("--trials", type=cli.positive_int, default=10, help="number of trials (default 10)")
    parser.add_argument("--space", action="append", default=[], metavar="KEY=V1[,V2...]",
                        help="narrow a search-space key to these values (one value fixes it); repeatable")
    parser.add_argument("--show-space", action="store_true", help="print the search space and exit")
    parser.add_argument("--objective", default=None,
                        help=f"what the search optimises: {', '.join(search_space.OBJECTIVES[family])} "
                             f"(default {next(iter(search_space.OBJECTIVES[family]))})")
    parser.add_argument("--workers", type=cli.non_negative_int, default=0,
                        help="run Keras Tuner's distributed mode: a chief and this many workers on 127.0.0.1 "
                             "(default 0: one process)")
    parser.add_argument("--timeout", type=cli.positive_float, default=None,
                        help="with --workers: stop every process after this many seconds (default: no limit)")
    if family == "heartbeat":
        from keras_models.heartbeat import data

        data.add_data_flags(parser)
        parser.add_argument("--max-train-beats", type=cli.positive_int, default=None,
                            help="tune and retrain on a stratified subset of this many training beats (validation "
                                 "beats shrink in proportion; the test split is kept whole)")
    else:
        from keras_models.nab import flags

        flags.add_data_flags(parser)
    cli.add_run_flags(parser, epochs=3, batch_size=None, batch_size_flag=False)
    parser.set_defaults(family=family)
    return parser


def _family(argv: list[str]) -> str:
    """The model family, from `--model` or, for `--resume`, from the run's config.json."""
    pre = cli.ArgumentParser(prog=PROG, add_help=False)
    pre.add_argument("--model", default="cnn2d_resnet")
    pre.add_argument("--resume", type=Path, default=None)
    known, _ = pre.parse_known_args(argv)
    model = known.model
    if known.resume is not None:
        import json

        run = RunDir.open_for_resume(known.resume, EXPERIMENT)
        model = json.loads(run.config_path.read_text())["args"]["model"]
    return search_space.family_of(model)


def load_task(args):
    """The model's data as a `tuning.tasks.Task` (reads files; no TensorFlow)."""
    from keras_models.tuning import tasks

    if args.family == "heartbeat":
        from keras_models.heartbeat import data
        from keras_models.heartbeat.beatset import format_counts

        parts, source = data.load_parts(args)
        task = tasks.heartbeat_task(args.model, parts, source, args.seed, args.max_train_beats)
        for part in ("train", "val", "test"):
            print(f"{part}: {format_counts(getattr(task, part).y)}")
        return task
    from keras_models.nab import flags

    return tasks.nab_task(args.model, flags.load_data(args))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_family(argv))
    args = cli.parse_args(parser, argv, EXPERIMENT)
    search_space.check_tuner(args.tuner)
    objective = search_space.objective_for(args.family, args.objective)
    space = search_space.space_for(args.model, args.space)
    if args.show_space:
        print(format_table(search_space.describe(space)))
        return
    if args.family == "heartbeat":
        from keras_models.heartbeat import data

        data.check_data_args(args)
    if args.resume is None:
        check_new_run(args.runs_dir, EXPERIMENT, args.run_id)
    task = load_task(args)

    if args.resume is None:
        run = RunDir.create(args.runs_dir, EXPERIMENT, args.run_id, tag=f"{args.model}-{args.tuner}-s{args.seed}")
        run.write_json("config.json", {
            "experiment": EXPERIMENT, "run_id": run.name, "args": cli.args_to_config(args), "model": args.model,
            "family": args.family, "objective": {"name": objective[0], "direction": objective[1]},
            "search_space": space, "data": task.description})
        print(f"run folder: {run.path}")
    else:
        run = RunDir(args.resume)
    if args.workers and not distributed.is_child():
        command = [sys.executable, "-m", "experiments.tune", "--resume", str(run.path)]
        distributed.launch(command, run.path, args.workers, args.timeout)
        return

    from keras_models.tuning.session import run_tuning  # imports TensorFlow

    run_tuning(args, task, space, objective, run)


if __name__ == "__main__":
    cli.main(main)
