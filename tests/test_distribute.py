"""`--distribute`: the option rules, bad input, mirrored training on 2 logical CPU devices
(kill and resume included), and the multi-worker failure of Keras 3 as an expected failure."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO, run_cli, run_refused, tree, write_series
from test_resume import comparable, kill_and_resume
from keras_models import UserError, distribute, nab

MIRRORED = ("--distribute", "mirrored", "--devices", "cpu:0,cpu:1")
GOOD_TF_CONFIG = json.dumps({"cluster": {"worker": ["127.0.0.1:12345", "127.0.0.1:12346"]},
                             "task": {"type": "worker", "index": 0}})


@pytest.mark.parametrize("text, expected", [("gpu:0,GPU:1", ("GPU:0", "GPU:1")), ("cpu:0, cpu:1", ("CPU:0", "CPU:1")),
                                            (["cpu:1"], ("CPU:1",))])
def test_device_lists_are_normalised(text, expected):
    assert distribute.device_list(text) == expected


@pytest.mark.parametrize("bad", ["tpu:0", "gpu", "gpu:0,gpu:0", "", "gpu:-1"])
def test_bad_device_lists_are_refused(bad):
    with pytest.raises(UserError, match="devices"):
        nab.Config(distribute="mirrored", devices=bad)


@pytest.mark.parametrize("settings, env, expected", [
    ({"devices": "gpu:0"}, None, "--devices lists the devices of --distribute mirrored"),
    ({"local_workers": 2}, None, "--workers starts local workers for --distribute multi-worker"),
    ({"distribute": "multi-worker"}, None, "needs TF_CONFIG"),
    ({"distribute": "multi-worker"}, "{not json", "TF_CONFIG is not valid JSON"),
    ({"distribute": "multi-worker"}, '{"cluster": {"worker": ["nohost"]}, "task": {"type": "worker", "index": 0}}',
     "host:port"),
    ({"distribute": "multi-worker"}, '{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}',
     '"task"'),
    ({"distribute": "multi-worker"}, GOOD_TF_CONFIG, "keras-team/keras#20585"),
    ({"distribute": "multi-worker", "local_workers": 2}, None, "keras-team/keras#20585"),
])
def test_option_rules(settings, env, expected, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    if env is not None:
        monkeypatch.setenv("TF_CONFIG", env)
    with pytest.raises(UserError, match=expected.replace("(", r"\(")):
        nab.Config(**settings)


@pytest.mark.parametrize("args, env, expected", [
    (("--distribute", "multi-worker"), {}, "needs TF_CONFIG"),
    (("--distribute", "multi-worker"), {"TF_CONFIG": '{"cluster": '}, "TF_CONFIG is not valid JSON"),
    (("--distribute", "multi-worker", "--workers", "2"), {}, "keras-team/keras#20585"),
    (("--distribute", "sideways"), {}, "choose one of: none, mirrored, multi-worker"),
])
def test_bad_distribution_input_ends_with_one_line(args, env, expected, tmp_path):
    csv = write_series(tmp_path / "series.csv")
    run_refused("experiments.nab_autoencoder", "--csv", csv, "--epochs", "1", *args, expected=expected,
                cwd=tmp_path, env=env)


def test_a_missing_device_ends_with_one_error_line_after_tensorflow_s_start_up_lines(tmp_path):
    """A GPU the NVIDIA driver does not show is refused before TensorFlow starts; where only
    TensorFlow can tell (another vendor's GPUs), its own start-up lines (oneDNN, absl) come first."""
    csv = write_series(tmp_path / "series.csv")
    before = tree(tmp_path)
    result = run_cli("experiments.nab_autoencoder", "--csv", csv, "--epochs", "1", "--distribute", "mirrored",
                     "--devices", "gpu:3", cwd=tmp_path)
    ours = [line for line in result.stderr.splitlines() if not line.startswith(("WARNING: All log", "I0000"))]
    assert result.returncode == 2 and len(ours) == 1, result.stderr[-2000:]
    assert ours[0] in ("error: --devices: GPU:3 not found; this machine has CPU:0",
                       "error: --devices: GPU:3 not found; this machine shows no GPU (NVIDIA driver, "
                       "CUDA_VISIBLE_DEVICES); list the devices it has, or cpu:0,cpu:1 to split the CPU"), ours
    assert tree(tmp_path) == before


@pytest.mark.slow
def test_mirrored_on_two_logical_cpus_trains_exports_and_resumes_to_the_uninterrupted_metrics(tmp_path):
    csv = write_series(tmp_path / "series.csv", n=1500, spikes=(1200,))
    runs = tmp_path / "runs"
    flags = ["--version", "v1", "--csv", str(csv), "--epochs", "4", "--batch-size", "32", "--no-tensorboard",
             "--runs-dir", str(runs), *MIRRORED]
    whole = run_cli("experiments.nab_autoencoder", *flags, "--run-id", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr[-3000:]
    metrics = json.loads((runs / "nab_autoencoder" / "whole" / "metrics.json").read_text())
    assert metrics["distribute"]["strategy"] == "MirroredStrategy" and metrics["distribute"]["replicas"] == 2
    assert metrics["export"] == {"keras_max_abs_diff": 0.0, "saved_model_max_abs_diff": 0.0}

    killed = kill_and_resume(flags, runs, tmp_path)
    assert comparable(killed) == comparable(runs / "nab_autoencoder" / "whole")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: the smallest Keras 3 training under MultiWorkerMirroredStrategy (TensorFlow's tutorial, shrunk)
MULTI_WORKER_FIT = textwrap.dedent("""
    import numpy as np, tensorflow as tf, keras
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.rand(256, 8).astype("float32")
    model.fit(tf.data.Dataset.from_tensor_slices((x, (x.sum(1) > 4).astype("int32"))).batch(32), epochs=1, verbose=0)
""")


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="Keras 3 does not train under MultiWorkerMirroredStrategy: "
                   "https://github.com/keras-team/keras/issues/20585 (and tensorflow/tensorflow#72388). When this "
                   "passes, lift the refusal in keras_models.distribute.check_options.")
def test_keras_trains_under_multi_worker_mirrored_strategy(tmp_path):
    workers = [f"127.0.0.1:{_free_port()}" for _ in range(2)]
    processes = []
    for index in range(2):
        env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2",
               "TF_CONFIG": json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen([sys.executable, "-c", MULTI_WORKER_FIT], cwd=tmp_path, env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs[0][-2000:]
