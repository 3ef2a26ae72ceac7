"""Registry, run folders, data-path resolution and the parameter audit."""

from __future__ import annotations

import json

import pytest

from keras_models import datapaths, registry
from keras_models.errors import UserError
from keras_models.rundir import RunDir, check_new_run


def test_registry_lookup_and_unknown_name():
    assert {"part1_autoencoder", "nab_base", "nab_v1", "nab_v2", "nab_v3"} <= set(registry.names())
    assert registry.names("nab") == ["nab_base", "nab_v1", "nab_v2", "nab_v3"]
    with pytest.raises(UserError, match="unknown model 'nab_v9'; known models: part1_autoencoder"):
        registry.get("nab_v9")
    with pytest.raises(UserError, match="unknown model 'vit'; known heartbeat models: cnn2d_resnet"):
        registry.get("vit", family="heartbeat")


def test_listing_and_checking_models_imports_no_tensorflow():
    """Model modules name Keras lazily: the registry and argument checks run without TensorFlow."""
    import subprocess
    import sys

    code = ("import sys; from keras_models import registry; names = registry.names(); "
            "registry.get('vit').check_kwargs({'patch_size': 4}); "
            "print(len(names), 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(len(registry.names())), "False", "False"]


@pytest.mark.parametrize("kwargs, message", [
    ({"patch_size": "abc"}, "patch_size: expected a positive integer, got 'abc'"),
    ({"patch_size": -4}, "patch_size: expected a positive integer, got -4"),
    ({"patch_size": 7}, "image size 64x64 is not a multiple of patch_size=7"),
    ({"dropout": 1.5}, "dropout: expected a rate in [0, 1), got 1.5"),
    ({"num_heads": 3}, "projection_dim=128 is not divisible by num_heads=3"),
    ({"depth": 2}, "vit has no hyper-parameter 'depth'"),
])
def test_builder_arguments_are_checked_by_the_spec(kwargs, message):
    with pytest.raises(UserError) as caught:
        registry.get("vit").check_kwargs(kwargs)
    assert message in str(caught.value)
    assert registry.get("vit").check_kwargs({"patch_size": "4", "dropout": "0.2"}) == {"patch_size": 4, "dropout": 0.2}


def test_every_spec_carries_its_facts():
    """View (heartbeat), recipe and documented accuracy (images), tunable keys that are builder arguments."""
    for spec in registry.specs():
        assert set(spec.tunable) <= set(spec.parameter_names()), spec.name
        if spec.family == "heartbeat":
            assert spec.view in ("1d", "2d")
        if spec.family == "images":
            assert spec.recipe in ("basic", "vit") and 0 < spec.documented["test_accuracy"] < 1


def test_run_folders_are_never_reused(tmp_path):
    first = RunDir.create(tmp_path, "exp", tag="x")
    second = RunDir.create(tmp_path, "exp", tag="x")
    assert first.path != second.path and first.path.parent == second.path.parent
    named = RunDir.create(tmp_path, "exp", run_id="mine")
    with pytest.raises(UserError, match="already exists"):
        RunDir.create(tmp_path, "exp", run_id="mine")
    with pytest.raises(UserError, match="already exists"):
        check_new_run(tmp_path, "exp", "mine")
    assert named.path.is_dir()


@pytest.mark.parametrize("run_id", ["../escape", "a/b", "", "with space", "x" * 300])
def test_bad_run_ids(tmp_path, run_id):
    with pytest.raises(UserError, match="bad --run-id"):
        check_new_run(tmp_path, "exp", run_id)


def test_resume_checks(tmp_path):
    run = RunDir.create(tmp_path, "exp")
    with pytest.raises(UserError, match="no config.json"):
        RunDir.open_for_resume(run.path, "exp")
    run.write_json("config.json", {"experiment": "other", "config": {}})
    with pytest.raises(UserError, match="belongs to experiment 'other'"):
        RunDir.open_for_resume(run.path, "exp")
    run.write_json("config.json", {"experiment": "exp", "config": {}})
    assert RunDir.open_for_resume(run.path, "exp") == run
    run.write_json("metrics.json", {})
    with pytest.raises(UserError, match="already finished"):
        RunDir.open_for_resume(run.path, "exp")


def test_write_json_handles_numpy(tmp_path):
    import numpy as np

    run = RunDir.create(tmp_path, "exp")
    run.write_json("m.json", {"a": np.float32(1.5), "b": np.arange(2)})
    assert json.loads((run.path / "m.json").read_text()) == {"a": 1.5, "b": [0, 1]}


@pytest.fixture
def data_env(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_MODELS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("KERAS_MODELS_DATA", raising=False)
    return tmp_path


def test_resolution_order(data_env, monkeypatch):
    rel = "nab/data/x/y.csv"
    cached = data_env / "cache" / rel
    cached.parent.mkdir(parents=True)
    cached.write_text("cache")
    assert datapaths.resolve(rel) == cached
    local = data_env / "local" / rel
    local.parent.mkdir(parents=True)
    local.write_text("local")
    monkeypatch.setenv("KERAS_MODELS_DATA", str(data_env / "local"))
    assert datapaths.resolve(rel) == local
    assert datapaths.resolve(rel, explicit=cached) == cached
    with pytest.raises(UserError, match="file not found: .*check the path given to --csv"):
        datapaths.resolve(rel, explicit=data_env / "missing.csv", flag="--csv")


def test_offline_and_missing_names_the_fix(data_env):
    with pytest.raises(UserError, match="downloads are off.*KERAS_MODELS_DATA"):
        datapaths.resolve("nab/z.csv", remote=datapaths.Remote("file:///nowhere", "0" * 64))
    with pytest.raises(UserError, match="no pinned download"):
        datapaths.resolve("nab/z.csv")


@pytest.mark.slow
def test_pinned_hashes_match_the_local_copy(real_data):
    from keras_models.nab.data import NAB_SHA256

    for rel, digest in NAB_SHA256.items():
        assert datapaths.sha256_of(real_data / "nab" / rel) == digest, rel


def test_audit_numbers():
    from keras_models import audit

    rows = {row.name: row for row in audit.audit(["part1_autoencoder", "nab_base", "nab_v1", "nab_v2", "nab_v3"])}
    assert {n: r.trainable for n, r in rows.items()} == {
        "part1_autoencoder": 1_058_824, "nab_base": 588, "nab_v1": 1_356, "nab_v2": 1_356, "nab_v3": 4_193}
    assert rows["part1_autoencoder"].documented == 1_057_824 and rows["part1_autoencoder"].difference == 1_000
    assert "1,000 biases" in rows["part1_autoencoder"].note
    assert all(rows[n].difference == 0 for n in registry.names("nab"))
