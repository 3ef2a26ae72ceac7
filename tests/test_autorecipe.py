"""``--recipe auto`` with a fake clock (no training), and `keras_models.machine` on two CPU families."""

from __future__ import annotations

import json

import numpy as np
import pytest

from keras_models import heartbeat, machine, runfiles, runner
from keras_models.heartbeat import autorecipe
from keras_models.heartbeat import api as heartbeat_api
from keras_models.heartbeat.beatset import BeatSet
from keras_models.heartbeat.data import HeartbeatData
from keras_models.rundir import RunDir

XEON = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8488C
flags\t\t: fpu sse4_1 avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8

processor\t: 1
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8488C
flags\t\t: fpu
"""
EPYC = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu sse4_1 avx2 avx512f avx512_vnni avx512_bf16
"""
XEON_MACHINE = machine.describe_text(XEON, environ={}, n_cores=2)
EPYC_MACHINE = machine.describe_text(EPYC, environ={}, n_cores=2)


def test_machine_reads_both_families_from_cpuinfo():
    assert XEON_MACHINE == {"cpu": "Intel(R) Xeon(R) Platinum 8488C", "cores": 2,
                            "features": ["amx_bf16", "amx_tile", "avx2", "avx512_bf16", "avx512_vnni", "avx512f"],
                            "family": "Intel Xeon (AMX)", "onednn_isa": "avx512_core_amx",
                            "onednn_isa_source": "cpu flags"}
    assert EPYC_MACHINE["family"] == "AMD EPYC (AVX512-BF16)"
    assert EPYC_MACHINE["onednn_isa"] == "avx512_core_bf16"
    assert machine.key(XEON_MACHINE) != machine.key(EPYC_MACHINE)
    capped = machine.describe_text(XEON, environ={"ONEDNN_MAX_CPU_ISA": "AVX2"}, n_cores=2)
    assert (capped["onednn_isa"], capped["onednn_isa_source"]) == ("avx2", "ONEDNN_MAX_CPU_ISA")
    assert machine.describe_text("", environ={}, n_cores=1)["features"] == []


def fake_speed(candidate: dict) -> float:
    """An AMX-like machine: XLA and bfloat16 help, batch 64 beats 32, one thread is slower."""
    speed = 500.0 * (1.4 if candidate["jit_compile"] else 1.0) * (1.5 if candidate["precision"] != "float32" else 1)
    return speed * (1.1 if candidate["batch_size"] == 64 else 1.0) * (1.0 if candidate["threads"] == 2 else 0.6)


def fake_measure(calls: list):
    def measure(model, threads, base, options):
        calls.append((model, threads))
        return autorecipe.search({**base, "threads": threads}, options, fake_speed)
    return measure


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_MODELS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(autorecipe.machine, "cores", lambda: 2)
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    return tmp_path / "cache" / autorecipe.CACHE_NAME


def auto_config(tmp_path, **changes):
    return heartbeat.Config(**{"model": "cnn2d_resnet", "recipe": "auto", "runs_dir": tmp_path / "runs", **changes})


def beats(n_train: int) -> HeartbeatData:
    """Loaded beats with `n_train` training beats (all zeros: nothing here trains)."""
    def part(n):
        return BeatSet(np.zeros((n, 187), np.float32), np.arange(n) % 5)
    return HeartbeatData({"train": part(n_train), "val": part(5), "test": part(5)}, {"synthetic": True}, ())


def test_auto_picks_the_fastest_levers_and_caches_them_per_machine_and_model(tmp_path, cache, capsys):
    calls: list = []
    chosen = autorecipe.choose(auto_config(tmp_path), fake_measure(calls), XEON_MACHINE)
    assert (chosen.precision, chosen.jit_compile, chosen.batch_size, chosen.threads) == ("mixed_bfloat16", True, 64, 2)
    assert calls == [("cnn2d_resnet", 2), ("cnn2d_resnet", 1)]  # all cores searched, the winner on half
    out = capsys.readouterr().out
    assert "mixed_bfloat16, XLA on, batch 64, 2 threads" in out and "<==" in out and "probed on" in chosen.auto_levers
    # the same machine and model: from the cache, no timing
    again = autorecipe.choose(auto_config(tmp_path), fake_measure(calls), XEON_MACHINE)
    assert len(calls) == 2 and again.batch_size == 64 and "cached in" in again.auto_levers
    # another machine, or another model: probed again
    autorecipe.choose(auto_config(tmp_path), fake_measure(calls), EPYC_MACHINE)
    autorecipe.choose(auto_config(tmp_path, model="attention_gru"), fake_measure(calls), XEON_MACHINE)
    assert len(calls) == 6
    entries = json.loads(cache.read_text())
    assert set(entries) == {machine.key(XEON_MACHINE), machine.key(EPYC_MACHINE)}
    assert len(entries[machine.key(XEON_MACHINE)]) == 2


def test_auto_keeps_to_the_tested_batches_and_the_levers_given(tmp_path, cache):
    base, options = autorecipe.candidates(auto_config(tmp_path, model="attention_gru"), XEON_MACHINE)
    assert options["batch_size"] == [64] and base["batch_size"] == 64 and base["precision"] == "float32"
    no_bf16 = {**XEON_MACHINE, "features": ["avx2", "avx512f"]}
    assert autorecipe.candidates(auto_config(tmp_path), no_bf16)[1]["precision"] == ["float32"]
    fixed = autorecipe.choose(auto_config(tmp_path, precision="float32", threads=1), fake_measure([]), XEON_MACHINE)
    assert (fixed.precision, fixed.threads, fixed.jit_compile) == ("float32", 1, True)
    # a lever that would not take effect (XLA under deterministic ops) is skipped, not timed

    def no_xla(candidate):
        if candidate["jit_compile"]:
            raise autorecipe.NotApplicable("XLA off")
        return fake_speed(candidate)
    base, options = autorecipe.candidates(auto_config(tmp_path), XEON_MACHINE)
    rows = autorecipe.search(base, options, no_xla)
    assert [r["jit_compile"] for r in rows] == [False, False, False]
    # the learning rate follows the chosen batch by the recipe's scaling
    recipe = auto_config(tmp_path, batch_size=32).effective_recipe()
    assert (recipe.name, recipe.lr_scaling, recipe.schedule) == ("auto", "sqrt", "cosine")


def test_auto_records_its_levers_and_a_resumed_run_keeps_them(tmp_path, cache, monkeypatch, capsys):
    started: list = []
    monkeypatch.setattr(runner, "run_experiment", lambda config, *a, **k: started.append(config))
    monkeypatch.setattr(autorecipe, "measure_in_child", fake_measure([]))
    monkeypatch.setattr(autorecipe.machine, "describe", lambda: XEON_MACHINE)
    heartbeat_api.run(auto_config(tmp_path), loaded=beats(10))  # --recipe auto probes however short the run
    record = started[0].resolved().to_dict()  # what config.json stores (`heartbeat.experiment.make_job`)
    assert {k: record[k] for k in ("recipe", "precision", "jit_compile", "batch_size", "threads")} == \
        {"recipe": "auto", "precision": "mixed_bfloat16", "jit_compile": True, "batch_size": 64, "threads": 2}
    assert record["auto_levers"].startswith("probed on Intel(R) Xeon(R) Platinum 8488C (Intel Xeon (AMX)")
    run = RunDir(tmp_path / "runs" / "heartbeat" / "interrupted")
    run.path.mkdir(parents=True)
    runfiles.write_config(run, {"experiment": "heartbeat", "model": "cnn2d_resnet", "config": record})
    monkeypatch.setattr(autorecipe, "choose", lambda *a, **k: pytest.fail("a resumed run must not probe"))
    capsys.readouterr()
    heartbeat_api.resume(run.path)
    assert started[1] == heartbeat.Config.from_dict(record) and not started[1].needs_probe
    assert capsys.readouterr().out.startswith("recipe auto: keeping the recorded levers (mixed_bfloat16, XLA on, "
                                              "batch 64, 2 threads; probed on Intel(R) Xeon(R) Platinum 8488C")
    with pytest.raises(Exception, match="needs recipe 'auto'"):
        heartbeat.Config(auto_levers="probed", recipe="cpu")


def test_a_cpu_recipe_model_given_no_recipe_probes_when_its_run_is_long_enough(tmp_path, cache, capsys):
    calls: list = []
    long_run = autorecipe.settle(heartbeat.Config(model="cnn2d_resnet"), 87_000, fake_measure(calls), XEON_MACHINE)
    assert (long_run.recipe, long_run.precision, long_run.jit_compile) == ("auto", "mixed_bfloat16", True)
    assert len(calls) == 2 and "recipe: auto, the cpu recipe with the levers fastest" in capsys.readouterr().out
    # a short run (4 epochs x 20,000 beats, or 4 x 300 steps of 64) keeps the recipe's own levers
    for short in (autorecipe.settle(heartbeat.Config(model="cnn2d_resnet"), 20_000, fake_measure(calls)),
                  autorecipe.settle(heartbeat.Config(model="cnn2d_resnet", steps_per_epoch=300), 87_000,
                                    fake_measure(calls))):
        assert short.recipe is None and short.resolved().recipe == "cpu" and short.resolved().jit_compile is False
    assert len(calls) == 2 and "a run of 80,000 training beats is too short" in capsys.readouterr().out
    # a recipe given, or a model whose recipe is not a cpu one: as given, no probe
    for given in (heartbeat.Config(model="cnn2d_resnet", recipe="cpu"), heartbeat.Config(model="gru1d",
                                                                                          recipe="report")):
        assert autorecipe.settle(given, 87_000, fake_measure(calls)) is given
    assert len(calls) == 2
    # the GRUs' recipe was accuracy-tested in float32 only: auto keeps it there
    assert autorecipe.candidates(auto_config(tmp_path, model="gru1d"), XEON_MACHINE)[1]["precision"] == ["float32"]


def test_the_recipes_levers_are_timed_first_and_kept_unless_another_set_is_clearly_faster():
    base = {"precision": "mixed_bfloat16", "jit_compile": False, "batch_size": 64, "threads": 2}
    order: list = []
    autorecipe.search(base, {"batch_size": [32, 64]}, lambda c: order.append(c["batch_size"]) or 100.0)
    assert order == [64, 32]
    rows = [{**base, "samples_per_s": 842.0}, {**base, "batch_size": 32, "samples_per_s": 860.0}]
    assert autorecipe.fastest(rows)["batch_size"] == 64  # 2 % faster: within the probe's noise
    rows.append({**base, "threads": 1, "samples_per_s": 950.0})
    assert autorecipe.fastest(rows)["threads"] == 1  # 13 % faster than the choice so far
