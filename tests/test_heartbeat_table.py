"""benchmarks.heartbeat_table: its command lines, table rows and bad flags (no training here)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import heartbeat_table
from conftest import run_refused


def test_default_runs_are_the_ten_of_the_table():
    args = heartbeat_table.build_parser().parse_args([])
    assert args.runs[:5] == [("cnn2d_resnet", m) for m in
                             ("none", "class-weights", "oversample-semi", "oversample-full", "smote")]
    assert [m for m, _ in args.runs[5:]] == ["transformer2d_resnet", "attention_gru", "cnn1d_resnet", "gru1d",
                                             "transformer1d_resnet"]
    assert {b for _, b in args.runs[5:]} == {"class-weights"}


def test_command_passes_the_protocol_on():
    args = heartbeat_table.build_parser().parse_args(["--epochs", "5", "--steps-per-epoch", "600", "--split", "inter"])
    argv = heartbeat_table.command(args, "gru1d", "smote")
    assert argv[1:3] == ["-m", "experiments.heartbeat"]
    joined = " ".join(argv)
    for part in ["--model gru1d", "--balance smote", "--split inter", "--epochs 5", "--steps-per-epoch 600"]:
        assert part in joined
    assert "--eval-batch-size 512" in joined


def test_table_row_reads_the_run_folder(tmp_path: Path):
    run = tmp_path / "20261121-000000-gru1d-smote-intra-s42"
    run.mkdir()
    test = {"accuracy": 0.98765, "f1_macro": 0.9, "recall_macro": 0.91, "precision_macro": 0.89}
    (run / "metrics.json").write_text(json.dumps({"test_metrics": test, "epochs_run": 5, "fit_seconds_this_session": 100.4,
                                                  "wall_seconds_this_session": 130.6}))
    (run / "config.json").write_text(json.dumps({"experiment": "heartbeat", "config": {},
                                                 "data": {"counts": {"train": {"N": 70000, "S": 2000}}}}))
    row = heartbeat_table.table_row("gru1d", "smote", run, 0, steps_per_epoch=600, batch_size=32)
    assert row["beats_seen"] == 5 * 600 * 32 and row["accuracy"] == 0.9877 and row["wall_s"] == 131
    assert heartbeat_table.table_row("gru1d", "smote", None, 1, None, 32)["run"] == "failed (exit 1)"


def test_bad_run_spec_is_refused(tmp_path: Path):
    run_refused("benchmarks.heartbeat_table", "--runs", "cnn2d_resnet:undersample", "--runs-dir", tmp_path / "runs",
                expected="undersample", cwd=tmp_path)
