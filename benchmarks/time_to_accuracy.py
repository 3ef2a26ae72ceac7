"""Time to accuracy: train a heartbeat model until its validation split reaches a target,
then evaluate the test split once.

    KERAS_MODELS_DATA=/path/to/data python -m benchmarks.time_to_accuracy --model cnn2d_resnet
    python -m benchmarks.time_to_accuracy --model attention_gru --target-accuracy 0.97 --target-f1 0
    python -m benchmarks.time_to_accuracy --model cnn2d_resnet --recipe cpu         # the recipe's own levers
    python -m benchmarks.time_to_accuracy --model cnn2d_resnet --recipe report      # the float32 recipe

Every flag of `experiments.heartbeat` is accepted (the model's default recipe unless
overridden, with the levers timed on this machine as in `experiments.heartbeat`; its
epochs are the budget). After each epoch the validation beats are
scored (accuracy and macro F1, sklearn); training stops at the first epoch where both
reach their targets, or when the budget ends. Then, once, the run does what every
heartbeat run does: test metrics, plots, `.keras` and SavedModel in its run folder; the
training split's evaluation after training is skipped unless `--evaluate-train` is given
(it is not part of reaching the target, and this benchmark does not report it).
Targets are judged on the validation split only; the test numbers are held out.

Prints the seconds to the target (from the model's build: training, tracing and the
per-epoch validation scoring), the whole command's wall time (Python's start to the run
folder written), each epoch's seconds, epochs, samples seen, and the test accuracy and
macro F1. `--time-budget` stops a model that is still short of its target.
"""

from __future__ import annotations

import dataclasses
import json
import time

START = time.perf_counter()

from benchmarks import timing  # noqa: E402  (the clock starts first)
from keras_models import checks, cli, heartbeat, machine  # noqa: E402
from keras_models.heartbeat import autorecipe  # noqa: E402


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.time_to_accuracy", description=__doc__.split("\n")[0])
    parser.add_argument("--target-accuracy", type=cli.argtype(checks.number(0, 1)), default=0.985,
                        help="validation accuracy to reach (default 0.985)")
    parser.add_argument("--target-f1", type=cli.argtype(checks.number(0, 1)), default=0.92,
                        help="validation macro F1 to reach as well (default 0.92; 0: accuracy only)")
    parser.add_argument("--time-budget", type=cli.argtype(checks.number(0, low_open=True)), default=None,
                        metavar="MINUTES", help="stop after the first epoch that ends past this many minutes of "
                                                "training (default: the recipe's epochs only)")
    cli.add_config_flags(parser, heartbeat.Config, include=("steps_per_epoch", "eval_batch_size"),
                         defaults={"patience": 0})
    # the training split's evaluation after training (metrics.json's "train") is not part of reaching the
    # target, and this benchmark does not report it
    parser.add_argument("--evaluate-train", dest="evaluate_train", action="store_true",
                        help="evaluate the training split after training, as experiments.heartbeat does (default: "
                             "skipped: about 45 s for a CNN on 2 cores)")
    return parser


def target_stop(job, target_accuracy: float, target_f1: float, started: float, budget_s: float | None = None):
    """A callback scoring the validation split after each epoch and stopping at the targets
    (or at the first epoch that ends `budget_s` seconds after `started`).

    Its `reached` holds {epoch, seconds, accuracy, f1_macro} of the first epoch at the
    targets (None until then); `scores` every epoch's.
    """
    import keras
    from sklearn import metrics as skm

    class TargetStop(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.reached, self.scores = None, []

        def on_epoch_end(self, epoch, logs=None):
            predicted = self.model.predict(job.val.x, batch_size=job.config.eval_batch, verbose=0).argmax(axis=1)
            score = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - started, 1),
                     "accuracy": round(float(skm.accuracy_score(job.val.y, predicted)), 4),
                     "f1_macro": round(float(skm.f1_score(job.val.y, predicted, average="macro")), 4)}
            self.scores.append(score)
            print(f"\nvalidation after epoch {score['epoch']}: {json.dumps(score)}", flush=True)
            if score["accuracy"] >= target_accuracy and score["f1_macro"] >= target_f1:
                self.reached = score
                self.model.stop_training = True
            elif budget_s is not None and score["seconds"] >= budget_s:
                print(f"time budget of {budget_s / 60:g} min spent: stopping short of the target", flush=True)
                self.model.stop_training = True

    return TargetStop()


def main(argv: list[str] | None = None) -> None:
    values, _ = cli.parse(build_parser(), argv)
    given = cli.config_from_flags(heartbeat.Config, values)
    loaded = heartbeat.load(given)
    # --recipe auto (or the model's cpu recipe, none given): the levers fastest here, before TensorFlow starts
    given = autorecipe.settle(given, len(loaded.parts["train"].y))

    from keras_models import runner
    from keras_models.heartbeat.experiment import make_job

    job = make_job(given, loaded)
    config = job.config  # the recipe resolved
    budget = values["time_budget"] * 60 if values["time_budget"] else None
    stop = target_stop(job, values["target_accuracy"], values["target_f1"], time.perf_counter(), budget)
    timer = timing.epoch_timer()
    result = runner.run(dataclasses.replace(job, extra_callbacks=[timer, stop]))
    test = result.metrics["test_metrics"]
    epochs = result.metrics["epochs_run"]
    per_epoch = config.steps_per_epoch * config.batch_size if config.steps_per_epoch else len(job.train.x)
    summary = {
        **machine.row(), "model": config.model, "recipe": config.recipe, "precision": config.precision,
        "batch": config.batch_size, "xla": config.jit_compile, "threads": config.threads,
        "target": f"val accuracy >= {values['target_accuracy']}, val macro F1 >= {values['target_f1']}",
        "reached": stop.reached is not None,
        "seconds to target": stop.reached["seconds"] if stop.reached else None,
        "epoch seconds (with validation)": [round(s, 1) for s in timer.seconds],
        "epochs": epochs, "samples seen": epochs * per_epoch,
        "test accuracy": round(test["accuracy"], 4), "test macro F1": round(test["f1_macro"], 4),
        "command wall seconds": round(time.perf_counter() - START, 1),
        "validation per epoch": stop.scores, "run": str(result.run_dir),
    }
    print("\n" + json.dumps(summary, indent=1))


if __name__ == "__main__":
    cli.main(main)
