"""Which CPU recipe makes the GRUs learn under each balance option, chosen on the validation split.

    KERAS_MODELS_DATA=/path/to/data python -m benchmarks.gru_recipe
    python -m benchmarks.gru_recipe --models gru1d --balances smote --candidates b128-2e-3 b64-1e-3-clip1-sqrtw --beats 12800

Each (candidate, model, balance) trains in its own process, from the same seed, on the
MIT-BIH intra-patient training split balanced as a run balances it, for the same
number of beats (`--beats`: optimizer steps = beats / the candidate's batch, one
epoch), then scores the validation split (`--val-beats` of it, a seeded random
subset; 0: all of it). The test split is never read. A candidate sets every recipe
field (each a flag of `experiments.heartbeat`), so that it means the same whatever
``cpu-gru`` is:

* ``b128-2e-3``: the former ``cpu-gru`` (float32, batch 128, Adam 1e-3 x sqrt(128 / 32)
  = 2e-3 constant, no clipping, inverse-frequency class weights);
* ``b128-2e-3-clip1``: the same, gradients clipped to L2 norm 1 (``--clipnorm 1``);
* ``b128-1e-3-clip1-sqrtw``: clipped, 1e-3, class weights tempered to their square root
  (``--class-weight-power 0.5``; resampled sets have no class weights);
* ``b128-1e-3-clip1-sqrtw-warmup``: the same with a linear warm-up over the first half;
* ``b128-1e-3-clip1-sqrtw-bf16``: the same in bfloat16 (``--precision mixed_bfloat16``);
* ``b64-1e-3-clip1-sqrtw``: batch 64 (twice the steps for the same beats), 1e-3 not
  scaled, clipped, square-root weights;
* ``b32-1e-3-clip1-sqrtw``: the same at batch 32 (the report's batch and rate, four
  times the steps of batch 128);
* ``b64-3e-3-clip1-sqrtw``: batch 64 at three times the rate, clipped;
* ``b64-1e-3-clip1-sqrtw-chrono``: ``b64-1e-3-clip1-sqrtw`` with chrono update-gate
  biases (``--gru-update-bias chrono``, `keras_models.heartbeat.gru_memory`): ``cpu-gru`` now.

Printed: one row per run (validation accuracy, validation macro recall, the predicted
classes' histogram, the training loss of the first and last tenth of the steps, wall
seconds of the child process including data, tracing and scoring), whether it
LEARNED (macro recall >= `LEARNED_RECALL`, twice chance), the CPU it ran on, and the
chosen candidate: the one that learned in every (model, balance) with the highest
median validation macro recall, wall time breaking ties. Wall times depend on what
else the machine runs: a loaded machine makes every candidate slower alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from benchmarks import timing
from keras_models import checks, cli, machine

MODELS = ("gru1d", "attention_gru")
BALANCES = ("class-weights", "oversample-full", "smote")
_OLD = {"batch_size": 128, "precision": "float32", "learning_rate": 1e-3, "lr_scaling": "sqrt",
        "schedule": "constant", "warmup_epochs": 0, "clipnorm": 0.0, "class_weight_power": 1.0,
        "gru_update_bias": "zeros"}
_STABLE = {**_OLD, "learning_rate": 5e-4, "clipnorm": 1.0, "class_weight_power": 0.5}
CANDIDATES = {
    "b128-2e-3": _OLD,
    "b128-2e-3-clip1": {**_OLD, "clipnorm": 1.0},
    "b128-1e-3-clip1-sqrtw": _STABLE,
    "b128-1e-3-clip1-sqrtw-warmup": {**_STABLE, "warmup_epochs": 1},
    "b128-1e-3-clip1-sqrtw-bf16": {**_STABLE, "precision": "mixed_bfloat16"},
    "b64-1e-3-clip1-sqrtw": {**_STABLE, "batch_size": 64, "learning_rate": 1e-3, "lr_scaling": "fixed"},
    "b32-1e-3-clip1-sqrtw": {**_STABLE, "batch_size": 32, "learning_rate": 1e-3, "lr_scaling": "fixed"},
    "b64-3e-3-clip1-sqrtw": {**_STABLE, "batch_size": 64, "learning_rate": 3e-3, "lr_scaling": "fixed"},
    "b64-1e-3-clip1-sqrtw-chrono": {**_STABLE, "batch_size": 64, "learning_rate": 1e-3, "lr_scaling": "fixed",
                                    "gru_update_bias": "chrono"},
}
#: validation macro recall a model must reach to count as learned (chance: 0.2)
LEARNED_RECALL = 0.4


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.gru_recipe", description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--balances", nargs="+", choices=BALANCES, default=list(BALANCES))
    parser.add_argument("--candidates", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES))
    parser.add_argument("--beats", type=cli.positive_int, default=76_800,
                        help="training beats per run, the same for every candidate (default 76,800: one pass of "
                             "the training split, 600 steps of 128)")
    parser.add_argument("--val-beats", type=cli.argtype(checks.non_negative_int), default=0,
                        help="validation beats scored, a seeded random subset (default 0: all 10,950)")
    parser.add_argument("--gradient-profile", action="store_true",
                        help="train nothing: print how much of each sample of a beat reaches the logits of each "
                             "freshly built model, with zero and with chrono update-gate biases")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser


#: the samples of the 192 whose gradient `gradient_profile` prints (a beat starts at its R peak)
PROFILE_STEPS = (0, 45, 90, 135, 170, 191)


def gradient_profile(models: list[str], beats: int = 64, seed: int = 42) -> list[dict]:
    """`gru_memory.input_gradient` over `beats` training beats ``(beats, 192, 1)``, at each of
    `PROFILE_STEPS`, for each model freshly built (seeded) with each update-gate bias."""
    import keras

    from keras_models import heartbeat, registry
    from keras_models.heartbeat.gru_memory import GRU_UPDATE_BIASES, ChronoGRUs, input_gradient
    from keras_models.heartbeat.splits import to_view

    x = to_view(heartbeat.load(heartbeat.Config(model=models[0])).parts["train"].x[:beats], "1d")
    rows = []
    for model_name in models:
        for bias in GRU_UPDATE_BIASES:
            keras.utils.set_random_seed(seed)
            model = registry.get(model_name).build()
            if bias == "chrono":
                ChronoGRUs(seed)(model)
            grad = input_gradient(model, x)
            rows.append({"model": model_name, "update-gate bias": bias,
                         **{f"t={t}": f"{grad[t]:.1e}" for t in PROFILE_STEPS}})
    return rows


def train_and_score(setting: dict) -> dict:
    """Train one (candidate, model, balance) as a heartbeat run would, and score validation beats."""
    import numpy as np
    from sklearn.metrics import accuracy_score, recall_score

    from keras_models import heartbeat
    from keras_models.heartbeat.experiment import make_job

    given = heartbeat.Config(model=setting["model"], balance=setting["balance"], **setting["overrides"])
    loaded = heartbeat.load(given)
    batch = given.effective_recipe().batch_size
    steps = max(setting["beats"] // batch, 1)
    job = make_job(given.replace(epochs=1, steps_per_epoch=steps), loaded)

    import keras

    from keras_models.batches import training_batches

    keras.utils.set_random_seed(job.config.seed)
    model = job.build_model()
    model.compile(**job.compile_kwargs())
    losses = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda _, logs: losses.append(float(logs["loss"])))
    data, clock = training_batches(job.train.x, job.train.y, batch, job.config.seed, steps)
    model.fit(data, epochs=1, steps_per_epoch=steps, class_weight=job.class_weight, callbacks=[clock, record],
              verbose=0)
    x, y = job.val.x, job.val.y
    if setting["val_beats"] and setting["val_beats"] < len(y):
        keep = np.random.default_rng(0).choice(len(y), setting["val_beats"], replace=False)
        x, y = x[keep], y[keep]
    predicted = model.predict(x, batch_size=1024, verbose=0).argmax(axis=1)
    # keras logs the running mean of the epoch's loss: the step losses are its differences
    step_loss = np.diff(np.arange(1, len(losses) + 1) * np.asarray(losses), prepend=0.0)
    tenth = max(len(step_loss) // 10, 1)
    return {"steps": steps, "batch": batch, "val accuracy": round(float(accuracy_score(y, predicted)), 4),
            "val macro recall": round(float(recall_score(y, predicted, labels=np.unique(y), average="macro")), 4),
            "predicted": np.bincount(predicted, minlength=5).tolist(),
            "loss first/last tenth": f"{step_loss[:tenth].mean():.3f}/{step_loss[-tenth:].mean():.3f}"}


def choose(rows: list[dict]) -> str | None:
    """The candidate that learned in every (model, balance) it ran, with the highest median
    validation macro recall (then the least wall time); None when none learned everywhere."""
    ranked = []
    for name in dict.fromkeys(row["candidate"] for row in rows):
        own = [row for row in rows if row["candidate"] == name]
        if all(row["learned"] == "yes" for row in own):
            ranked.append((-statistics.median(r["val macro recall"] for r in own), sum(r["wall s"] for r in own), name))
    return min(ranked)[2] if ranked else None


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.child:
        print(json.dumps(train_and_score(json.loads(args.child))))
        return
    if args.gradient_profile:
        print(machine.heading(), flush=True)
        cli.print_table(gradient_profile(args.models))
        return
    print(f"{machine.heading()}; {args.beats:,} training beats per run", flush=True)
    rows = []
    for name in args.candidates:
        for model in args.models:
            for balance in args.balances:
                setting = {"model": model, "balance": balance, "overrides": CANDIDATES[name], "beats": args.beats,
                           "val_beats": args.val_beats}
                start = time.perf_counter()
                scored = timing.run_child("benchmarks.gru_recipe", setting)
                rows.append({**machine.row(), "candidate": name, "model": model, "balance": balance, **scored,
                             "wall s": round(time.perf_counter() - start),
                             "learned": "yes" if scored["val macro recall"] >= LEARNED_RECALL else "no"})
                print(json.dumps(rows[-1]), flush=True)
    cli.print_table(rows)
    chosen = choose(rows)
    print(f"chosen (validation only): {chosen or 'none learned under every model and balance'}")


if __name__ == "__main__":
    cli.main(main)
