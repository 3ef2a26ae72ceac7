"""Training throughput of the Keras heartbeat ports against their PyTorch originals, with the roofline.

    python -m benchmarks.heartbeat_throughput [--models NAME ...] [--precisions float32 mixed_bfloat16]
        [--epochs 6] [--batch-size 32] [--samples-2d 2048] [--samples-1d 512]

Fair by construction:

* each (model, framework, precision) trains in its own fresh Python process, so no
  framework warms another's caches, thread pools or allocator;
* each framework in its own best settings on these machines: glibc's default
  allocator (``MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=-1`` made PyTorch ~45 % slower
  and did not help Keras, 2026-11-27) and its own default threads (one per core);
  Keras with the runner's pipeline (`keras_models.batches`, prefetch on) and op
  determinism, as every `experiments.*` run has; PyTorch with a plain loop;
* same architecture, batch size, optimizer (Adam 1e-3), loss, random beats and
  precision (``mixed_bfloat16``: Keras' mixed policy, PyTorch's CPU autocast);
* the first epoch is warm-up (Keras traces its graph there); the table gives the
  median and min-max samples/s of the `epochs - 1` others.

GFLOP/s = training FLOPs per sample (forward + backward, counted on the PyTorch
reference by `torch.utils.flop_counter`) x samples/s; "% of peak" divides it by the
machine's matmul peak in the same precision (`benchmarks.peak_flops`, the better of
TensorFlow and PyTorch). Needs the `torch` extra. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import json

from benchmarks import peak_flops, timing
from keras_models import checks, cli, machine

MODELS = ("cnn2d_resnet", "transformer2d_resnet", "attention_gru", "transformer1d_resnet")
FRAMEWORKS = ("keras", "torch")
PRECISIONS = ("float32", "mixed_bfloat16")
PEAK_DTYPE = {"float32": "float32", "mixed_bfloat16": "bfloat16"}


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.heartbeat_throughput",
                                description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="models (default: all)")
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS))
    parser.add_argument("--precisions", nargs="+", choices=PRECISIONS, default=list(PRECISIONS))
    parser.add_argument("--epochs", type=cli.argtype(checks.integer(2)), default=6,
                        help="epochs per setting, the first one warm-up (default 6: 5 timed)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=32, help="batch size (default 32, the report's)")
    parser.add_argument("--samples-2d", type=cli.positive_int, default=2048,
                        help="random beats per epoch for the CNN and the transformers (default 2048)")
    parser.add_argument("--samples-1d", type=cli.positive_int, default=512,
                        help="random beats per epoch for attention_gru (default 512: it is ~10x slower)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.child:
        setting = json.loads(args.child)
        if setting.get("flops_of"):
            print(json.dumps({"flops": timing.train_flops_per_sample(setting["flops_of"])}))
        else:
            print(json.dumps(timing.measure(setting)))
        return
    peaks = peak_flops.peak()
    best = {dtype: max(p[dtype] for p in peaks.values()) for dtype in peak_flops.DTYPES}
    print("matmul peak GFLOP/s: " + json.dumps({fw: {k: round(v) for k, v in p.items()} for fw, p in peaks.items()}))
    module = "benchmarks.heartbeat_throughput"
    rows = []
    for model in args.models:
        flops = timing.run_child(module, {"flops_of": model})["flops"]
        samples = args.samples_1d if model == "attention_gru" else args.samples_2d
        for precision in args.precisions:
            rates = {}
            for framework in args.frameworks:
                setting = {"model": model, "framework": framework, "precision": precision,
                           "batch_size": args.batch_size, "samples": samples, "epochs": args.epochs}
                result = timing.run_child(module, setting)
                stats = timing.summary(result["samples_per_s"])
                rates[framework] = stats["samples/s"]
                gflops = flops * stats["samples/s"] / 1e9
                rows.append({**machine.row(), "model": model, "precision": precision, "framework": framework, **stats,
                             "train MFLOP/sample": round(flops / 1e6, 1), "GFLOP/s": round(gflops, 1),
                             "% of peak": round(100 * gflops / best[PEAK_DTYPE[precision]], 1)})
                print(json.dumps(rows[-1]), flush=True)
            if len(rates) == 2:
                rows[-1]["keras/torch"] = round(rates["keras"] / rates["torch"], 2)
    print(f"\npeak (best matmul): float32 {best['float32']:.0f} GFLOP/s, bfloat16 {best['bfloat16']:.0f} GFLOP/s; "
          f"batch {args.batch_size}, {args.epochs - 1} timed epochs after 1 warm-up\n{machine.heading()}\n")
    cli.print_table([{**r, "keras/torch": r.get("keras/torch", "")} for r in rows])


if __name__ == "__main__":
    cli.main(main)
