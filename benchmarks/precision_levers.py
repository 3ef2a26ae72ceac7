"""Training speed of the heartbeat models with each speed lever on and off.

    python -m benchmarks.precision_levers [--models cnn2d_resnet attention_gru] [--precisions float32 mixed_bfloat16]
        [--jit off on] [--batch-sizes 32 128] [--samples 2048] [--epochs 6]

Every combination trains in its own process (so one cannot warm the other's caches or
allocator) on the same random beats (n, 16, 12, 1) or (n, 192, 1) with the models'
training setup: Adam 1e-3, sparse cross-entropy from logits, batches in (seed, epoch)
order (`keras_models.batches`). The first epoch (graph tracing) is left out; the table
gives the median and min-max samples/s of the other epochs. Speed only: whether a lever
changes the accuracy is for `experiments.heartbeat` runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time

from keras_models import checks, cli
from keras_models.precision import PRECISIONS

MODELS = ("cnn2d_resnet", "transformer2d_resnet", "attention_gru", "cnn1d_resnet", "gru1d")


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.precision_levers", description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=["cnn2d_resnet", "transformer2d_resnet",
                                                                          "attention_gru"])
    parser.add_argument("--precisions", nargs="+", choices=PRECISIONS, default=["float32", "mixed_bfloat16"])
    parser.add_argument("--jit", nargs="+", choices=("off", "on"), default=["off"], help="XLA off and/or on")
    parser.add_argument("--batch-sizes", nargs="+", type=cli.positive_int, default=[32])
    parser.add_argument("--samples", type=cli.positive_int, default=2048, help="random training beats (default 2048)")
    parser.add_argument("--epochs", type=cli.argtype(checks.integer(2)), default=6,
                        help="epochs, the first one not timed (default 6)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return parser


def measure(setting: dict) -> dict:
    """Train one setting in this process; samples/s of every epoch."""
    import keras
    import numpy as np

    from keras_models import precision, registry
    from keras_models.batches import training_batches

    spec = registry.get(setting["model"])
    rng = np.random.default_rng(0)
    x = rng.random((setting["samples"], *spec.input_shape), dtype=np.float32)
    y = rng.integers(0, 5, setting["samples"])
    keras.utils.set_random_seed(0)
    model = precision.build(spec.build, setting["precision"])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=setting["jit"] == "on")
    data, clock = training_batches(x, y, setting["batch_size"], seed=0)
    seconds: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    model.fit(data, epochs=setting["epochs"], shuffle=False, callbacks=[clock, Timer()], verbose=0)
    return {**setting, "samples_per_s": [setting["samples"] / s for s in seconds]}


def row(result: dict) -> dict:
    import statistics

    later = result["samples_per_s"][1:]
    return {"model": result["model"], "precision": result["precision"], "xla": result["jit"],
            "batch": result["batch_size"], "samples/s median": round(statistics.median(later)),
            "min-max": f"{min(later):,.0f}-{max(later):,.0f}", "first epoch": round(result["samples_per_s"][0])}


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.child:
        print(json.dumps(measure(json.loads(args.child))))
        return
    rows = []
    for model, precision_, jit, batch in itertools.product(args.models, args.precisions, args.jit, args.batch_sizes):
        setting = {"model": model, "precision": precision_, "jit": jit, "batch_size": batch,
                   "samples": args.samples, "epochs": args.epochs}
        out = subprocess.run([sys.executable, "-m", "benchmarks.precision_levers", "--child", json.dumps(setting)],
                             capture_output=True, text=True, check=True)
        rows.append(row(json.loads(out.stdout.strip().splitlines()[-1])))
        print(json.dumps(rows[-1]), flush=True)
    cli.print_table(rows)


if __name__ == "__main__":
    cli.main(main)
