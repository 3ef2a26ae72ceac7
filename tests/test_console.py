"""What a command's console shows: the end-of-run summary, no framework chatter, run-id
errors worded for whoever made the call. Fast: synthetic metrics, no training."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from keras_models import cli, quiet, registry, summary
from keras_models.errors import UserError
from keras_models.reports import documented
from keras_models.rundir import RunDir, check_new_run
from keras_models.text.variants import VARIANTS

from conftest import REPO


def nab_metrics(version="v3") -> dict:
    return {"experiment": "nab_autoencoder", "model": f"nab_{version}", "epochs_run": 1, "test": {"loss": 0.00125},
            "threshold": {"rule": "percentile:99", "value": 0.0031},
            "test_anomalies": {"count": 66}, "series_anomalies": {"count": 180},
            "window_scores": {"whole_series": {"windows": 4, "tp": 3, "fp": 4, "fn": 1, "f1": 0.5455}}}


def classifier_metrics(model: str, experiment: str) -> dict:
    return {"experiment": experiment, "model": model, "epochs_run": 2, "test": {"loss": 0.4},
            "test_metrics": {"accuracy": 0.9, "f1_macro": 0.7, "recall_macro": 0.65}}


def by_label(rows):
    return {label: (value, note) for label, value, note in rows}


def test_nab_summary_has_threshold_anomalies_windows_and_the_reports_numbers():
    rows = by_label(summary.rows(nab_metrics()))
    (_, anomalies, loss), = [r for r in documented.NAB_RESULTS if r[0] == "v3"]
    assert rows["threshold"] == ("0.0031", "rule percentile:99")
    assert rows["anomalies flagged, test split"] == ("66", f"documented {anomalies} (report 003)")
    assert rows["test loss (MSE, scaled)"][1] == f"documented {loss:g} (report 003)"
    assert rows["NAB windows tp/fp/fn"][0] == "3/4/1" and rows["NAB window F1"][0] == "0.5455"


def test_nab_summary_without_labels_says_why():
    metrics = {**nab_metrics("base"), "window_scores": None, "window_scores_note": "no NAB labels for x"}
    assert by_label(summary.rows(metrics))["NAB windows"] == ("not scored", "no NAB labels for x")


def test_image_summary_shows_accuracy_macro_f1_recall_beside_the_registry():
    rows = by_label(summary.rows(classifier_metrics("vit", "image_classification")))
    documented_accuracy = 100 * registry.get("vit").documented["test_accuracy"]
    assert rows["test accuracy"] == ("90.00 %", f"documented {documented_accuracy:.2f} % (report 003)")
    assert rows["test macro F1"] == ("70.00 %", "") and rows["test macro recall"] == ("65.00 %", "")


def test_heartbeat_summary_names_the_setting_of_the_documented_numbers():
    rows = by_label(summary.rows(classifier_metrics("cnn2d_resnet", "heartbeat"), {"balance": "none"}))
    assert "98.88 % (report 000: the course's CNN2DResNet, with class-weights)" in rows["test accuracy"][1]
    same = by_label(summary.rows(classifier_metrics("cnn2d_resnet", "heartbeat"), {"balance": "class-weights"}))
    assert "with class-weights" not in same["test accuracy"][1]
    assert "literature" not in same["test accuracy"][1], "an inter-patient figure only beside an inter-patient run"
    inter = by_label(summary.rows(classifier_metrics("cnn2d_resnet", "heartbeat"),
                                  {"balance": "class-weights", "split": "inter"}))
    assert "94.50 % (literature, not report 000: Mondéjar-Guerra" in inter["test accuracy"][1]


def test_text_summary_shows_accuracy_and_loss_beside_the_variant_table():
    metrics = {**classifier_metrics("ag_news_transformer", "ag_news_transformer"), "variant": {"name": "base"}}
    metrics["model"] = next(name for name in registry.names() if registry.get(name).family == "ag_news")
    rows = by_label(summary.rows(metrics))
    reported = VARIANTS["base"].reported
    assert set(rows) == {"test accuracy", "test loss"}
    assert rows["test accuracy"][1] == f"documented {reported['test_acc']:.2f} % (report 003)"
    assert rows["test loss"][1] == f"documented {reported['test_loss']:g} (report 003)"


def test_show_prints_the_summary_and_the_run_folder(tmp_path, capsys):
    run = tmp_path / "nab_autoencoder" / "one"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"data": {"series": "realTweets/Twitter_volume_AAPL"}}))

    class Result:
        run_dir, metrics = run, nab_metrics()

    summary.show(Result())
    out = capsys.readouterr().out
    assert "nab_v3 on realTweets/Twitter_volume_AAPL (1 epoch)" in out
    assert f"run folder                       {run}" in out


def test_noise_lines_are_told_from_other_lines():
    assert quiet.is_noise(b"I0000 00:00:1796305296.040645   23565 port.cc:153] oneDNN custom operations are on.\n")
    assert quiet.is_noise(b"W1203 13:41:38.040645   23565 cpu_feature_guard.cc:227] x\n")
    assert quiet.is_noise(quiet.LOG_NOTE + b"\n")
    assert not quiet.is_noise(b"F0000 00:00:1.0   1 x.cc:1] fatal\n")
    assert not quiet.is_noise(b"error: bad --epochs\n")


@pytest.mark.parametrize("user_level", [None, "1"])
def test_quiet_console_drops_framework_lines_from_standard_error(user_level):
    """Dropped under the package's own level (also one a parent process chose); kept when
    the user set TF_CPP_MIN_LOG_LEVEL."""
    code = ("import os, sys\nfrom keras_models import quiet\nwith quiet.console(False):\n"
            "    os.write(2, b'I0000 00:00:17.5   1 port.cc:153] oneDNN\\n')\n"
            "    print('error: kept', file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if k not in (quiet.LEVEL, quiet.CHOSEN)}
    env.update({quiet.LEVEL: user_level} if user_level else {})
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env=env)
    noise = "" if user_level is None else "I0000 00:00:17.5   1 port.cc:153] oneDNN\n"
    assert result.stderr == noise + "error: kept\n", result.stderr


@pytest.mark.parametrize("user_level,verbose,expected", [(None, True, "0"), ("1", True, "1"), ("1", False, "1")])
def test_verbose_turns_the_cpp_log_on_unless_the_user_chose_a_level(monkeypatch, user_level, verbose, expected):
    monkeypatch.setattr(quiet, "USER_LEVEL", user_level)
    monkeypatch.setenv(quiet.LEVEL, user_level or "3")
    with quiet.console(verbose):
        assert os.environ[quiet.LEVEL] == expected


def test_every_command_has_verbose():
    parser = cli.ArgumentParser(prog="x")
    assert parser.parse_args(["--verbose"]).verbose is True


def finished_run(root, name="taken"):
    run = RunDir.create(root, "exp", name)
    run.write_json("config.json", {"experiment": "exp", "config": {}})
    run.write_json("metrics.json", {})
    return run


def test_a_taken_run_id_is_worded_for_the_caller(tmp_path):
    run = finished_run(tmp_path)
    with pytest.raises(UserError) as caught:
        check_new_run(tmp_path, "exp", "taken")
    api, command = str(caught.value), caught.value.for_command()
    assert api.startswith("run_id 'taken' is taken: ") and "run_id=None for a fresh one" in api
    assert "--" not in api
    assert command.startswith(f"run folder {run.path} already exists") and "choose another --run-id" in command
    assert "--resume" not in command and "resume(" not in api  # a finished run is not resumed


def test_an_interrupted_run_id_offers_to_continue_it(tmp_path):
    run = RunDir.create(tmp_path, "exp", "half")
    run.write_json("config.json", {"experiment": "exp"})
    with pytest.raises(UserError) as caught:
        check_new_run(tmp_path, "exp", "half")
    assert f"resume('{run.path}')" in str(caught.value)
    assert f"--resume {run.path}" in caught.value.for_command()


def test_resuming_a_finished_run_does_not_send_the_user_back(tmp_path):
    run = finished_run(tmp_path)
    with pytest.raises(UserError) as caught:
        RunDir.open_for_resume(run.path, "exp")
    assert "already finished" in str(caught.value) and "run_id=None" in str(caught.value)
    assert "without --resume" in caught.value.for_command() and "without its --run-id" in caught.value.for_command()


def test_run_id_none_gives_a_fresh_folder_each_time(tmp_path):
    first, second = RunDir.create(tmp_path, "exp"), RunDir.create(tmp_path, "exp")
    assert first.path != second.path and first.path.parent == second.path.parent


def test_the_api_and_the_command_word_a_taken_id_their_own_way(tmp_path, series_csv, capsys):
    from experiments import nab_autoencoder
    from keras_models import nab

    taken = tmp_path / "runs" / nab.EXPERIMENT / "mine"
    taken.mkdir(parents=True)
    (taken / "metrics.json").write_text("{}")
    with pytest.raises(UserError, match=r"^run_id 'mine' is taken: .*pass another run_id, or run_id=None"):
        nab.run(nab.Config(csv=series_csv, run_id="mine", runs_dir=tmp_path / "runs", epochs=1))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(nab_autoencoder.main, ["--csv", str(series_csv), "--run-id", "mine", "--runs-dir",
                                        str(tmp_path / "runs"), "--epochs", "1"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "choose another --run-id, or leave --run-id out" in err, err
