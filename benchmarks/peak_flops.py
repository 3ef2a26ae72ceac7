"""The machine's measured matmul peak (GFLOP/s) in float32 and bfloat16: the roofline.

    python -m benchmarks.peak_flops [--size 2048] [--repeats 20] [--frameworks tensorflow torch]

Each framework in its own process multiplies two square ``(size, size)`` matrices
`repeats` times per dtype after a warm-up; the peak is the best of 5 rounds
(2 * size**3 FLOPs per product). A large matmul is the most a framework gets out of
these cores, so it is what a model's achieved GFLOP/s is compared with.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from keras_models import cli, machine

FRAMEWORKS = ("tensorflow", "torch")
DTYPES = ("float32", "bfloat16")
ROUNDS = 5


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.peak_flops", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=cli.positive_int, default=2048, help="matrix side (default 2048)")
    parser.add_argument("--repeats", type=cli.positive_int, default=20, help="products per round (default 20)")
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS))
    parser.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    return parser


def _best_gflops(step, size: int, repeats: int) -> float:
    step()  # warm-up (and oneDNN kernel selection)
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        step(repeats)
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 * repeats / best / 1e9


def measure(framework: str, size: int, repeats: int) -> dict[str, float]:
    """{dtype: GFLOP/s} of `framework`'s matmul in this process."""
    result = {}
    for dtype in DTYPES:
        if framework == "tensorflow":
            import tensorflow as tf

            a = tf.random.uniform((size, size), dtype=tf.float32)
            a, b = tf.cast(a, dtype), tf.cast(tf.transpose(a), dtype)

            @tf.function
            def many(n):
                out = tf.zeros((), dtype)
                for _ in tf.range(n):
                    out += tf.matmul(a, b)[0, 0]
                return out

            def step(n=1, many=many):
                many(tf.constant(n)).numpy()
        else:
            import torch

            a = torch.rand(size, size).to(getattr(torch, dtype))
            b = a.t().contiguous()

            def step(n=1, a=a, b=b):
                for _ in range(n):
                    torch.mm(a, b)
        result[dtype] = _best_gflops(step, size, repeats)
    return result


def peak(frameworks=FRAMEWORKS, size: int = 2048, repeats: int = 20) -> dict[str, dict[str, float]]:
    """{framework: {dtype: GFLOP/s}}, each framework measured in its own process."""
    out = {}
    for framework in frameworks:
        done = subprocess.run([sys.executable, "-m", "benchmarks.peak_flops", "--child", framework,
                               "--size", str(size), "--repeats", str(repeats)],
                              capture_output=True, text=True, check=True)
        out[framework] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.size, args.repeats)))
        return
    results = peak(args.frameworks, args.size, args.repeats)
    print(machine.heading() + "\n")
    cli.print_table([{**machine.row(), "framework": fw, **{f"{d} GFLOP/s": round(v[d]) for d in DTYPES}} for fw, v in results.items()])


if __name__ == "__main__":
    cli.main(main)
