"""Where a heartbeat model's training steps spend their time: TensorFlow's profiler, per op type.

    python -m benchmarks.step_profile --model cnn2d_resnet [--precision mixed_bfloat16]
    python -m benchmarks.step_profile --model cnn2d_resnet --keras-batch-norm --autotune   # as before the fixes

Trains the registered model as the runner does (`keras_models.batches`, op determinism
on) on random beats: one untimed epoch (tracing), then one epoch under
``tf.profiler``. Prints each op type's self time per step (summed over the threads that
ran it, so a type that keeps both cores busy counts twice) and its share of all op time,
the top types first, and the epoch's samples/s. Read it beside the same command with
another lever: ``--keras-batch-norm`` computes the BatchNorms with Keras' element-wise
ops instead of the fused kernel (`keras_models.layers.FusedBatchNormalization`'s
fallback), ``--autotune`` turns tf.data's autotuner back on
(`keras_models.batches.steady`).

The profile is read with TensorFlow's own converter (the one TensorBoard's profile
plugin uses), a private module of the ``tensorflow`` package: it may move in a later
release. Run it on an idle machine.
"""

from __future__ import annotations

import collections
import glob
import json
import tempfile
import time

from benchmarks import timing
from keras_models import checks, cli, machine
from keras_models.errors import UserError

MODELS = ("cnn2d_resnet", "transformer2d_resnet", "attention_gru", "transformer1d_resnet", "cnn1d_resnet", "gru1d")


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.step_profile", description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=MODELS, default="cnn2d_resnet")
    parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default="float32")
    parser.add_argument("--batch-size", type=cli.positive_int, default=32)
    parser.add_argument("--samples", type=cli.positive_int, default=1024, help="random beats per epoch (default 1024)")
    parser.add_argument("--top", type=cli.argtype(checks.integer(1)), default=15, help="op types shown (default 15)")
    parser.add_argument("--keras-batch-norm", action="store_true",
                        help="BatchNorm by Keras' element-wise ops (as before the fused kernel)")
    parser.add_argument("--autotune", action="store_true", help="tf.data's autotuner on (as before)")
    return parser


def op_types(stats: list, steps: int) -> list[dict]:
    """Rows {op type, ms/step, share} from the converter's ``framework_op_stats`` table
    (its first table: the host's ops), idle time left out, the largest first."""
    table = stats[0]
    columns = [c["id"] for c in table["cols"]]
    totals: collections.Counter = collections.Counter()
    for row in table["rows"]:
        cells = dict(zip(columns, (c.get("v") for c in row["c"])))
        if cells["type"] != "IDLE":
            totals[cells["type"]] += float(cells["total_self_time"])
    everything = sum(totals.values()) or 1.0
    return [{"op type": kind, "ms/step": round(us / 1e3 / steps, 2), "share %": round(100 * us / everything, 1)}
            for kind, us in totals.most_common()]


def profile(args) -> tuple[list[dict], float]:
    """(op type rows, samples/s of the profiled epoch)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_models import precision, registry
    from keras_models.batches import training_batches

    try:
        from tensorflow.python.profiler.internal import _pywrap_profiler_plugin as converter
    except ImportError as err:
        raise UserError(f"this TensorFlow ({tf.__version__}) has no profile converter ({err}); use TensorFlow "
                        "2.21, or read the trace in TensorBoard's profile plugin") from None
    if args.keras_batch_norm:
        timing.use_keras_batch_norm()
    spec = registry.get(args.model)
    rng = np.random.default_rng(0)
    x = rng.random((args.samples, *spec.input_shape), dtype=np.float32)
    y = rng.integers(0, 5, args.samples)
    keras.utils.set_random_seed(0)
    tf.config.experimental.enable_op_determinism()
    model = precision.build(spec.build, args.precision)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    data, clock = training_batches(x, y, args.batch_size, seed=0)
    if args.autotune:
        data = timing.with_autotuner(data)
    model.fit(data, epochs=1, callbacks=[clock], verbose=0)
    steps = -(-args.samples // args.batch_size)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        started = time.perf_counter()
        model.fit(data, epochs=2, initial_epoch=1, callbacks=[clock], verbose=0)
        seconds = time.perf_counter() - started
        tf.profiler.experimental.stop()
        raw, ok = converter.xspace_to_tools_data(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True),
                                                 "framework_op_stats", {})
    if not ok:
        raise UserError("TensorFlow's profile converter failed; read the trace in TensorBoard's profile plugin")
    return op_types(json.loads(raw), steps), args.samples / seconds


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    rows, speed = profile(args)
    levers = ", ".join(["Keras BatchNorm" if args.keras_batch_norm else "fused BatchNorm",
                        "tf.data autotuner on" if args.autotune else "autotuner off"])
    print(f"\n{args.model}, {args.precision}, batch {args.batch_size}, {levers}: {speed:,.0f} samples/s in the "
          f"profiled epoch (the profiler slows it)\n{machine.heading()}\n")
    shown = rows[:args.top]
    rest = rows[args.top:]
    if rest:
        shown.append({"op type": f"{len(rest)} other types", "ms/step": round(sum(r["ms/step"] for r in rest), 2),
                      "share %": round(sum(r["share %"] for r in rest), 1)})
    shown.append({"op type": "all ops", "ms/step": round(sum(r["ms/step"] for r in rows), 2), "share %": 100.0})
    cli.print_table(shown)


if __name__ == "__main__":
    cli.main(main)
