"""``--recipe auto``: time the speed levers of a heartbeat model on this machine, keep the fastest.

The recipes ``cpu`` and ``cpu-gru`` (`keras_models.heartbeat.recipe`) were chosen on an AMD
EPYC with AVX512-BF16; on an Intel Xeon with AMX other levers may win. ``auto``
starts from the model's recipe and times a few training steps of each candidate:

1. precision: float32, and mixed_bfloat16 where the CPU has AVX512-BF16 and the recipe's
   accuracy was measured in it (`recipe.TESTED_PRECISIONS`: not the GRUs');
2. XLA: the train step compiled with ``jit_compile`` off and on (skipped while Keras turns
   XLA off under TensorFlow's deterministic ops, which every run turns on: it would
   train as XLA off);
3. batch: the batches of the recipe whose time to accuracy was measured
   (`recipe.TESTED_BATCHES`; the learning rate follows by the recipe's ``lr_scaling``);
4. threads: TensorFlow's intra- and inter-op pools of all cores, and of half of them.

Levers 1-3 are searched one at a time (each keeps the best of the one before) in a child
process whose thread pools are all cores; the winner is timed again in a child with half
the threads (thread pools are fixed once TensorFlow starts, so each count gets its own
process, and the run's own process starts TensorFlow only after the choice). The
recipe's own levers are timed first and a candidate replaces them (or the choice so
far) only when it is more than `MARGIN` faster in samples per second, so that noise
does not flip the choice. Precision, XLA and threads leave the math as it is (up to
rounding); a batch within the tested range, with its scaled rate, reached the same
validation accuracy in `benchmarks.time_to_accuracy`. A lever given on the command line
(``--precision``, ``--batch-size``, ``--threads``) is kept, not probed.

It is also what a model with a cpu recipe trains with when no recipe is given
(`settle`), for a run long enough to repay the probe (`WORTH_PROBING_BEATS`); a shorter
run, or ``--recipe cpu`` / ``cpu-gru``, trains with the recipe's own levers.

The choice is cached per machine (CPU model, cores, features: `keras_models.machine.key`),
TensorFlow version and model in ``<cache>/recipe-auto.json`` (``$KERAS_MODELS_CACHE``, default ``./data``),
so a second run on the same machine does not probe. The run's config.json records the
chosen levers as ordinary settings (recipe ``auto``, its precision, batch size,
``jit_compile``, threads) and ``auto_levers`` says where and how fast they were chosen:
``--resume`` reads them back and never probes again, and the same settings given as flags
train the same run anywhere.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from keras_models import machine, outputs, registry
from keras_models.datapaths import cache_root
from keras_models.errors import UserError
from keras_models.heartbeat.recipe import AUTO, TESTED_BATCHES, TESTED_PRECISIONS, WORTH_PROBING_BEATS, base_recipe

CACHE_NAME = "recipe-auto.json"
#: timed seconds per candidate after its warm-up
PROBE_SECONDS = 2.0
WARMUP_STEPS = 2
#: part of every cache key: raise it when a change to the models or the input pipeline
#: changes their speed or the probe's rule (2: the fused BatchNorm and tf.data without its
#: autotuner; 3: the recipe's levers timed first and kept within `MARGIN`; 4: the GRUs'
#: `LeanGRU`), so that choices made by the old code are probed again
CACHE_REVISION = 4
#: how much faster another lever set must be to replace the recipe's (or the one chosen so
#: far): two probes of one idle machine differ by a few percent (batch 32 against 64 of
#: cnn2d_resnet on an AMD EPYC: 835 and 842 samples/s), a busy one by more
MARGIN = 0.05
#: the levers searched in the threads=all child, in this order
LEVERS = ("precision", "jit_compile", "batch_size")

#: times one candidate: {"precision", "jit_compile", "batch_size", "threads"} -> samples/s
TimeOne = Callable[[dict], float]
#: times candidates in one process with `threads`: (model, threads, base, options) -> rows
Measure = Callable[[str, int, dict, dict], list]


class NotApplicable(Exception):
    """A candidate that would train as another one (its lever does not take effect)."""


def search(base: dict, options: dict, time_one: TimeOne, progress: Callable[[str], None] = lambda _: None) -> list:
    """Coordinate search: time `base` (the recipe's levers) first, then for each lever of
    `LEVERS` in turn the best so far with each of its `options`, keeping the fastest
    (`fastest`). Returns the rows {**candidate, "samples_per_s"}, each candidate timed once."""
    rows: list[dict] = []

    def time_once(candidate: dict) -> None:
        if any(_same(row, candidate) for row in rows):
            return
        progress(f"timing {describe_candidate(candidate)} ...")
        try:
            speed = time_one(candidate)
        except NotApplicable as why:
            progress(f"  skipped: {why}")
            return
        rows.append({**candidate, "samples_per_s": round(float(speed), 1)})
        progress(f"  {rows[-1]['samples_per_s']:,.0f} samples/s")

    time_once(dict(base))
    best = dict(base)
    for lever in LEVERS:
        for value in options.get(lever, [best[lever]]):
            time_once({**best, lever: value})
        best = fastest(rows)
    return rows


def _same(row: dict, candidate: dict) -> bool:
    return all(row[k] == v for k, v in candidate.items())


def describe_candidate(c: dict) -> str:
    return (f"{c['precision']}, XLA {'on' if c['jit_compile'] else 'off'}, batch {c['batch_size']}, "
            f"{c['threads']} thread{'s' * (c['threads'] != 1)}")


def thread_options(all_threads: int) -> list[int]:
    """All cores, and half of them (one core: just the one)."""
    return [all_threads] if all_threads <= 1 else [all_threads, all_threads // 2]


def all_threads() -> int:
    """The cores a run may use: ``TF_NUM_INTRAOP_THREADS`` where set (``reproduce --jobs``),
    else the cores of this process."""
    given = os.environ.get("TF_NUM_INTRAOP_THREADS", "")
    return int(given) if given.isdigit() and int(given) > 0 else machine.cores()


def candidates(config, described: dict) -> tuple[dict, dict]:
    """(the base candidate, the options of each lever) for `config` (recipe auto) on the
    machine `described`; levers `config` fixes are not probed."""
    recipe = base_recipe(registry.get(config.model).recipe)
    threads = thread_options(all_threads()) if config.threads is None else [config.threads]
    bf16 = "avx512_bf16" in described["features"]
    options = {
        "precision": [config.precision] if config.precision is not None else
        [p for p in TESTED_PRECISIONS[recipe.name] if bf16 or p != "mixed_bfloat16"],
        "jit_compile": [False, True],
        "batch_size": [config.batch_size] if config.batch_size is not None else list(TESTED_BATCHES[recipe.name]),
        "threads": threads,
    }
    base = {"precision": config.precision or (recipe.precision if recipe.precision in options["precision"]
                                              else "float32"),
            "jit_compile": False, "batch_size": config.batch_size or recipe.batch_size, "threads": threads[0]}
    return base, options


def probe(model: str, base: dict, options: dict, measure: Measure) -> list:
    """Every timed row: levers 1-3 with all threads, then the winner with each other thread count."""
    rows = measure(model, base["threads"], base, options)
    best = fastest(rows)
    for threads in options["threads"][1:]:
        rows += measure(model, threads, {**best, "threads": threads}, {})
    return rows


def fastest(rows: list) -> dict:
    """The chosen levers: the first row (the recipe's own levers, timed first), replaced in
    turn by each later row that is more than `MARGIN` faster than the choice so far, so
    that a difference within the probe's noise does not change the levers."""
    best = rows[0]
    for row in rows[1:]:
        if row["samples_per_s"] > best["samples_per_s"] * (1 + MARGIN):
            best = row
    return {k: v for k, v in best.items() if k != "samples_per_s"}


def table(rows: list, chosen: dict) -> str:
    """The probe's table: candidate, samples/s, chosen."""
    from keras_models.audit import format_table

    return format_table([{"candidate": describe_candidate(r), "samples/s": f"{r['samples_per_s']:,.0f}",
                          "chosen": "<==" if _same(r, chosen) else ""} for r in rows])


# Cache ------------------------------------------------------------------------
def cache_path() -> Path:
    return cache_root() / CACHE_NAME


def cache_key(model: str, options: dict) -> str:
    """One model, the candidates probed (a lever fixed by a flag probes other ones), the
    TensorFlow and Keras versions (their kernels decide the speed as much as the CPU) and
    `CACHE_REVISION` (our code's)."""
    return f"{model} {json.dumps(options, sort_keys=True)} {_versions()} revision {CACHE_REVISION}"


def _versions() -> str:
    return f"tensorflow {machine.tensorflow_version()} keras {machine.package_version('keras')}"


def read_cache(path: Path) -> dict:
    """The cache's entries ({} if missing or unreadable: it is only ever a shortcut)."""
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def cached(path: Path, machine_key: str, key: str) -> dict | None:
    entry = read_cache(path).get(machine_key, {}).get(key)
    return entry if isinstance(entry, dict) and isinstance(entry.get("rows"), list) and entry["rows"] else None


def remember(path: Path, machine_key: str, key: str, rows: list) -> None:
    """Add the rows of one probe to the cache (atomically; other entries kept)."""
    entries = read_cache(path)
    entries.setdefault(machine_key, {})[key] = {"rows": rows,
                                                "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    outputs.write_text(path, json.dumps(entries, indent=1) + "\n", flag="the cache ($KERAS_MODELS_CACHE)")


# The choice -----------------------------------------------------------------
def choose(config, measure: Measure | None = None, described: dict | None = None):
    """`config` (recipe auto, levers not yet chosen) with the fastest levers on this machine
    filled in and `auto_levers` saying where they come from; prints the probe's table.
    `measure` times candidates (default: a child process per thread count)."""
    described = machine.describe() if described is None else described
    machine_key = machine.key(described)
    base, options = candidates(config, described)
    key, path = cache_key(config.model, options), cache_path()
    entry = cached(path, machine_key, key)
    if entry is None:
        n = sum(len(v) for k, v in options.items() if k != "threads") + len(options["threads"])
        print(f"recipe auto: timing up to {n} candidate lever sets of {config.model} on {described['cpu']} "
              f"({described['family']}, {described['cores']} cores); the numbers are this moment's, on a busy "
              "machine they vary", flush=True)
        started = time.perf_counter()
        rows = probe(config.model, base, options, measure or measure_in_child)
        print(f"recipe auto: probed in {time.perf_counter() - started:.0f} s", flush=True)
        remember(path, machine_key, key, rows)
        how = "probed"
    else:
        rows, how = entry["rows"], f"cached in {path} ({entry.get('when', '?')})"
    chosen = fastest(rows)
    print(table(rows, chosen))
    speed = max(r["samples_per_s"] for r in rows)
    note = (f"{how} on {described['cpu']} ({described['family']}, {described['cores']} cores, oneDNN "
            f"{described['onednn_isa']}): {describe_candidate(chosen)} at {speed:,.0f} samples/s")
    print(f"recipe auto: {note}", flush=True)
    return config.replace(recipe=AUTO, auto_levers=note, **chosen)


# A run's levers -------------------------------------------------------------
def defaults_to_auto(config) -> bool:
    """True where `config` names no recipe and its model's is a cpu one (`recipe.TESTED_BATCHES`)."""
    return config.recipe is None and registry.get(config.model).recipe in TESTED_BATCHES


def planned_beats(config, train_beats: int) -> int:
    """The beats a new run of `config` trains on: epochs x (steps per epoch x batch, or the
    `train_beats` of its training split)."""
    recipe = config.effective_recipe()
    return recipe.epochs * (config.steps_per_epoch * recipe.batch_size if config.steps_per_epoch else train_beats)


def settle(config, train_beats: int, measure: Measure | None = None, described: dict | None = None):
    """The levers a new run of `config` trains with, given its `train_beats`, before
    TensorFlow starts in this process:

    * ``--recipe auto``: the fastest on this machine (`choose`: probed, or cached);
    * no recipe, and the model's is a cpu one: the same, when the run plans at least
      `WORTH_PROBING_BEATS` training beats; else the recipe's own levers (one line says so);
    * any other: `config` as it is.
    """
    if config.needs_probe:
        return choose(config, measure, described)
    if not defaults_to_auto(config):
        return config
    name, planned = config.effective_recipe().name, planned_beats(config, train_beats)
    if planned < WORTH_PROBING_BEATS:
        print(f"recipe: {name} with its own levers (a run of {planned:,} training beats is too short to repay the "
              f"lever probe; --recipe {AUTO} probes anyway)", flush=True)
        return config
    print(f"recipe: {AUTO}, the {name} recipe with the levers fastest on this machine ({planned:,} training beats; "
          f"--recipe {name} keeps the recipe's own)", flush=True)
    return choose(config.replace(recipe=AUTO), measure, described)


# The child process ----------------------------------------------------------
def measure_in_child(model: str, threads: int, base: dict, options: dict) -> list:
    """`search` in a fresh process whose TensorFlow runs `threads` threads per pool; its
    progress goes to the console."""
    payload = json.dumps({"model": model, "threads": threads, "base": base, "options": options})
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    done = subprocess.run([sys.executable, "-m", __name__, payload], stdout=subprocess.PIPE, text=True, env=env)
    if done.returncode != 0:
        raise UserError(f"--recipe auto: timing {model} with {threads} threads failed (exit {done.returncode}; its "
                        "error is above); give the recipe's levers instead, e.g. --recipe "
                        f"{base_recipe(model).name}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_candidate(model: str, candidate: dict, seconds: float = PROBE_SECONDS) -> float:
    """Samples/s of `model` training on random beats with `candidate`'s levers, in this
    process (its thread pools already set): `WARMUP_STEPS` steps (tracing, XLA), then about
    `seconds` of steps, timed in two halves of which the faster counts."""
    import keras
    import numpy as np

    from keras_models import precision
    from keras_models.batches import training_batches

    keras.backend.clear_session()  # the candidates before leave nothing behind
    spec = registry.get(model)
    batch = candidate["batch_size"]
    rng = np.random.default_rng(0)
    x = rng.random((batch * 8, *spec.input_shape), dtype=np.float32)
    y = rng.integers(0, 5, len(x))
    keras.utils.set_random_seed(0)
    net = precision.build(spec.build, candidate["precision"])
    net.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=candidate["jit_compile"],
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    if candidate["jit_compile"] and not net.jit_compile:
        raise NotApplicable("Keras turns XLA off under deterministic ops, which every run uses, so XLA on trains as "
                            "XLA off")

    def steps(n: int) -> float:
        data, clock = training_batches(x, y, batch, seed=0, steps_per_epoch=n)
        started = time.perf_counter()
        net.fit(data, epochs=1, callbacks=[clock], shuffle=False, verbose=0)
        return time.perf_counter() - started

    steps(WARMUP_STEPS)
    first = steps(2)
    n = max(2, min(100, math.ceil(seconds / 2 / max(first / 2, 1e-6))))
    return n * batch / min(steps(n), steps(n))  # the faster half: another process's burst slows one, rarely both


def child_main(payload: str) -> None:
    import tensorflow as tf

    from keras_models.runner import set_seed, set_threads

    warnings.filterwarnings("ignore", message=".*jit_compile")  # NotApplicable says it, once per row
    request = json.loads(payload)
    set_threads(request["threads"])
    set_seed(0)  # the runner's deterministic ops
    tf.get_logger().setLevel("ERROR")
    rows = search({**request["base"], "threads": request["threads"]}, request["options"],
                  lambda c: time_candidate(request["model"], c),
                  progress=lambda line: print(f"recipe auto: {line}", file=sys.stderr, flush=True))
    print(json.dumps(rows))


if __name__ == "__main__":
    child_main(sys.argv[1])
