"""A damaged or hand-edited file in a run folder ends every command that reads it with one
line naming the file (exit status 2), never a traceback or a run that goes on.

Fast: the run folders are made without training, by the package's own writers
(`runner.create_run` writes config.json and its digest, `Detector.score` the detection
metrics), then damaged in copies. Each command runs in-process through `cli.main`.
"""

from __future__ import annotations

import importlib
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import write_series, write_windows
from keras_models import backup_layout, cli, nab, runfiles, runner, tune
from keras_models.errors import UserError
from keras_models.reports.plan import plan

WINDOW = 30


def _finish(run_dir: Path, loaded, config: nab.Config) -> None:
    """metrics.json, history.csv, model.keras and reconstructions.npy of a finished run
    (perfect reconstructions; a model.keras archive Keras's reader would open)."""
    from keras_models.nab.experiment import Detector

    reconstructions = loaded.windowed.windows("all")[..., 0].astype(np.float32)
    np.save(run_dir / runfiles.RECONSTRUCTIONS, reconstructions)
    detector = Detector(loaded.series, loaded.windowed, loaded.labels, config.detection, config.eval_batch)
    metrics = {"experiment": nab.EXPERIMENT, "run_id": run_dir.name, "model": config.model, "epochs_run": 2,
               "params": {"trainable": 10, "non_trainable": 0}, "train": {"loss": 0.1}, "val": {"loss": 0.2},
               "test": {"loss": 0.3}, **detector.score(reconstructions, config.model),
               "wall_seconds_this_session": 1.0}
    (run_dir / runfiles.HISTORY).write_text("epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.5\n")
    with zipfile.ZipFile(run_dir / runfiles.MODEL, "w") as archive:
        for name in ("metadata.json", "config.json", "model.weights.h5"):
            archive.writestr(name, json.dumps({"name": name}) * 200)
    runner.RunDir(run_dir).write_json(runfiles.METRICS, metrics)


def _make(config: nab.Config, finished: bool, labelled: bool = True) -> Path:
    from keras_models.nab.experiment import make_job

    loaded = nab.load(config)
    run = runner.create_run(make_job(config, loaded))
    if finished:
        _finish(run.path, loaded, config)
    else:
        (run.path / runfiles.HISTORY).write_text("epoch,loss,val_loss\n0,0.5,0.6\n")
        epoch = backup_layout.epoch_folder(run.path / "backup", 1)
        epoch.mkdir(parents=True)
        import h5py

        h5py.File(epoch / backup_layout.WEIGHTS, "w").close()
        (epoch / backup_layout.METADATA).write_text('{"epoch": 1, "batch": 0}')
        np.savez(epoch / backup_layout.ARRAYS, seed_0=np.zeros(2))
        (epoch / backup_layout.STATE).write_text('{"epoch": 1, "callbacks": []}')
    return run.path


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """Run folders written by the package's own writers, no training: a finished labelled
    NAB run, a finished ``--csv`` run without labels, an interrupted run, an interrupted
    search, and a finished run where `experiments.reproduce` plans one."""
    root = tmp_path_factory.mktemp("made")
    (root / "series").mkdir()
    series = write_series(root / "series" / "Synthetic.csv", n=700, spikes=(560, 640))
    labels = write_windows(root / "windows.json", "Synthetic.csv", [("2015-03-02 22:00:00", "2015-03-03 06:00:00")])
    base = nab.Config(version="v3", csv=series, labels=labels, window=WINDOW, epochs=2, runs_dir=root / "runs",
                      tensorboard=False)
    found = {"series": series, "root": root,
             "finished": _make(base.replace(run_id="finished"), True),
             "unlabelled": _make(base.replace(run_id="unlabelled", labels=None), True),
             "interrupted": _make(base.replace(run_id="interrupted"), False)}
    search = runner.RunDir.create(root / "runs", tune.EXPERIMENT, run_id="search")
    runfiles.write_config(search, {"experiment": tune.EXPERIMENT, "config": tune.Config(
        experiment=base.replace(run_id=None), trials=2).to_dict()})
    (search.path / "tuner" / "search" / "trial_0").mkdir(parents=True)
    (search.path / "tuner" / "search" / "oracle.json").write_text("{}")
    (search.path / "tuner" / "search" / "trial_0" / "trial.json").write_text("{}")
    found["search"] = search.path
    # the planned smoke nab-v3 run, as `reproduce --from-runs` finds it (its data is never read)
    planned = next(r for r in plan("smoke", root / "planned") if r.key == "nab-v3")
    folder = planned.folder(root / "planned")
    shutil.copytree(found["finished"], folder)
    record = runfiles.read_config(folder)
    (folder / runfiles.CONFIG).unlink()
    runfiles.write_config(runner.RunDir(folder), {**record, "config": planned.config.to_dict()})
    found["planned"] = folder
    return found


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "runs" / source.parent.name / source.name
    shutil.copytree(source, target)
    return target


def refused(capsys, command: str, *args) -> str:
    """Run `python -m experiments.<command> args` in-process: it must end with exit status 2
    and exactly one stderr line, ``error: ...``; returns that line."""
    entry = importlib.import_module(f"experiments.{command}").main
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(entry, [str(a) for a in args])
    lines = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 2 and len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


# Damage ----------------------------------------------------------------------
def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xff\xfe not what was written \x93\n" * 3)


def _edit_json(change):
    def edit(path: Path) -> None:
        document = json.loads(path.read_text())
        change(document)
        path.write_text(json.dumps(document, indent=2))
    return edit


def _without_digest(damage):
    def both(path: Path) -> None:
        (path.parent / runfiles.DIGEST).unlink()
        damage(path)
    return both


def _shape(text: str):
    return lambda path: path.write_text(text)


DAMAGE = {
    "truncated": _truncate,
    "garbage": _garbage,
    "empty": lambda path: path.write_bytes(b""),
}
CONFIG_DAMAGE = {
    **DAMAGE,
    "hand-edited window": _edit_json(lambda d: d["config"].update(window=10)),
    "hand-edited version": _edit_json(lambda d: d["config"].update(version="base")),
    "wrong shape, no digest": _without_digest(_shape('{"experiment": "nab_autoencoder", "config": [1, 2]}')),
    "wrong data shape, no digest": _without_digest(_edit_json(lambda d: d["data"].update(scaler="minmax"))),
    "edited window, no digest": _without_digest(_edit_json(lambda d: d["config"].update(window=10))),
    "edited version, no digest": _without_digest(_edit_json(lambda d: d["config"].update(version="base"))),
}
METRICS_DAMAGE = {
    **DAMAGE,
    "a list": _shape("[]"),
    "wrong shape": _edit_json(lambda d: d.update(threshold="high")),
    "string number": _edit_json(lambda d: d["window_scores"]["whole_series"].update(tp="3")),
    "another run's": _edit_json(lambda d: d.update(experiment="heartbeat")),
    "missing a key it reads": _edit_json(lambda d: [d.pop("threshold"), d.pop("window_scores")]),
}
HISTORY_DAMAGE = {
    "truncated line": lambda path: path.write_text(path.read_text()[:-4]),
    "garbage": _garbage,
    "no epoch column": _shape("loss,val_loss\n0.5,0.6\n"),
    "not a number": _shape("epoch,loss,val_loss\n0,0.5,high\n"),
}
MODEL_DAMAGE = {**DAMAGE, "a member missing": lambda path: _drop_member(path, "model.weights.h5")}
RECONSTRUCTION_DAMAGE = {
    **DAMAGE,
    "wrong shape": lambda path: np.save(path, np.zeros((5, 5), np.float32)),
    "pickled objects": lambda path: np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True),
    "not finite": lambda path: np.save(path, np.full_like(np.load(path), np.nan)),
}


def _drop_member(path: Path, name: str) -> None:
    with zipfile.ZipFile(path) as archive:
        kept = {n: archive.read(n) for n in archive.namelist() if n != name}
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in kept.items():
            archive.writestr(member, data)


#: command -> (the run folder it reads, its arguments with RUN for the folder, the files it reads)
COMMANDS = {
    "predict": ("finished", ("RUN", "SERIES"), ("config", "metrics", "model")),
    "nab_detection_choice": ("finished", ("RUN",), ("config", "metrics", "reconstructions")),
    "reproduce": ("planned", ("--budget", "smoke", "--only", "nab-v3", "--from-runs", "RUNS", "--reports-dir",
                              "REPORTS"), ("config", "metrics", "history")),
    "nab_autoencoder": ("interrupted", ("--resume", "RUN"), ("config", "history")),
}
FILES = {"config": (runfiles.CONFIG, CONFIG_DAMAGE), "metrics": (runfiles.METRICS, METRICS_DAMAGE),
         "history": (runfiles.HISTORY, HISTORY_DAMAGE), "model": (runfiles.MODEL, MODEL_DAMAGE),
         "reconstructions": (runfiles.RECONSTRUCTIONS, RECONSTRUCTION_DAMAGE)}
CASES = [(command, kind, damage) for command, (_, _, kinds) in COMMANDS.items() for kind in kinds
         for damage in FILES[kind][1]
         if (command, damage) != ("reproduce", "missing a key it reads")]  # the report: "not comparable"


def _args(command: str, run: Path, made: dict, tmp_path: Path) -> list[str]:
    values = {"RUN": run, "SERIES": made["series"], "RUNS": run.parent.parent, "REPORTS": tmp_path / "reports"}
    return [str(values.get(a, a)) for a in COMMANDS[command][1]]


@pytest.mark.parametrize("command,kind,damage", CASES, ids=[" ".join(case) for case in CASES])
def test_a_damaged_file_ends_the_command_in_one_line_naming_it(made, tmp_path, capsys, command, kind, damage):
    run = _copy(made[COMMANDS[command][0]], tmp_path)
    name, damages = FILES[kind]
    damages[damage](run / name)
    line = refused(capsys, command, *_args(command, run, made, tmp_path))
    assert f"{run / name}:" in line, line
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_the_made_run_folders_are_accepted_as_they_were_written(made, command):
    """The damage, not the folder, is what the test above refuses: each reader takes the
    undamaged folder."""
    folder = made[COMMANDS[command][0]]
    if command == "nab_autoencoder":
        runner.RunDir.open_for_resume(folder, nab.EXPERIMENT)
        return
    runfiles.read_config(folder)
    runfiles.read_metrics(folder, nab.EXPERIMENT)
    runfiles.read_history(folder)
    runfiles.check_model(folder)


def test_detection_choice_ranks_an_undamaged_run(made, capsys):
    from experiments import nab_detection_choice

    nab_detection_choice.main([str(made["finished"]), "--top", "2"])
    assert "pooled_f1" in capsys.readouterr().out


# Class 2: the recorded configuration is what was trained ---------------------
def test_config_sha256_is_written_beside_config_json_and_checks_with_sha256sum(made):
    import hashlib

    folder = made["finished"]
    digest, name = (folder / runfiles.DIGEST).read_text().split()
    assert name == runfiles.CONFIG and digest == hashlib.sha256((folder / runfiles.CONFIG).read_bytes()).hexdigest()
    assert not list(folder.glob("config.json.*")), "no staged file left behind"


@pytest.mark.parametrize("edit", ["hand-edited window", "hand-edited version"])
def test_resume_refuses_a_config_json_edited_after_the_run_was_created(made, tmp_path, capsys, edit):
    run = _copy(made["interrupted"], tmp_path)
    CONFIG_DAMAGE[edit](run / runfiles.CONFIG)
    line = refused(capsys, "nab_autoencoder", "--resume", run)
    assert "changed since the run was created" in line and "restore the original config.json" in line
    with pytest.raises(UserError, match="changed since the run was created"):
        nab.resume(run)


def test_an_old_run_folder_without_a_digest_is_still_read(made, tmp_path):
    run = _copy(made["interrupted"], tmp_path)
    (run / runfiles.DIGEST).unlink()
    assert nab.Config.from_run(run, nab.EXPERIMENT).window == WINDOW
    run = _copy(made["finished"], tmp_path / "finished")
    (run / runfiles.DIGEST).unlink()
    assert runfiles.read_finished(run)[0]["config"]["version"] == "v3"


def test_a_damaged_digest_is_named(made, tmp_path, capsys):
    run = _copy(made["interrupted"], tmp_path)
    (run / runfiles.DIGEST).write_text("not a digest\n")
    line = refused(capsys, "nab_autoencoder", "--resume", run)
    assert f"{run / runfiles.DIGEST}: damaged, not a sha256 digest" in line


# What --resume reloads besides config.json -----------------------------------
#: case -> (the run folder, its file, the damage, the fix the line gives)
STATE_DAMAGE = {
    "training_metadata.json truncated": ("interrupted", "backup/epoch-00001/training_metadata.json", _truncate, "backup"),
    "run_state.json wrong shape": ("interrupted", "backup/epoch-00001/run_state.json", _shape('{"epoch": "one"}'), "backup"),
    "model.weights.h5 garbage": ("interrupted", "backup/epoch-00001/model.weights.h5", _garbage, "backup"),
    "model.weights.h5 deleted": ("interrupted", "backup/epoch-00001/model.weights.h5", lambda path: path.unlink(), "backup"),
    "run_state.npz garbage": ("interrupted", "backup/epoch-00001/run_state.npz", _garbage, "backup"),
    "run_state.npz deleted": ("interrupted", "backup/epoch-00001/run_state.npz", lambda path: path.unlink(), "backup"),
    "search config.json truncated": ("search", "config.json", _truncate, "train the run again"),
    "search config.json hand-edited": ("search", "config.json",
                                       _edit_json(lambda d: d["config"]["experiment"].update(window=10)),
                                       "restore the original config.json"),
    "oracle.json truncated": ("search", "tuner/search/oracle.json", _truncate, "tuner"),
    "trial.json garbage": ("search", "tuner/search/trial_0/trial.json", _garbage, "tuner"),
}


@pytest.mark.parametrize("case", STATE_DAMAGE)
def test_resume_refuses_a_damaged_backup_or_search(made, tmp_path, capsys, case):
    source, name, damage, fix = STATE_DAMAGE[case]
    run = _copy(made[source], tmp_path)
    damage(run / name)
    line = refused(capsys, "tune" if source == "search" else "nab_autoencoder", "--resume", run)
    assert f"{run / name}: " in line
    assert (f"delete the folder {run / fix}" if fix in ("backup", "tuner") else fix) in line


def test_an_epoch_not_written_whole_is_ignored_and_the_last_whole_one_resumed(made, tmp_path):
    """A process or machine that dies while a backup is written leaves a hidden .tmp folder
    (its weights half written): the resume reads the previous epoch's whole folder."""
    run = _copy(made["interrupted"], tmp_path)
    partial = run / "backup" / ".epoch-00002.tmp"
    partial.mkdir()
    (partial / backup_layout.WEIGHTS).write_bytes(b"\x89HDF\r\n half a file")
    (partial / backup_layout.STATE).write_text('{"epoch": 2, "callbacks": []}')
    runfiles.check_resume_state(run)
    assert backup_layout.latest_epoch_folder(run / "backup") == backup_layout.epoch_folder(run / "backup", 1)


# Class 3: detection choice on runs it cannot rank ----------------------------
def test_detection_choice_refuses_a_run_without_labelled_windows(made, capsys):
    line = refused(capsys, "nab_detection_choice", made["finished"], made["unlabelled"])
    assert line == (f"error: {made['unlabelled']}: its series has no labelled windows (trained on --csv without "
                    "--labels), so detection options cannot be scored on it; give runs of labelled NAB series")


def test_detection_choice_refuses_a_run_of_another_experiment(made, tmp_path, capsys):
    other = tmp_path / "runs" / "image_classification" / "vit"
    other.mkdir(parents=True)
    runfiles.write_config(runner.RunDir(other), {"experiment": "image_classification", "model": "vit",
                                                 "config": {"model": "vit"}, "data": {"class_names": ["a", "b"]}})
    runner.RunDir(other).write_json(runfiles.METRICS, {"experiment": "image_classification"})
    line = refused(capsys, "nab_detection_choice", other)
    assert line == (f"error: {other}: a run of 'image_classification', not a NAB run (nab_autoencoder); give "
                    "finished NAB run folders")


# --resume of every training command ---------------------------------------------
def _every_family(root: Path) -> dict:
    from keras_models import ag_news, heartbeat, images

    runs = root / "runs"
    return {"heartbeat": heartbeat.Config(model="cnn1d_resnet", mitdb=root / "mitdb", runs_dir=runs),
            "ag_news_transformer": ag_news.Config(variant="base", protocol="small", runs_dir=runs),
            "image_classification": images.Config(model="vit", runs_dir=runs),
            "nab_autoencoder": nab.Config(version="v3", runs_dir=runs)}


RESUME_DAMAGE = {
    "config.json truncated": (runfiles.CONFIG, _truncate),
    "config.json hand-edited": (runfiles.CONFIG, _edit_json(lambda d: d["config"].update(seed=7))),
    "history.csv garbage": (runfiles.HISTORY, _garbage),
}


@pytest.mark.parametrize("case", RESUME_DAMAGE)
@pytest.mark.parametrize("command", ["heartbeat", "ag_news_transformer", "image_classification", "nab_autoencoder"])
def test_resume_of_every_training_command_names_a_damaged_file(tmp_path, capsys, command, case):
    config = _every_family(tmp_path)[command]
    run = runner.RunDir.create(tmp_path / "runs", command, run_id="interrupted")
    runfiles.write_config(run, {"experiment": command, "config": config.to_dict()})
    (run.path / runfiles.HISTORY).write_text("epoch,loss\n0,0.5\n")
    assert type(config).from_run(run.path, command) == config, "undamaged, it resumes"
    name, damage = RESUME_DAMAGE[case]
    damage(run.path / name)
    line = refused(capsys, command, "--resume", run.path)
    assert f"{run.path / name}: " in line


@pytest.mark.parametrize("damage", ["truncated", "wrong shape"])
def test_reproduce_from_runs_names_a_damaged_audit_json(tmp_path, capsys, damage):
    audit = next(r for r in plan("smoke", tmp_path / "runs") if r.key == "param-audit")
    path = audit.folder(tmp_path / "runs") / runfiles.AUDIT
    path.parent.mkdir(parents=True)
    path.write_text('{"rows": [{"model": "nab_v3", "built_trainable": 4193}]}' if damage == "truncated"
                    else '{"rows": {"nab_v3": 4193}}')
    if damage == "truncated":
        _truncate(path)
    line = refused(capsys, "reproduce", "--budget", "smoke", "--only", "audit", "--from-runs", tmp_path / "runs",
                   "--reports-dir", tmp_path / "reports")
    assert f"{path}: " in line and "run the audit again" in line
