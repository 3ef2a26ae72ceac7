"""Training throughput of the Keras heartbeat ports against their PyTorch originals.

    python -m benchmarks.heartbeat_throughput [--models NAME ...] [--samples 2048]
        [--epochs 3] [--batch-size 32] [--threads 2] [--frameworks keras torch]
        [--malloc-tuned]

Both frameworks train the same model (same weights: PyTorch's initial weights are
copied into the Keras port) on the same random beats and labels, with Adam
(lr 1e-3), sparse cross-entropy from logits and the same batch size, shuffling
every epoch. Samples/s are reported per epoch; the first epoch includes Keras's
graph tracing, so the table shows it apart from the later epochs.

SPEC §6 saw Keras slow down after the first epoch with glibc's default malloc,
and not with ``MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=-1``. glibc reads those
variables at start-up only: ``--malloc-tuned`` restarts this script with them set.
On a shared machine the numbers are indicative only.
"""

from __future__ import annotations

import os
import sys
import time

from keras_models import cli

MODELS = ("cnn2d_resnet", "transformer2d_resnet", "attention_gru")
FRAMEWORKS = ("keras", "torch")
MALLOC_TUNING = {"MALLOC_ARENA_MAX": "2", "MALLOC_TRIM_THRESHOLD_": "-1"}


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.heartbeat_throughput",
                                description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="models to time (default: all)")
    parser.add_argument("--samples", type=cli.positive_int, default=2048, help="random training samples (default 2048)")
    parser.add_argument("--epochs", type=cli.positive_int, default=3, help="epochs per framework (default 3)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=32, help="batch size (default 32)")
    parser.add_argument("--threads", type=cli.positive_int, default=None,
                        help="threads for both frameworks (TF intra- and inter-op, torch intra-op; default: their own). "
                             "On a busy machine use 1: PyTorch's OpenMP threads stall when a core is taken")
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS),
                        help="frameworks to time (default: both)")
    parser.add_argument("--malloc-tuned", action="store_true",
                        help="restart with " + " ".join(f"{k}={v}" for k, v in MALLOC_TUNING.items()))
    return parser


def keras_epochs(model, x, y, epochs: int, batch_size: int) -> list[float]:
    """Train a Keras model; seconds per epoch."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    timer = EpochTimer()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0, callbacks=[timer])
    return timer.seconds


def torch_epochs(model, x, y, epochs: int, batch_size: int) -> list[float]:
    """Train a PyTorch model with the same loop as `keras.Model.fit`; seconds per epoch."""
    import torch

    x, y = torch.from_numpy(x), torch.from_numpy(y).long()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch_size):
            batch = order[i:i + batch_size]
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def format_table(rows: list[dict], frameworks: list[str]) -> str:
    """Markdown table: per framework, first-epoch and mean later-epoch samples/s, and every epoch."""
    header = ["model", "params"]
    for fw in frameworks:
        header += [f"{fw} epoch 1", f"{fw} later", f"{fw} per epoch"]
    if len(frameworks) == 2:
        header.append("keras/torch later")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row["model"], f"{row['params']:,}"]
        later = {}
        for fw in frameworks:
            rates = row[fw]
            later[fw] = sum(rates[1:]) / len(rates[1:]) if len(rates) > 1 else float("nan")
            cells += [f"{rates[0]:.0f}", f"{later[fw]:.0f}", " / ".join(f"{r:.0f}" for r in rates)]
        if len(frameworks) == 2:
            cells.append(f"{later['keras'] / later['torch']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.malloc_tuned and any(os.environ.get(k) != v for k, v in MALLOC_TUNING.items()):
        os.execve(sys.executable, [sys.executable, "-m", "benchmarks.heartbeat_throughput", *(argv or sys.argv[1:])],
                  {**os.environ, **MALLOC_TUNING})

    import numpy as np
    import tensorflow as tf
    import torch

    from keras_models.models import heartbeat
    from keras_models.torch_refs import heartbeat as reference

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
        torch.set_num_threads(args.threads)
    malloc = " ".join(f"{k}={os.environ[k]}" for k in MALLOC_TUNING if k in os.environ) or "glibc defaults"
    print(f"{args.samples} samples, {args.epochs} epochs, batch {args.batch_size}, "
          f"threads {args.threads or 'default'} (torch {torch.get_num_threads()}), malloc: {malloc}")

    rng = np.random.default_rng(0)
    rows = []
    for name in args.models:
        torch.manual_seed(0)
        original = reference.MODELS[name]()
        port = getattr(heartbeat, name)()
        reference.copy_to_keras(original, port)
        x = rng.random((args.samples, *port.input_shape[1:]), dtype=np.float32)
        y = rng.integers(0, 5, args.samples).astype(np.int32)
        row = {"model": name, "params": reference.trainable_count(original)}
        for fw in args.frameworks:
            train = keras_epochs if fw == "keras" else torch_epochs
            seconds = train(port if fw == "keras" else original, x, y, args.epochs, args.batch_size)
            row[fw] = [args.samples / s for s in seconds]
            print(f"{name:22s} {fw:6s} samples/s per epoch: " + " / ".join(f"{r:.0f}" for r in row[fw]), flush=True)
        rows.append(row)
    print()
    print(format_table(rows, args.frameworks))


if __name__ == "__main__":
    cli.main(main)
