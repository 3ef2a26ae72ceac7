"""`experiments.predict`: a finished run of each family applied to new inputs, and bad input.

Each family trains one tiny run on synthetic data (module fixtures), then predicts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_here, run_refused, tree, write_ag_news, write_image_folder, write_kaggle, write_series, \
    write_windows
from keras_models import heartbeat, images, nab, predict, text


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    """One finished run a family (1 epoch, synthetic data) and the data it trained on."""
    root = tmp_path_factory.mktemp("predict")
    runs = root / "runs"
    (root / "series").mkdir()
    series = write_series(root / "series" / "Synthetic.csv", n=700, spikes=(560, 640))
    labels = write_windows(root / "windows.json", "Synthetic.csv", [("2015-03-02 22:00:00", "2015-03-03 06:00:00")])
    found = {"series": series, "labels": labels, "kaggle": write_kaggle(root / "beats.csv")}
    # v1, the dense autoencoder, trains in a fraction of v3's time; tests/test_predict_scale.py predicts with a v3 run
    found["nab"] = nab.run(nab.Config(version="v1", csv=series, labels=labels, epochs=1, runs_dir=runs, run_id="nab",
                                      tensorboard=False)).run_dir
    found["heartbeat"] = heartbeat.run(heartbeat.Config(
        model="cnn1d_resnet", train_file=found["kaggle"], test_file=write_kaggle(root / "test.csv", seed=1),
        epochs=1, runs_dir=runs, run_id="heartbeat", tensorboard=False)).run_dir
    found["ag_news"] = text.run(text.Config(variant="base", protocol="small", epochs=1,
                                            data_dir=write_ag_news(root / "ag_news"), runs_dir=runs,
                                            run_id="ag_news", tensorboard=False)).run_dir
    found["images_data"] = write_image_folder(root / "images", per_class=8)
    tiny_vit = {"patch_size": 16, "projection_dim": 8, "num_heads": 2, "transformer_layers": 1, "mlp_head_units": [8]}
    found["images"] = images.run(images.Config(model="vit", data=found["images_data"], epochs=1, runs_dir=runs,
                                               run_id="images", tensorboard=False, model_args=tiny_vit)).run_dir
    return found


def test_nab_predict_gives_back_the_runs_own_anomalies(trained, tmp_path):
    before = tree(trained["nab"])
    config = predict.Config(run_dir=trained["nab"], inputs=(str(trained["series"]),), out=tmp_path / "nab.csv",
                            labels=trained["labels"])
    result = predict.predict(config)
    written = predict.write(result, config)
    metrics = json.loads((trained["nab"] / "metrics.json").read_text())
    table = pd.read_csv(tmp_path / "nab.csv")
    assert list(table.columns) == ["timestamp", "value", "reconstruction_error", "anomaly"]
    assert len(table) == 700 and table["reconstruction_error"].isna().sum() == 30 - 1
    assert list(table.loc[table["anomaly"], "timestamp"]) == metrics["series_anomalies"]["timestamps"]
    assert result.summary["window_scores"] == metrics["window_scores"]["whole_series"]
    assert (tmp_path / "nab-anomalies.png").is_file() and len(written) == 2
    assert tree(trained["nab"]) == before, "predict never writes into the run folder"
    assert result.summary["scale"].startswith("run: ") and result.warnings == []


def test_nab_predict_scores_with_the_labels_found_locally(trained, tmp_path, monkeypatch):
    (tmp_path / "nab" / "labels").mkdir(parents=True)
    (tmp_path / "nab" / "labels" / "combined_windows.json").write_bytes(trained["labels"].read_bytes())
    monkeypatch.setenv("KERAS_MODELS_DATA", str(tmp_path))
    result = predict.predict(predict.Config(run_dir=trained["nab"], inputs=(str(trained["series"]),)))
    metrics = json.loads((trained["nab"] / "metrics.json").read_text())
    assert result.summary["labels"] == str(tmp_path / "nab" / "labels" / "combined_windows.json")
    assert result.summary["window_scores"] == metrics["window_scores"]["whole_series"]


def test_heartbeat_predict_on_beats_with_and_without_labels(trained, tmp_path):
    unlabelled = tmp_path / "unlabelled.csv"
    rows = trained["kaggle"].read_text().splitlines()
    unlabelled.write_text("\n".join(row.rsplit(",", 1)[0] for row in rows) + "\n")
    for source, labelled in ((trained["kaggle"], True), (unlabelled, False)):
        result = predict.predict(predict.Config(run_dir=trained["heartbeat"], inputs=(str(source),)))
        table = result.table
        assert len(table) == 60 and ("label" in table) == labelled
        assert list(table.columns[-6:]) == ["predicted", "p_N", "p_S", "p_V", "p_F", "p_Q"]
        assert table[["p_N", "p_S", "p_V", "p_F", "p_Q"]].sum(axis=1).round(3).eq(1).all()
        assert ("accuracy against the given labels" in result.summary) == labelled


def test_ag_news_predict_reads_standard_input(trained, tmp_path):
    result = run_here("experiments.predict", str(trained["ag_news"]), "-", "--format", "json", cwd=tmp_path,
                      input="Stocks rally as markets rise\n\nTeam wins the final\n")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(result.stdout)["predictions"]
    assert [row["text"] for row in rows] == ["Stocks rally as markets rise", "Team wins the final"]
    assert {row["predicted"] for row in rows} <= {"World", "Sports", "Business", "Sci/Tech"}
    assert not list(tmp_path.iterdir()), "no --out: nothing written"


def test_images_predict_lists_unreadable_files_and_goes_on(trained, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    folder = trained["images_data"] / "dogs"
    result = predict.predict(predict.Config(run_dir=trained["images"], inputs=(str(folder), str(broken))))
    assert len(result.table) == 8 and set(result.table["predicted"]) <= {"cars", "dogs", "soup"}
    assert list(result.summary["unreadable (skipped)"]) == [str(broken)]


@pytest.mark.parametrize("case, expected", [
    ("unfinished", "has not finished"),
    ("nab csv to heartbeat", "2 columns, expected 187 or 188"),
    ("beats to nab", "columns are"),
    ("empty text", "no text"),
    ("out inside the run", "inside the run folder"),
    ("no input", "the following arguments are required"),
    ("bad format", "--format"),
    ("scale on a classifier", "--scale series applies to NAB runs only"),
])
def test_bad_input_ends_with_one_line_and_exit_2(trained, tmp_path, case, expected):
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "config.json").write_text(json.dumps({"experiment": "nab_autoencoder", "config": {}}))
    (tmp_path / "empty.txt").write_text("\n  \n")
    args = {
        "unfinished": [unfinished, trained["series"]],
        "nab csv to heartbeat": [trained["heartbeat"], trained["series"]],
        "beats to nab": [trained["nab"], trained["kaggle"]],
        "empty text": [trained["ag_news"], "empty.txt"],
        "out inside the run": [trained["nab"], trained["series"], "--out", trained["nab"] / "p.csv"],
        "no input": [trained["nab"]],
        "bad format": [trained["nab"], trained["series"], "--format", "xml"],
        "scale on a classifier": [trained["heartbeat"], trained["kaggle"], "--scale", "series"],
    }[case]
    before = tree(trained["nab"])
    run_refused("experiments.predict", *map(str, args), expected=expected, cwd=tmp_path)
    assert tree(trained["nab"]) == before
