"""The run-folder checks on runs the package really trained (one tiny NAB run each, 1
epoch), through the commands as a user starts them: exit status 2 and one stderr line.

The fast matrix of every damage against every reader is `test_hostile_runfolders`.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import run_cli, run_refused, write_series, write_windows
from keras_models import nab, runfiles

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    """A finished labelled v3 run, a finished ``--csv`` run without labels, and the series."""
    root = tmp_path_factory.mktemp("trained")
    (root / "series").mkdir()
    series = write_series(root / "series" / "Synthetic.csv", n=700, spikes=(560, 640))
    labels = write_windows(root / "windows.json", "Synthetic.csv", [("2015-03-02 22:00:00", "2015-03-03 06:00:00")])
    config = nab.Config(version="v3", csv=series, epochs=1, runs_dir=root / "runs", tensorboard=False)
    return {"series": series,
            "labelled": nab.run(config.replace(labels=labels, run_id="labelled")).run_dir,
            "unlabelled": nab.run(config.replace(run_id="unlabelled")).run_dir}


def _copy(source: Path, tmp_path: Path, name: str | None = None) -> Path:
    target = tmp_path / "runs" / source.parent.name / (name or source.name)
    shutil.copytree(source, target)
    return target


def _interrupted(trained, tmp_path) -> Path:
    """A copy of the finished run that has not finished (its metrics.json gone)."""
    run = _copy(trained["labelled"], tmp_path, "interrupted")
    (run / runfiles.METRICS).unlink()
    return run


@pytest.mark.parametrize("key,value", [("window", 10), ("version", "base")])
def test_resume_of_a_run_whose_config_json_was_edited_is_refused(trained, tmp_path, key, value):
    run = _interrupted(trained, tmp_path)
    recorded = json.loads((run / "config.json").read_text())
    recorded["config"][key] = value
    (run / "config.json").write_text(json.dumps(recorded, indent=2))
    line = run_refused("experiments.nab_autoencoder", "--resume", run, cwd=tmp_path,
                       expected=f"{run / 'config.json'}: changed since the run was created")
    assert "restore the original config.json, or start a new run" in line


def test_predict_with_a_model_cut_in_half_names_the_damage(trained, tmp_path):
    run = _copy(trained["labelled"], tmp_path)
    model = run / "model.keras"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    line = run_refused("experiments.predict", run, trained["series"], cwd=tmp_path,
                       expected=f"{model}: damaged, not a whole zip archive")
    assert "File not found" not in line


def test_predict_with_a_model_keras_cannot_load_says_so(trained, tmp_path):
    run = _copy(trained["labelled"], tmp_path)
    model = run / "model.keras"
    with zipfile.ZipFile(model) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["config.json"] = b'{"class_name": "NoSuchLayer", "config": {}}'
    with zipfile.ZipFile(model, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    # TensorFlow is started to load it, and prints its own start-up lines first; no traceback follows
    result = run_cli("experiments.predict", run, trained["series"], cwd=tmp_path)
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert last.startswith(f"error: {model}: cannot be loaded as a Keras model (Could not locate class 'NoSuchLayer'")


def test_detection_choice_refuses_a_csv_run_without_labels(trained, tmp_path):
    run_refused("experiments.nab_detection_choice", trained["labelled"], trained["unlabelled"], cwd=tmp_path,
                expected=f"{trained['unlabelled']}: its series has no labelled windows")


def test_detection_choice_names_damaged_reconstructions(trained, tmp_path):
    run = _copy(trained["labelled"], tmp_path)
    saved = run / runfiles.RECONSTRUCTIONS
    saved.write_bytes(saved.read_bytes()[:200])
    run_refused("experiments.nab_detection_choice", run, cwd=tmp_path, expected=f"{saved}: damaged")
