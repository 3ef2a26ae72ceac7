"""Bad input to the tuning command: one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import pytest

from conftest import run_refused, tree, write_series
from experiments import tune
from keras_models import cli

MODULE = "experiments.tune"


def _nab(p):
    return ["--model", "nab_base", "--csv", write_series(p / "s.csv", n=200, spikes=(150,))]


BAD_INPUTS = {
    "unknown model": (lambda p: ["--model", "resnet9000"], "unknown model 'resnet9000'; tunable models: nab_base"),
    "untunable model": (lambda p: ["--model", "part1_autoencoder"], "unknown model 'part1_autoencoder'"),
    "unknown tuner": (lambda p: ["--tuner", "grid"],
                      "argument --tuner: unknown value 'grid'; choose one of: random, bayesian, hyperband"),
    "unknown search-space key": (lambda p: ["--space", "width=3"], "unknown search-space key 'width' for cnn2d_resnet"),
    "zero trials": (lambda p: ["--trials", "0"], "--trials: expected a positive integer"),
    "negative trials": (lambda p: ["--trials", "-3"], "--trials: expected a positive integer"),
    "space without =": (lambda p: ["--space", "hidden"], "bad --space 'hidden'"),
    "space value of the wrong type": (lambda p: ["--space", "num_blocks=two"], "num_blocks takes int values"),
    "unknown optimizer": (lambda p: ["--space", "optimizer=adam,adagrad"], "unknown value 'adagrad'"),
    "heads that do not divide hidden": (lambda p: ["--model", "transformer2d_resnet", "--space", "num_heads=3"],
                                        "is not divisible by num_heads=3"),
    "patch that does not divide the image": (lambda p: ["--model", "vit", "--space", "patch_size=4,7"],
                                             "not a multiple of patch_size=7"),
    "seed out of range": (lambda p: ["--seed", "4294967296"], "expected a seed in 0..4294967295"),
    "max-train-beats for another family": (lambda p: _nab(p) + ["--max-train-beats", "100"],
                                           "--max-train-beats is for heartbeat models only"),
    "unknown objective": (lambda p: _nab(p) + ["--objective", "val_f1_macro"], "unknown --objective 'val_f1_macro'"),
    "negative workers": (lambda p: ["--workers", "-1"], "--workers: expected an integer in 0..64"),
    "balance is searched, not set": (lambda p: ["--balance", "none"], "unrecognized arguments: --balance"),
    "missing series file": (lambda p: ["--model", "nab_base", "--csv", p / "nope.csv"], "file not found"),
    "resume of a missing run": (lambda p: ["--resume", p / "runs" / "tune" / "none"], "no such run folder"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(tmp_path, monkeypatch, capsys, case):
    """In-process (fast): `cli.main` is what `python -m experiments.tune` runs."""
    make_args, expected = BAD_INPUTS[case]
    args = [str(a) for a in make_args(tmp_path)]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_MODELS_DATA", str(tmp_path / "nothing"))
    before = tree(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(tune.main, args + ["--runs-dir", str(tmp_path / "runs")])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
    assert tree(tmp_path) == before, "a bad input must not write or change any file"


@pytest.mark.parametrize("args, expected", [
    (["--model", "nope", "--tuner", "random"], "unknown model 'nope'"),
    (["--trials", "0"], "expected a positive integer"),
])
def test_the_command_line_exits_2_with_one_line(tmp_path, args, expected):
    run_refused(MODULE, *args, "--runs-dir", tmp_path / "runs", expected=expected, cwd=tmp_path)


def test_existing_run_folder_is_refused(tmp_path, capsys):
    args = [str(a) for a in _nab(tmp_path)] + ["--run-id", "mine", "--runs-dir", str(tmp_path / "runs")]
    (tmp_path / "runs" / "tune" / "mine").mkdir(parents=True)
    before = tree(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(tune.main, args)
    assert exit_info.value.code == 2 and "already exists" in capsys.readouterr().err
    assert tree(tmp_path) == before


def test_show_space_prints_the_space(capsys):
    tune.main(["--model", "transformer2d_resnet", "--show-space", "--space", "num_heads=2,4"])
    out = capsys.readouterr().out
    for text in ["| num_heads | architecture | choice | 2, 4 |",
                 "| optimizer | training | choice | adam, adamw, sgd, rmsprop |",
                 "| learning_rate | training | float | 0.0001 .. 0.01 (log) |", "| balance |"]:
        assert text in out, text
