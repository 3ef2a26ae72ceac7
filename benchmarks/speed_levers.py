"""Training speed of each heartbeat model with each speed lever on and off.

    python -m benchmarks.speed_levers [--models NAME ...] [--variants NAME ...] [--epochs 4]

A variant changes one lever of the baseline (the report's recipe as every run trains
it: float32, batch 32, no XLA, prefetch, TensorFlow's threads, op determinism); the
last variants stack the winners. Each (model, variant) trains in its own
process (`benchmarks.timing`) on random beats: 2,048 for the convolutional models,
1,024 for the GRUs. The first epoch (tracing) is left out: the table gives the median
and min-max samples/s of the others, and the speed-up over the baseline. Speed only:
what a lever does to accuracy is measured by `benchmarks.time_to_accuracy`.

Variants (each flag is one of every training command):

* ``baseline``: float32, batch 32 (the ``report`` recipe);
* ``bf16``: bfloat16 compute, float32 variables (``--precision mixed_bfloat16``);
* ``xla``: XLA compilation of the train step (``--jit-compile``);
* ``batch128``, ``batch256``: more work per step (``--batch-size``);
* ``no-prefetch``: each batch gathered when it is asked for (``--no-prefetch``);
* ``threads1``: one thread in each TensorFlow pool (``--threads 1``);
* ``nondeterministic``: without op determinism (here only: every run keeps determinism on, which
  costs nothing measurable);
* ``autotune``: tf.data's autotuner on (here only: every run turns it off,
  `keras_models.batches.steady`);
* ``keras-bn``: BatchNorm by Keras' element-wise ops instead of the fused kernel (here
  only: every model uses `keras_models.layers.FusedBatchNormalization`);
* ``bf16+batch256``, ``bf16+batch256+xla``: the levers stacked;
* ``batch512``, ``bf16+batch512``: the GRUs' recipe (not in the default list: with 2,048
  beats an epoch is 4 steps of 512).
"""

from __future__ import annotations

import argparse
import json

from benchmarks import timing
from keras_models import checks, cli, machine

MODELS = ("cnn2d_resnet", "transformer2d_resnet", "cnn1d_resnet", "attention_gru", "gru1d", "transformer1d_resnet")
SLOW_MODELS = ("attention_gru", "gru1d")
BASELINE = {"precision": "float32", "batch_size": 32, **timing.KERAS_DEFAULTS}
VARIANTS = {
    "baseline": {},
    "bf16": {"precision": "mixed_bfloat16"},
    "xla": {"jit": "on"},
    "batch128": {"batch_size": 128},
    "batch256": {"batch_size": 256},
    "no-prefetch": {"prefetch": False},
    "threads1": {"threads": 1},
    "nondeterministic": {"deterministic": False},
    "autotune": {"autotune": True},
    "keras-bn": {"fused_bn": False},
    "bf16+batch256": {"precision": "mixed_bfloat16", "batch_size": 256},
    "bf16+batch256+xla": {"precision": "mixed_bfloat16", "batch_size": 256, "jit": "on"},
    "batch512": {"batch_size": 512},
    "bf16+batch512": {"precision": "mixed_bfloat16", "batch_size": 512},
}


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.speed_levers", description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS)[:-2])
    parser.add_argument("--epochs", type=cli.argtype(checks.integer(2)), default=4,
                        help="epochs per setting, the first one not timed (default 4)")
    parser.add_argument("--samples", type=cli.positive_int, default=2048,
                        help="random beats per epoch (default 2048; half of it for the GRUs)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.child:
        print(json.dumps(timing.measure(json.loads(args.child))))
        return
    rows = []
    for model in args.models:
        baseline = None
        for variant in args.variants:
            setting = {**BASELINE, **VARIANTS[variant], "model": model, "framework": "keras", "epochs": args.epochs,
                       "samples": args.samples // 2 if model in SLOW_MODELS else args.samples}
            stats = timing.summary(timing.run_child("benchmarks.speed_levers", setting)["samples_per_s"])
            baseline = stats["samples/s"] if variant == "baseline" else baseline
            rows.append({**machine.row(), "model": model, "variant": variant, **stats,
                         "x baseline": round(stats["samples/s"] / baseline, 2) if baseline else ""})
            print(json.dumps(rows[-1]), flush=True)
    print(machine.heading() + "\n")
    cli.print_table(rows)


if __name__ == "__main__":
    cli.main(main)
